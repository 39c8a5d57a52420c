// Runs the resyncs one at a time with the event gate (event-gate.ts) around each attempt:
// events wait while an attempt reads Asterisk and the ledger and rebuilds, and flow again after
// it, done or failed. A failed attempt (ARI answering badly, the database down) is tried again
// every `retryMs` until one succeeds; between attempts events flow to the calls already known,
// so the gate holds them for one attempt at most (and its own limit bounds even that). Callers
// the failed attempt could not rebuild stay where Asterisk has them until an attempt succeeds.
import type { Logger } from 'pino';
import type { EventGate } from './event-gate.js';

export interface ResyncRunnerOptions {
  gate: EventGate;
  /** One resync: `endsHeld` are the hang-ups waiting in the gate (app/calls/resync.ts). */
  attempt: (endsHeld: Map<string, number>, fallbackEnd: number) => Promise<unknown>;
  log: Logger;
  retryMs: number;
  /** The app is stopping: a failed attempt is not tried again. */
  stopping: () => boolean;
}

export interface ResyncRun {
  /** Settles when the first attempt is over, done or failed: events flow again. */
  firstAttempt: Promise<void>;
  /** Settles when an attempt succeeded (or the app stops). */
  done: Promise<void>;
}

export class ResyncRunner {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: ResyncRunnerOptions) {}

  run(fallbackEnd: number): ResyncRun {
    const { gate, log, retryMs } = this.options;
    // From now on events wait, even while an earlier resync still runs.
    gate.hold();
    let attempted: () => void = () => undefined;
    const firstAttempt = new Promise<void>((resolve) => (attempted = resolve));
    const done = this.chain
      .then(async () => {
        for (let attempt = 1; ; attempt++) {
          gate.hold();
          try {
            await this.options.attempt(gate.endsHeld(), fallbackEnd);
            return;
          } catch (err) {
            if (this.options.stopping()) return;
            log.error({ err, attempt, retryInMs: retryMs }, 'resync with Asterisk failed: events flow to the calls already known meanwhile; trying again');
            gate.release();
            attempted();
            await new Promise((r) => setTimeout(r, retryMs).unref());
          }
        }
      })
      .finally(() => {
        gate.release();
        attempted();
      });
    this.chain = done;
    return { firstAttempt, done };
  }
}
