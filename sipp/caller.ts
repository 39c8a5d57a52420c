// Places real SIP calls with SIPp: one SIPp process per call, each with its own ports, its
// own generated scenario and its own RTP stream (rtp-pcap.ts). Used by the end-to-end tests,
// the `tollbridge call` command and the benchmarks.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildRtpStream, toPcap, type Step } from './rtp-pcap.js';
import { buildScenario } from './scenario.js';

export type { Step } from './rtp-pcap.js';

export interface CallOptions {
  target: { host: string; port: number };
  /** The number dialled (Request-URI user part), with or without '+'. */
  dialled: string;
  /** Caller number, sent in From. */
  callerNumber?: string;
  /** What the caller sends once answered: keys, pauses, silence, tones. */
  steps: Step[];
  /** Hang up after `afterMs` from the answer, or wait up to `maxWaitMs` for the far end. */
  hangup: { by: 'caller'; afterMs: number } | { by: 'far-end'; maxWaitMs: number };
}

export interface CallResult {
  callId: string;
  /** Final response to the INVITE (200, 404, ...), or null when none came. */
  finalStatus: number | null;
  answered: boolean;
  hungUpBy: 'caller' | 'far-end' | 'none';
  /** Epoch ms when the 200 OK arrived. */
  answeredAt: number | null;
  /** Epoch ms when the BYE was sent or received. */
  endedAt: number | null;
  sippExitCode: number | null;
  /** Where this call's files are (kept only when something went wrong). */
  log: string;
}

export interface CallHandle {
  callId: string;
  /** Resolves once the call is answered (rejects if it ends unanswered). */
  answered: Promise<void>;
  result: Promise<CallResult>;
  /** Tells SIPp to send BYE now; resolves once the call has ended. */
  hangUpNow(): Promise<CallResult>;
}

/** SIPp must never outlive this, whatever the scenario says. */
const HARD_LIMIT_SLACK_MS = 15_000;

let nextPort = 40000 + Math.floor(Math.random() * 2000) * 4;

async function freeUdpPort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    nextPort += 4;
    if (nextPort > 59000) nextPort = 40000;
    const candidate = nextPort;
    const ok = await Promise.all([candidate, candidate + 1, candidate + 2].map(canBind)).then((all) => all.every(Boolean));
    if (ok) return candidate;
  }
  throw new Error('no free UDP ports for SIPp');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

export function startCall(options: CallOptions): CallHandle {
  const callId = `tb-${randomUUID()}`;
  let markAnswered: () => void = () => {};
  let markUnanswered: (err: Error) => void = () => {};
  const answered = new Promise<void>((resolve, reject) => {
    markAnswered = resolve;
    markUnanswered = reject;
  });
  answered.catch(() => undefined); // callers that never await it must not see an unhandled rejection
  let sipPort: number | undefined;
  const result = (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-call-'));
    sipPort = await freeUdpPort();
    const mediaPort = await freeUdpPort();
    const files = writeCallFiles(options, dir);
    const res = await runSipp({ options, dir, args: sippArguments(options, files, { sipPort, mediaPort, callId }), stayMs: files.stayMs, callId, onAnswered: markAnswered });
    if (!res.answered) markUnanswered(new Error(`call ${callId} was not answered (status ${String(res.finalStatus)})`));
    return res;
  })();
  result.catch((err: unknown) => markUnanswered(err instanceof Error ? err : new Error(String(err))));
  return {
    callId,
    answered,
    result,
    hangUpNow: async () => {
      await answered;
      if (sipPort !== undefined) await tellHangUp(sipPort, `${callId}-1`);
      return result;
    },
  };
}

export function placeCall(options: CallOptions): Promise<CallResult> {
  return startCall(options).result;
}

export function placeCalls(count: number, optionsFor: (i: number) => CallOptions): Promise<CallResult[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => placeCall(optionsFor(i))));
}

export interface CallFiles {
  dir: string;
  scenarioFile: string;
  pcapFile: string;
  stayMs: number;
}

/** Writes a call's scenario and RTP stream into `dir`. */
export function writeCallFiles(options: CallOptions, dir: string): CallFiles {
  fs.mkdirSync(dir, { recursive: true });
  const pcapFile = path.join(dir, 'caller.pcap');
  fs.writeFileSync(pcapFile, toPcap(buildRtpStream(options.steps)));
  const stayMs = options.hangup.by === 'caller' ? options.hangup.afterMs : options.hangup.maxWaitMs;
  const scenarioFile = path.join(dir, 'caller.xml');
  fs.writeFileSync(scenarioFile, buildScenario({ dialled: options.dialled, callerNumber: options.callerNumber ?? 'tollbridge-test', pcapFile, stayMs }));
  return { dir, scenarioFile, pcapFile, stayMs };
}

