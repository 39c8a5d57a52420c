// Places real SIP calls with SIPp: one SIPp process per call, each with its own ports, its
// own generated scenario (scenario.ts) and its own RTP stream (rtp-pcap.ts). Used by the
// end-to-end tests, the `tollbridge call` command and the benchmarks.
//
// What happened is read from facts SIPp writes, not guessed from timing: the scenario's <log>
// lines (FINAL <code>, ANSWERED, CALLER_BYE, FAREND_BYE with SIPp's microsecond epoch
// timestamp), the message trace as a fallback for the final status, and SIPp's exit code.
// Every call is bounded three times: per-message timeouts in the scenario, SIPp's -recv_timeout
// and -timeout, and a JS-side kill.
import { spawn, type ChildProcess } from 'node:child_process';
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
  /** Caller number, sent as the user part of From (and Contact). Default 'sipp'. */
  callerNumber?: string;
  /** What the caller sends once answered: keys, pauses, silence, tones. */
  steps: Step[];
  /** Hang up `afterMs` after the answer, or wait up to `maxWaitMs` (from the answer) for the far end's BYE. */
  hangup: { by: 'caller'; afterMs: number } | { by: 'far-end'; maxWaitMs: number };
  /**
   * The caller sends RTP (silence after its steps) for its whole stay, as a real phone does.
   * With `stopsAfterMs` it falls silent that long after the answer and stays in the dialog: a
   * call whose far side died without a BYE (Asterisk's rtp_timeout ends it).
   */
  rtp?: { stopsAfterMs: number };
  /** Never answer a re-INVITE (e.g. a session-timer refresh): a caller whose signalling died. */
  ignoresReinvites?: boolean;
}

export interface CallResult {
  /** The SIP Call-ID (the same as CallHandle.callId). */
  callId: string;
  /** Final response to the INVITE (200, 404, ...), or null when none came. */
  finalStatus: number | null;
  answered: boolean;
  hungUpBy: 'caller' | 'far-end' | 'none';
  /** Epoch ms (sub-ms precision) when the 200 OK was taken and ACKed: SIPp's own clock. */
  answeredAt: number | null;
  /** Epoch ms when our BYE was sent or the far end's BYE was received. */
  endedAt: number | null;
  /** 0: the scenario ran to its end; 1: the call failed; others: SIPp could not run. null: killed or not started. */
  sippExitCode: number | null;
  /** The call's directory when its files were kept (something went wrong, or TOLLBRIDGE_KEEP_CALL_FILES is set); otherwise an excerpt of its action log. */
  log: string;
}

export interface CallHandle {
  /** The SIP Call-ID of this call. */
  callId: string;
  /** Resolves once the 200 OK has arrived (rejects if the call ends unanswered). */
  answered: Promise<void>;
  result: Promise<CallResult>;
  /**
   * Makes SIPp send BYE now (after the answer, if the call is still ringing) and resolves with
   * the result once the call has ended. On a call that already ended it just returns the result.
   */
  hangUpNow(): Promise<CallResult>;
}

/** How long the INVITE may wait for a final response, and any other message for its reply. */
export const RECV_TIMEOUT_MS = 30_000;
/** placeCall's scenario stays this much longer than afterMs: a fallback if its MESSAGE is lost. */
const STAY_FALLBACK_MS = 3_000;
/** SIPp never outlives answer wait + stay + this; the JS side kills it a little later still. */
const GLOBAL_SLACK_MS = 10_000;
const KILL_SLACK_MS = 5_000;
/** SIPp's exit code when it cannot bind its sockets (-2). */
const SIPP_BIND_FAILURE = 254;
const MAX_BIND_ATTEMPTS = 4;

