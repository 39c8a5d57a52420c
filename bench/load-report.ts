// The load bench's printed report: both sides in columns, then tollbridge / ConfBridge.
import type { LoadReport } from './load-bench.js';
import type { SideReport } from './load-figures.js';
import type { Distribution } from './load-stats.js';

const ms = (v: number) => (Number.isNaN(v) ? '-' : v < 10 ? v.toFixed(1) : v.toFixed(0));
const cpu = (v: number | null) => (v === null || Number.isNaN(v) ? '-' : v.toFixed(3));
const mb = (kb: number) => (kb / 1024).toFixed(0);
const signedPercent = (fraction: number) => `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(0)} %`;
const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '-' : `${(a / b).toFixed(2)}x`;

type Row = [string, (s: SideReport) => string, ((t: SideReport, c: SideReport) => string)?];

function quartet(label: string, pick: (s: SideReport) => Distribution | undefined): Row[] {
  return (['p50', 'p95', 'p99', 'max'] as const).map((q): Row => [
    `${label} ${q} (ms)`,
    (s) => {
      const d = pick(s);
      return d === undefined ? '-' : ms(d[q]);
    },
    (t, c) => ratio(pick(t)?.[q], pick(c)?.[q]),
  ]);
}

function taskprocessorLines(s: SideReport): string[] {
  const line = (p: { name: string; inQueue: number; maxDepth: number; highWater: number }) =>
    `    ${p.name}: max depth ${p.maxDepth}, deepest seen ${p.inQueue} (high water ${p.highWater})`;
  const app = s.taskprocessors.ariApplication;
  return [
    `  ${s.side} (${s.taskprocessors.polls} polls):`,
    ...s.taskprocessors.deepest.map(line),
    ...(app === null || s.taskprocessors.deepest.some((p) => p.name === app.name) ? [] : [line(app)]),
  ];
}

export function formatReport(report: LoadReport): string {
  const { shape } = report;
  const moderatorLast = shape.moderator === 'last';
  const rows: Row[] = [
    ['calls answered / got in (of N)', (s) => `${s.answered} / ${s.inConference} (of ${s.calls})`],
    ['keys garbled on the way (calls)', (s) => String(s.garbledDigits)],
    ['live calls at most', (s) => String(s.maxLiveCalls)],
    ...quartet(moderatorLast ? "moderators '#' -> in (per room)" : "'#' -> in conference", (s) => s.join),
    ...(moderatorLast
      ? [
          // The moderators' '#' -> in is the first half of the release; then everyone waiting.
          ...quartet('release: all waiting in', (s) => s.release?.allIn),
          ['release: each waiting caller p50 (ms)', (s) => ms(s.release?.waitingIn.p50 ?? NaN), (t, c) => ratio(t.release?.waitingIn.p50, c.release?.waitingIn.p50)] as Row,
          ['release: each waiting caller p95 (ms)', (s) => ms(s.release?.waitingIn.p95 ?? NaN), (t, c) => ratio(t.release?.waitingIn.p95, c.release?.waitingIn.p95)] as Row,
        ]
      : []),
    ['CPU-s per call: Asterisk', (s) => cpu(s.cpu.perCall.asterisk), (t, c) => ratio(t.cpu.perCall.asterisk, c.cpu.perCall.asterisk)],
    ['CPU-s per call: app', (s) => cpu(s.cpu.perCall.app)],
    ['CPU-s per call: Asterisk + app', (s) => cpu(s.cpu.perCall.total), (t, c) => ratio(t.cpu.perCall.total, c.cpu.perCall.total)],
    ['CPU-s per call: load generator', (s) => `${cpu(s.cpu.perCall.callers)} (${s.callers === 'sipp' ? 'SIPp' : 'light callers'})`],
    ['app RSS start / peak / after (MB)', (s) => (s.memory.appStartKb === null ? '-' : `${mb(s.memory.appStartKb)} / ${mb(s.memory.appPeakKb)} / ${mb(s.memory.appAfterKb)}`)],
    ...(report.sides.some((s) => s.memory.appStartKb !== null && s.memory.appIdle !== null)
      ? [['app RSS after the idle wait (MB, vs start)', (s) => (s.memory.appStartKb === null || s.memory.appIdle === null ? '-' : `${mb(s.memory.appIdle.kb)} after ${s.memory.appIdle.afterS} s (${signedPercent(s.memory.appIdle.kb / s.memory.appStartKb - 1)})`)] as Row]
      : []),
    ['app RSS growth per live call (KB)', (s) => (s.memory.appStartKb === null ? '-' : s.memory.perLiveCallKb.toFixed(0))],
    ['Asterisk RSS peak (MB)', (s) => mb(s.memory.asteriskPeakKb), (t, c) => ratio(t.memory.asteriskPeakKb, c.memory.asteriskPeakKb)],
    ['ARI app queue max depth', (s) => (s.taskprocessors.ariApplication === null ? '-' : String(s.taskprocessors.ariApplication.maxDepth))],
    ['CPU-s of the bench itself', (s) => s.cpu.benchS.toFixed(1)],
    ['measured window (s)', (s) => s.windowS.toFixed(1)],
    ['machine load average, start / end', (s) => s.loadAverage.map((l) => l.toFixed(1)).join(' / ')],
  ];
  const cb = report.sides.find((s) => s.side === 'confbridge');
  const tb = report.sides.find((s) => s.side === 'tollbridge');
  const columns = [cb, tb].filter((s): s is SideReport => s !== undefined);
  const header = ['', ...columns.map((s) => (s.side === 'confbridge' ? 'ConfBridge' : 'tollbridge')), ...(cb && tb ? ['tollbridge/ConfBridge'] : [])];
  const table = rows.map(([label, cell, compare]) => [label, ...columns.map(cell), ...(cb && tb ? [compare === undefined ? '' : compare(tb, cb)] : [])]);
  const widths = header.map((_, i) => Math.max(...[header, ...table].map((r) => (r[i] ?? '').length)));
  const render = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('   ');
  return [
    `load bench: ${shape.calls} calls at ${shape.cps}/s into ${shape.rooms} room${shape.rooms === 1 ? '' : 's'}, moderator ${shape.moderator}, ${shape.stayS} s in the room`,
    `${report.at}, ${report.machine.cpus} x ${report.machine.model}`,
    '',
    render(header),
    ...table.map(render),
    '',
    'deepest taskprocessors:',
    ...columns.flatMap(taskprocessorLines),
    ...columns.flatMap((s) => s.missing.map((m) => `not in the conference (${s.side}): ${JSON.stringify(m)}`)),
    '',
    "Times are Asterisk's AMI event timestamps (DTMFEnd '#' -> BridgeEnter into the conference, or the",
    'end of music on hold for a ConfBridge caller waiting in the bridge), stamped when the manager sends',
    'the event: a deep stasis/m:manager:core queue above delays both ends. CPU: /proc over the window.',
    ...(moderatorLast ? ["Release: from each room's moderator '#' until the moderator and every caller waiting in that room are in."] : []),
  ].join('\n');
}
