// The load bench's two kinds of callers behind one face: the light callers (default; one
// process for every call, generator-process.ts) and SIPp (one process per call, sipp/caller.ts,
// as the end-to-end tests use; `--callers sipp`). Each counts its own CPU.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCall } from '../../sipp/caller.js';
import { cpuTimes, totalCpu } from '../proc-stats.js';
import type { GeneratorOrder, GeneratorReport } from './generator-process.js';
import type { LightCallOptions, LightCallResult } from './light-callers.js';

export type CallersKind = 'light' | 'sipp';

export interface LoadCall {
  result: Promise<LightCallResult>;
  /** Sends BYE now (at the answer, if the call still rings). */
  hangUpNow(): void;
}

export interface LoadCallers {
  kind: CallersKind;
  place(options: LightCallOptions): LoadCall;
  /** CPU seconds the callers have used so far. */
  cpuSeconds(): number;
  close(): Promise<void>;
}

export async function openCallers(kind: CallersKind): Promise<LoadCallers> {
  return kind === 'sipp' ? sippCallers() : await forkedLightCallers();
}

function sippCallers(): LoadCallers {
  return {
    kind: 'sipp',
    place(options) {
      const handle = startCall({ target: options.target, dialled: options.dialled, callerNumber: options.callerNumber, steps: options.steps, hangup: { by: 'caller', afterMs: options.hangupAfterMs } });
      return { result: handle.result, hangUpNow: () => void handle.hangUpNow().catch(() => undefined) };
    },
    // Every SIPp is a child of the bench, reaped when it exits.
    cpuSeconds: () => cpuTimes('self').children,
    close: () => Promise.resolve(),
  };
}

const GENERATOR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'generator-process.js');

async function forkedLightCallers(): Promise<LoadCallers> {
  const child: ChildProcess = fork(GENERATOR, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (result: LightCallResult) => void>();
  let nextId = 1;
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the callers' process exited (${String(code)}) before it was ready`)));
    child.on('message', (report: GeneratorReport) => {
      if (report.ev === 'ready') resolve();
      else if (report.ev === 'result') {
        pending.get(report.id)?.(report.result);
        pending.delete(report.id);
      }
    });
  });
  const order = (o: GeneratorOrder) => child.send(o);
  const pid = child.pid ?? -1;
  let lastCpu = 0;
  return {
    kind: 'light',
    place(options) {
      const id = nextId++;
      const result = new Promise<LightCallResult>((resolve) => pending.set(id, resolve));
      order({ op: 'place', id, options });
      return { result, hangUpNow: () => order({ op: 'hangup', id }) };
    },
    cpuSeconds: () => (lastCpu = totalCpu(pid) ?? lastCpu),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      order({ op: 'close' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
