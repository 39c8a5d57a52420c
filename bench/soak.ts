// The soak bench: N calls through the bridge app in process, as `tollbridge start` wires it,
// against a fake Asterisk (no SIP, no audio: bench/fake-ari.ts), to measure the app's memory
// per live call and whether it comes back after the calls. Issue 9, goal 5: at most 100 KB per
// live call, and within 10 % of the start after 10,000 calls.
//
//   npm run bench:soak -- [--calls 10000] [--live 150] [--room-size 10] [--stay-ms 0] [--quiet]
//                         [--idle-s 10] [--snapshots DIR] [--json]
//
// Rounds: every room at once gets its moderator, then its participants; when all are in, the
// participants leave, then the moderator. `--live` callers are in rooms at once (rooms of
// `--room-size`). Figures: heap after a forced full GC (node --expose-gc, which the npm script
// passes) and RSS, at the start, after a warm-up round, at the peak of a full round (per live
// call), after 1,000 calls, after N, and after `--idle-s` seconds idle (no forced GC: what the
// process gives back by itself). `--snapshots DIR` writes V8 heap snapshots at the start, at
// 1,000 and at N calls (open both in Chrome DevTools, Memory, "Comparison"). Run with other V8 flags (e.g.
// `node --expose-gc --max-semi-space-size=1 dist/bench/soak.js`) to compare RSS and CPU.
import path from 'node:path';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { canCollect, kb, mb, sampleLine, sampleMemory, type MemorySample } from './memory-figures.js';
import { startSoakApp } from './soak-app.js';
import { SoakCallers } from './soak-callers.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '10000' },
    live: { type: 'string', default: '150' },
    'room-size': { type: 'string', default: '10' },
    'stay-ms': { type: 'string', default: '0' },
    quiet: { type: 'boolean', default: false },
    'log-level': { type: 'string', default: process.env.TOLLBRIDGE_LOG_LEVEL ?? 'info' },
    'idle-s': { type: 'string', default: '10' },
    snapshots: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

