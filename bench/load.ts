// The load bench's command line:
//   npm run bench:load -- --calls 200 --cps 10 [--rooms 1] [--moderator first|last] [--stay 10]
//                         [--only tollbridge|confbridge] [--callers light|sipp]
//                         [--order round-robin|by-room] [--idle 0] [--json]
// Places N real SIP callers (RFC 4733 DTMF; the light callers of callers/, or SIPp) at R calls per second into tollbridge
// (`tollbridge start` as its own process) and into Asterisk's own ConfBridge in pure dialplan,
// one after the other, and prints both side by side (load-report.ts). Instances and ports:
// TOLLBRIDGE_LOAD_APP_* and TOLLBRIDGE_LOAD_CB_* (INSTANCE, SIP_PORT, ARI_PORT, AMI_PORT,
// RTP_START, RTP_END). --idle S reads the app's RSS once more S seconds after the calls (a
// soak's memory once V8 has given pages back). Needs root (SIPp, chroot).
import { parseArgs } from 'node:util';
import { runLoadBench } from './load-bench.js';
import { formatReport } from './load-report.js';
import { sideEndpoints } from './load-side.js';

function wholeNumber(name: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} takes a whole number >= ${min}, not "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '60' },
      cps: { type: 'string', default: '5' },
      rooms: { type: 'string', default: '1' },
      moderator: { type: 'string', default: 'first' },
      stay: { type: 'string', default: '10' },
      idle: { type: 'string', default: '0' },
      only: { type: 'string' },
      callers: { type: 'string', default: 'light' },
      order: { type: 'string', default: 'round-robin' },
      json: { type: 'boolean', default: false },
    },
  });
  const cps = Number(values.cps);
  if (!(cps > 0 && cps <= 100)) throw new Error(`--cps takes a rate from 0 to 100 calls per second, not "${values.cps}"`);
  if (values.moderator !== 'first' && values.moderator !== 'last') throw new Error('--moderator takes first or last');
  if (values.only !== undefined && values.only !== 'tollbridge' && values.only !== 'confbridge') throw new Error('--only takes tollbridge or confbridge');
  if (values.callers !== 'light' && values.callers !== 'sipp') throw new Error('--callers takes light or sipp');
  if (values.order !== 'round-robin' && values.order !== 'by-room') throw new Error('--order takes round-robin or by-room');
  const report = await runLoadBench({
    callers: values.callers,
    order: values.order,
    calls: wholeNumber('calls', values.calls, 2),
    cps,
    rooms: wholeNumber('rooms', values.rooms, 1),
    moderator: values.moderator,
    stayS: wholeNumber('stay', values.stay, 1),
    idleS: wholeNumber('idle', values.idle, 0),
    only: values.only ?? null,
    endpoints: {
      tollbridge: sideEndpoints(process.env, 'TOLLBRIDGE_LOAD_APP', { instance: 'lbapp', sipPort: 17120, ariPort: 18320, amiPort: 17420, rtpStart: 41000, rtpEnd: 42999 }),
      confbridge: sideEndpoints(process.env, 'TOLLBRIDGE_LOAD_CB', { instance: 'lbcb', sipPort: 17130, ariPort: 18330, amiPort: 17430, rtpStart: 43000, rtpEnd: 44999 }),
    },
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
}

await main();