/** SIPp processes still running, killed if this process exits first (no stray SIPp after mocha --exit). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

// SIPp ports: blocks of 4 (SIP, control, media, media+2 for video) between the Asterisk RTP
// ranges (20000-24999 main, 30000-34999 test) and below Linux's ephemeral range (32768+).
const PORT_LOW = 25_000;
const PORT_HIGH = 29_996;
let nextPort = PORT_LOW + Math.floor(Math.random() * ((PORT_HIGH - PORT_LOW) / 4)) * 4;

async function freePortBlock(): Promise<number> {
  for (let tries = 0; tries < 500; tries++) {
    nextPort += 4;
    if (nextPort > PORT_HIGH) nextPort = PORT_LOW;
    const base = nextPort;
    const ok = await Promise.all([base, base + 1, base + 2, base + 3].map(canBind));
    if (ok.every(Boolean)) return base;
  }
  throw new Error('no free UDP ports for SIPp');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(false));
    // The wildcard address: fails if anything holds the port on any address.
    socket.bind(port, '0.0.0.0', () => socket.close(() => resolve(true)));
  });
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: Error) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  let reject: (err: Error) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function validate(options: CallOptions): void {
  if (!/^\+?[0-9A-Za-z*#._-]+$/.test(options.dialled)) throw new Error(`dialled "${options.dialled}" is not a SIP user part (digits, optional leading +)`);
  if (options.callerNumber !== undefined && !/^\+?[0-9A-Za-z*#._-]+$/.test(options.callerNumber)) throw new Error(`callerNumber "${options.callerNumber}" is not a SIP user part`);
  const ms = options.hangup.by === 'caller' ? options.hangup.afterMs : options.hangup.maxWaitMs;
  if (!(Number.isFinite(ms) && ms > 0)) throw new Error(`hangup ${options.hangup.by === 'caller' ? 'afterMs' : 'maxWaitMs'} must be a positive number of ms, not ${ms}`);
}

export function startCall(options: CallOptions): CallHandle {
  const callId = `tb-${randomUUID()}`;
  const answered = deferred<void>();
  answered.promise.catch(() => undefined); // callers that never await it must not see an unhandled rejection
  let sipPort: number | undefined;
  let ended = false;
  const result = (async () => {
    validate(options);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-call-'));
    const files = writeCallFiles(options, dir, STAY_FALLBACK_MS);
    for (let attempt = 1; ; attempt++) {
      const sip = await freePortBlock();
      const media = await freePortBlock();
      sipPort = sip;
      const args = sippArguments(options, files, { sipPort: sip, controlPort: sip + 1, mediaPort: media, callId });
      const res = await runSipp({ options, dir, args, callId, onAnswered: () => answered.resolve(), sipPort: sip });
      if (res.sippExitCode === SIPP_BIND_FAILURE && attempt < MAX_BIND_ATTEMPTS) continue; // lost a port race: new ports
      return res;
    }
  })().finally(() => {
    ended = true;
  });
  result.then(
    (res) => {
      if (!res.answered) answered.reject(new Error(`call ${callId} to ${options.dialled} was not answered (final status ${String(res.finalStatus)}, SIPp exit ${String(res.sippExitCode)}; ${res.log})`));
    },
    (err: unknown) => answered.reject(err instanceof Error ? err : new Error(String(err))),
  );
  return {
    callId,
    answered: answered.promise,
    result,
    hangUpNow: async () => {
      await Promise.race([answered.promise, result]).catch(() => undefined);
      // Loopback UDP does not lose datagrams, but SIPp may be busy: repeat until the call ends.
      for (let i = 0; i < 5 && !ended && sipPort !== undefined; i++) {
        await tellHangUp(sipPort, callId);
        await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
      }
      return result;
    },
  };
}

export function placeCall(options: CallOptions): Promise<CallResult> {
  return startCall(options).result;
}

/** Places `count` calls at once (one SIPp each) and resolves when all have ended. */
export function placeCalls(count: number, optionsFor: (i: number) => CallOptions): Promise<CallResult[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => placeCall(optionsFor(i))));
}

export interface CallFiles {
  dir: string;
  scenarioFile: string;
  pcapFile: string;
  /** The scenario's stay timer: afterMs or maxWaitMs. */
  stayMs: number;
}

/**
 * Writes a call's scenario and RTP stream into `dir`. `stayMarginMs` lengthens the scenario's
 * own stay timer: placeCall hangs up by its MESSAGE at answer + afterMs, and a stay timer firing
 * at the same instant would race it (SIPp aborts on a MESSAGE that lands mid-BYE); a
 * stand-alone SIPp command line has only the stay timer, so its margin is 0.
 */
export function writeCallFiles(options: CallOptions, dir: string, stayMarginMs = 0): CallFiles {
  fs.mkdirSync(dir, { recursive: true });
  const pcapFile = path.join(dir, 'caller.pcap');
  const stayMs = (options.hangup.by === 'caller' ? options.hangup.afterMs : options.hangup.maxWaitMs) + stayMarginMs;
  const stream = buildRtpStream(options.steps, { lengthMs: stayMs, ...(options.rtp === undefined ? {} : { stopAtMs: options.rtp.stopsAfterMs }) });
  fs.writeFileSync(pcapFile, toPcap(stream));
  const scenarioFile = path.join(dir, 'caller.xml');
  fs.writeFileSync(scenarioFile, buildScenario({ dialled: options.dialled, callerNumber: options.callerNumber ?? 'sipp', pcapFile, stayMs, ignoresReinvites: options.ignoresReinvites ?? false }));
  return { dir, scenarioFile, pcapFile, stayMs };
}