function whole(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min} (got "${raw}")`);
  return n;
}

const calls = whole('calls', values.calls, 1);
const roomSize = whole('room-size', values['room-size'], 2);
const live = whole('live', values.live, roomSize);
const stayMs = whole('stay-ms', values['stay-ms'], 0);
const idleS = whole('idle-s', values['idle-s'], 0);
const roomCount = Math.ceil(live / roomSize);
const liveCalls = roomCount * roomSize;
const asteriskRoot = process.env.TOLLBRIDGE_ASTERISK_ROOT ?? '/var/cache/tollbridge/asterisk-root';

const say = (line: string) => {
  if (!values.json) process.stdout.write(`${line}\n`);
};

if (!canCollect()) say('note: node runs without --expose-gc: heap figures include garbage not yet collected (npm run bench:soak passes it)');
say(`soak: ${calls} calls, ${liveCalls} live at once (${roomCount} rooms of ${roomSize}), stay ${stayMs} ms, rooms ${values.quiet ? 'quiet' : 'with default announcements'}, log level ${values['log-level']}; node ${process.version} ${process.execArgv.join(' ')}`);

const soak = await startSoakApp({ rooms: roomCount, roomSize, quiet: values.quiet, logLevel: values['log-level'], apiDocsDir: path.join(asteriskRoot, 'usr/share/asterisk/rest-api') });
const callers = new SoakCallers(soak.ari, (id) => soak.app.router.has(id));
const samples: MemorySample[] = [];
const sample = async (label: string, collect = true) => {
  const s = await sampleMemory(label, callers.callsPlaced, collect);
  samples.push(s);
  say(sampleLine(s));
  return s;
};
const snapshot = (name: string) => {
  if (values.snapshots === undefined) return;
  const file = v8.writeHeapSnapshot(path.join(values.snapshots, `soak-${name}.heapsnapshot`));
  say(`heap snapshot: ${file}`);
};
/** The app has finished every call and the journal has reached the database. */
const settled = async () => {
  while (soak.app.router.activeCalls > 0 || soak.journal.backlog() > 0) await new Promise((r) => setTimeout(r, 10));
};

try {
  const start = await sample('start (app ready)');
  snapshot('start');
  await callers.round(soak.rooms, roomSize, stayMs);
  await settled();
  const warm = await sample('after a warm-up round');

  let peakNoGc: MemorySample | undefined;
  let peak: MemorySample | undefined;
  await callers.round(soak.rooms, roomSize, stayMs, async () => {
    peakNoGc = await sample(`peak: ${liveCalls} live`, false);
    peak = await sample(`peak: ${liveCalls} live, after GC`);
  });
  await settled();
  await sample('after the peak round');

  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const soakStart = callers.callsPlaced;
  let at1000: MemorySample | undefined;
  while (callers.callsPlaced - soakStart < calls) {
    await callers.round(soak.rooms, roomSize, stayMs);
    if (at1000 === undefined && callers.callsPlaced - soakStart >= 1000) {
      await settled();
      at1000 = await sample('soak: after 1,000 calls');
      snapshot('1000');
    }
  }
  await settled();
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - wallBefore;
  const soaked = callers.callsPlaced - soakStart;
  const end = await sample(`soak: after ${soaked} calls`);
  snapshot(String(soaked));
  // What the process gives back by itself once the calls are over (V8's memory reducer runs when idle): what an operator sees.
  await new Promise((r) => setTimeout(r, idleS * 1000));
  const idle = await sample(`soak: then ${idleS} s idle`, false);

  const perLiveHeap = peak === undefined ? 0 : (peak.heapUsed - warm.heapUsed) / liveCalls;
  const perLiveRss = peakNoGc === undefined ? 0 : (peakNoGc.rss - warm.rss) / liveCalls;
  // As the load bench measures it from outside: the peak against the app just started, V8's young generation and code warming up included.
  const perLiveRssFromStart = peakNoGc === undefined ? 0 : (peakNoGc.rss - start.rss) / liveCalls;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const figures = {
    calls: soaked, notInConference: callers.stuck.length, liveCalls, roomSize, stayMs, quiet: values.quiet, node: process.version, execArgv: process.execArgv,
    perLiveCallHeapBytes: Math.round(perLiveHeap), perLiveCallRssBytes: Math.round(perLiveRss), perLiveCallRssFromStartBytes: Math.round(perLiveRssFromStart),
    heapAfterVsStart: end.heapUsed / start.heapUsed, rssAfterVsStart: end.rss / start.rss, rssIdleVsStart: idle.rss / start.rss,
    heapAfterVsWarm: end.heapUsed / warm.heapUsed,
    heapGrowthPerCallBytes: at1000 === undefined ? null : Math.round((end.heapUsed - at1000.heapUsed) / Math.max(1, soaked - (at1000.calls - soakStart))),
    cpuMsPerCall: cpuMs / soaked, wallMs: Math.round(wallMs), callsPerSecond: soaked / (wallMs / 1000),
    ariEventsPerCall: soak.ari.eventsSent / callers.callsPlaced, ariBytesPerCall: Math.round(soak.ari.bytesSent / callers.callsPlaced),
    samples,
  };
  for (const stuck of callers.stuck.slice(0, 5)) say(`not in the conference: ${stuck.message}; Asterisk (fake): ${soak.ari.describe(stuck.channelId)}`);
  if (values.json) process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  say('');
  say(`per live call (peak against the warm app): heap ${kb(perLiveHeap)} KB after GC, RSS ${kb(perLiveRss)} KB without; goal <= 100 KB`);
  say(`per live call (peak RSS against the app just started, as the load bench measures it): ${kb(perLiveRssFromStart)} KB`);
  say(`after ${soaked} calls vs start: heap ${mb(end.heapUsed)} / ${mb(start.heapUsed)} MB (${((figures.heapAfterVsStart - 1) * 100).toFixed(1)} %), RSS ${mb(end.rss)} / ${mb(start.rss)} MB (${((figures.rssAfterVsStart - 1) * 100).toFixed(1)} %); goal within 10 %`);
  say(`after ${soaked} calls and ${idleS} s idle vs start: RSS ${mb(idle.rss)} / ${mb(start.rss)} MB (${((figures.rssIdleVsStart - 1) * 100).toFixed(1)} %)`);
  if (figures.heapGrowthPerCallBytes !== null) say(`heap kept per call between 1,000 calls and the end: ${figures.heapGrowthPerCallBytes} bytes`);
  say(`callers the app did not put in the conference within 30 s: ${callers.stuck.length} (TOLLBRIDGE_SOAK_LOG=FILE with --log-level debug shows why)`);
  say(`CPU ${(cpuMs / 1000).toFixed(2)} s for ${soaked} calls (${figures.cpuMsPerCall.toFixed(2)} ms per call, app and fake Asterisk in one process), ${figures.callsPerSecond.toFixed(0)} calls/s; ARI ${figures.ariEventsPerCall.toFixed(1)} events, ${figures.ariBytesPerCall} bytes per call`);
} finally {
  await soak.stop();
}
