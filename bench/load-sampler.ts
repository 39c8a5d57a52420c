// What the load bench samples while calls run, about twice a second: Asterisk's taskprocessor
// queues (through AMI's Command action) and the resident memory of Asterisk and the app; and
// the CPU counters read at the edges of the measured window.
import os from 'node:os';
import type { AmiSession } from './ami-session.js';
import type { LoadCallers } from './callers/load-callers.js';
import type { RunningSide } from './load-side.js';
import { cpuTimes, rssKb, totalCpu } from './proc-stats.js';
import { TaskprocessorWatch, parseTaskprocessors } from './taskprocessors.js';

const SAMPLE_MS = 500;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Sampler {
  readonly taskprocessors = new TaskprocessorWatch();
  appPeakKb = 0;
  asteriskPeakKb = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly ami: AmiSession, private readonly side: RunningSide) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.sampleMemory();
      try {
        this.taskprocessors.record(parseTaskprocessors(await this.ami.command('core show taskprocessors')));
      } catch {
        // a poll lost under load is a missing sample, not a failed run
      }
      await sleep(SAMPLE_MS);
    }
  }

  sampleMemory(): void {
    if (this.side.appPid !== null) this.appPeakKb = Math.max(this.appPeakKb, rssKb(this.side.appPid) ?? 0);
    this.asteriskPeakKb = Math.max(this.asteriskPeakKb, rssKb(this.side.asteriskPid) ?? 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** CPU seconds so far of Asterisk, the app, and the callers (the load generator). */
export interface CpuCounters {
  asterisk: number;
  app: number | null;
  callers: number;
  /** The bench itself (placing calls, reading AMI): it shares the machine too. */
  bench: number;
  /** The machine's 1-minute load average: other work on a shared machine shows here. */
  loadAverage: number;
}

/** The counters a window is measured between. */
export function cpuCounters(side: RunningSide, callers: Pick<LoadCallers, 'cpuSeconds'>): CpuCounters {
  return { asterisk: totalCpu(side.asteriskPid) ?? NaN, app: side.appPid === null ? null : totalCpu(side.appPid), callers: callers.cpuSeconds(), bench: cpuTimes('self').own, loadAverage: os.loadavg()[0] ?? NaN };
}