/** SIPp's command line for one call: one call, bounded in time, with traces in the call's dir. */
export function sippArguments(
  options: CallOptions,
  files: CallFiles,
  ports: { sipPort: number; mediaPort: number; callId: string; controlPort?: number },
): string[] {
  return [
    `${options.target.host}:${options.target.port}`,
    '-sf', files.scenarioFile,
    '-m', '1', '-l', '1',
    '-i', '127.0.0.1', '-p', String(ports.sipPort), '-mp', String(ports.mediaPort),
    ...(ports.controlPort === undefined ? [] : ['-cp', String(ports.controlPort)]),
    '-cid_str', ports.callId,
    '-aa', '-nostdin',
    '-recv_timeout', String(RECV_TIMEOUT_MS),
    '-timeout', `${Math.ceil((RECV_TIMEOUT_MS + files.stayMs + GLOBAL_SLACK_MS) / 1000)}s`, '-timeout_error',
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
  sipPort: number;
  onAnswered: () => void;
}

async function runSipp(input: RunInput): Promise<CallResult> {
  const { dir, args, callId, options } = input;
  const messages = path.join(dir, 'messages.log');
  const actions = path.join(dir, 'actions.log');
  for (const f of [messages, actions, path.join(dir, 'errors.log')]) fs.rmSync(f, { force: true }); // a retried attempt starts clean
  const stayMs = options.hangup.by === 'caller' ? options.hangup.afterMs : options.hangup.maxWaitMs;
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  track(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let hangupTimer: NodeJS.Timeout | undefined;
  // Watch the action log so `answered` resolves while the call is still up, and hang up at
  // answer + afterMs by SIPp's own answer time (the scenario's stay timer restarts after a re-INVITE).
  const watcher = setInterval(() => {
    const answeredAt = logTime(readIfExists(actions), 'ANSWERED');
    if (answeredAt === null) return;
    clearInterval(watcher);
    input.onAnswered();
    if (options.hangup.by === 'caller') {
      const due = answeredAt + options.hangup.afterMs - Date.now();
      hangupTimer = setTimeout(() => void tellHangUp(input.sipPort, callId).catch(() => undefined), Math.max(0, due));
    }
  }, 10);
  const hardLimit = RECV_TIMEOUT_MS + stayMs + GLOBAL_SLACK_MS + KILL_SLACK_MS;
  let killed = false;
  const killer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, hardLimit);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      stderr += `\nspawn sipp: ${err.message}`;
      resolve(null);
    });
    child.once('exit', (code) => resolve(code));
  });
  clearInterval(watcher);
  clearTimeout(killer);
  clearTimeout(hangupTimer);
  const actionLog = readIfExists(actions);
  const outcome = readOutcome(actionLog, readIfExists(messages));
  if (outcome.answered) input.onAnswered();
  const clean = exitCode === 0 && !killed && (outcome.answered ? outcome.hungUpBy !== 'none' : outcome.finalStatus !== null);
  const keep = !clean || process.env.TOLLBRIDGE_KEEP_CALL_FILES !== undefined;
  if (stderr !== '' || killed) fs.writeFileSync(path.join(dir, 'stderr.log'), `${killed ? `killed by caller.ts after ${hardLimit} ms\n` : ''}${stderr}`);
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  return { callId, ...outcome, sippExitCode: exitCode, log: keep ? dir : `(files removed) ${actionLog.trim()}` };
}

function readIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Epoch ms of the first `<label> ... <epoch s.us>` line of SIPp's action log (SIPp's [timestamp]). */
function logTime(actions: string, label: string): number | null {
  const line = actions.split('\n').find((l) => l.startsWith(`${label} `));
  const epoch = line?.split(/\s+/).find((token) => /^\d{9,}\.\d+$/.test(token));
  return epoch === undefined ? null : Number(epoch) * 1000;
}

/** Reads SIPp's action log (our <log> lines with timestamps), with the message trace as a fallback for the final status. */
export function readOutcome(actions: string, messages: string): Omit<CallResult, 'callId' | 'sippExitCode' | 'log'> {
  const answeredAt = logTime(actions, 'ANSWERED');
  const callerBye = logTime(actions, 'CALLER_BYE');
  const farEndBye = logTime(actions, 'FAREND_BYE');
  let finalStatus: number | null = null;
  for (const m of actions.matchAll(/^FINAL (\d{3}) /gm)) finalStatus = Number(m[1]);
  if (finalStatus === null) {
    // The last final response to our INVITE in the message trace.
    for (const m of messages.matchAll(/^SIP\/2\.0 (\d{3})[^\n]*\n(?:[^\n]+\n)*?CSeq:\s*1 INVITE/gim)) {
      const code = Number(m[1]);
      if (code >= 200) finalStatus = code;
    }
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