/** SIPp's command line for one call: one call, bounded in time, with traces in the call's dir. */
export function sippArguments(options: CallOptions, files: CallFiles, ports: { sipPort: number; mediaPort: number; callId: string }): string[] {
  return [
    `${options.target.host}:${options.target.port}`,
    '-sf', files.scenarioFile,
    '-m', '1', '-l', '1',
    '-i', '127.0.0.1', '-p', String(ports.sipPort), '-mp', String(ports.mediaPort),
    '-cid_str', `${ports.callId}-%u`,
    '-aa', '-nostdin',
    '-timeout', `${Math.ceil((files.stayMs + HARD_LIMIT_SLACK_MS) / 1000)}s`,
    '-trace_msg', '-message_file', path.join(files.dir, 'messages.log'),
    '-trace_logs', '-log_file', path.join(files.dir, 'actions.log'),
    '-trace_err', '-error_file', path.join(files.dir, 'errors.log'),
  ];
}

interface RunInput {
  options: CallOptions;
  dir: string;
  args: string[];
  callId: string;
  stayMs: number;
  onAnswered: () => void;
}

async function runSipp(input: RunInput): Promise<CallResult> {
  const { dir, args, callId, stayMs } = input;
  const messages = path.join(dir, 'messages.log');
  const logs = path.join(dir, 'actions.log');
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Watch the action log so `answered` resolves while the call is still up.
  const watcher = setInterval(() => {
    if (readIfExists(logs).includes('ANSWERED')) {
      input.onAnswered();
      clearInterval(watcher);
    }
  }, 20);
  const killer = setTimeout(() => child.kill('SIGKILL'), stayMs + HARD_LIMIT_SLACK_MS + 5000);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
  clearInterval(watcher);
  clearTimeout(killer);
  const outcome = readOutcome(readIfExists(logs), readIfExists(messages));
  const result: CallResult = { callId: `${callId}-1`, ...outcome, sippExitCode: exitCode, log: dir };
  if (outcome.answered) input.onAnswered();
  const clean = exitCode === 0 && (outcome.hungUpBy !== 'none' || outcome.finalStatus !== null);
  if (clean && process.env.TOLLBRIDGE_KEEP_CALL_FILES === undefined) fs.rmSync(dir, { recursive: true, force: true });
  else if (stderr !== '') fs.writeFileSync(path.join(dir, 'stderr.log'), stderr);
  return result;
}

function readIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Reads SIPp's action log (our <log> lines with timestamps) and message trace. */
export function readOutcome(actions: string, messages: string): Omit<CallResult, 'callId' | 'sippExitCode' | 'log'> {
  // Each line: LABEL <date>\t<time>\t<epoch seconds with microseconds> (SIPp's [timestamp]).
  const at = (label: string): number | null => {
    const line = actions.split('\n').find((l) => l.startsWith(`${label} `));
    const epoch = line?.split(/\s+/).find((token) => /^\d{9,}\.\d+$/.test(token));
    return epoch === undefined ? null : Math.round(Number(epoch) * 1000);
  };
  const answeredAt = at('ANSWERED');
  const callerBye = at('CALLER_BYE');
  const farEndBye = at('FAREND_BYE');
  // The last final response to our INVITE in the message trace.
  let finalStatus: number | null = null;
  for (const m of messages.matchAll(/^SIP\/2\.0 (\d{3})[^\n]*\n(?:[^\n]+\n)*?CSeq:\s*1 INVITE/gim)) {
    const code = Number(m[1]);
    if (code >= 200) finalStatus = code;
  }
  const hungUpBy = farEndBye !== null ? 'far-end' : callerBye !== null ? 'caller' : 'none';
  return { finalStatus, answered: answeredAt !== null, hungUpBy, answeredAt, endedAt: farEndBye ?? callerBye };
}

/** Asks the SIPp of one call to hang up: a MESSAGE in that call's dialog (scenario label "told"). */
function tellHangUp(sipPort: number, callId: string): Promise<void> {
  const message = [
    `MESSAGE sip:sipp@127.0.0.1:${sipPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-${randomUUID()}`,
    `From: <sip:control@127.0.0.1>;tag=${randomUUID().slice(0, 8)}`,
    `To: <sip:sipp@127.0.0.1>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 MESSAGE',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.send(message, sipPort, '127.0.0.1', (err) => {
      socket.close();
      if (err) reject(err);
      else resolve();
    });
  });
}
