// One room's queue of bridge operations (room-registry.ts keeps one per active room): they run
// in the order the room machine asked for them, so that Asterisk's bridges always follow the
// machine. Moves into the same bridge that follow each other run side by side: their order does
// not matter, Asterisk runs each on its own channel's thread, and one at a time queued every
// caller behind all the others' round trips (120 callers at 10 a second into one room: p95 2.4 s
// from '#' to the request). Anything else waits for the moves before it, and they for it.
import type { ActorOptions, AnyActorLogic } from 'xstate';
import type { Logger } from 'pino';
import type { RoomEffect } from './room-context.js';

export type TimerClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

/** Longer than any operation that answers: a dismissal waits up to 10 s for its prompt's end. */
export const OPERATION_GUARD_MS = 20_000;

/** Moves that may run side by side: into the same bridge, with the same prompt. */
function sameMove(a: RoomEffect, b: RoomEffect): boolean {
  if (a.op === 'admitLive') return b.op === 'admitLive';
  return a.op === 'hold' && b.op === 'hold' && a.prompt === b.prompt;
}

export interface RoomQueueOptions {
  /** Runs one operation on Asterisk (RoomOperations.apply). */
  apply: (room: string, effect: RoomEffect) => Promise<void>;
  log: Logger;
  /** xstate's clock for the operation guard (tests pass a SimulatedClock); default: the real timers. */
  timers?: TimerClock;
  /** How long one operation may hold up the queue (default OPERATION_GUARD_MS; see attempt()). */
  operationGuardMs?: number;
  /** Called each time the queue has run everything it was given. */
  onIdle: () => void;
}

export class RoomQueue {
  /** Bridge operations waiting their turn, in order. */
  private readonly pending: RoomEffect[] = [];
  /** The run of this room's operations in progress (settled when idle). */
  private tail: Promise<void> = Promise.resolve();
  private running = false;
  /** Moves running side by side now (all like `kind`), which a like move may join at once. */
  private batch: { kind: RoomEffect; inFlight: Set<Promise<void>> } | null = null;

  constructor(
    private readonly roomNumber: string,
    private readonly options: RoomQueueOptions,
  ) {}

  /** Nothing waiting and nothing running. */
  get idle(): boolean {
    return !this.running && this.pending.length === 0;
  }

  /** Operations waiting their turn or running now (GET /metrics). */
  get size(): number {
    return this.pending.length + (this.batch?.inFlight.size ?? (this.running ? 1 : 0));
  }

  /** Resolves when the run in progress (if any) has ended. */
  settled(): Promise<void> {
    return this.tail;
  }

  push(effect: RoomEffect): void {
    if (this.batch !== null && this.pending.length === 0 && sameMove(this.batch.kind, effect)) {
      this.startInBatch(this.batch, effect);
      return;
    }
    this.pending.push(effect);
    if (this.running) return;
    this.running = true;
    this.tail = Promise.resolve().then(() => this.run());
  }

  private async run(): Promise<void> {
    for (let effect = this.pending.shift(); effect !== undefined; effect = this.pending.shift()) {
      if (effect.op !== 'admitLive' && effect.op !== 'hold') {
        await this.attempt(effect);
        continue;
      }
      const batch = { kind: effect, inFlight: new Set<Promise<void>>() };
      this.batch = batch;
      this.startInBatch(batch, effect);
      for (let next = this.pending[0]; next !== undefined && sameMove(effect, next); next = this.pending[0]) {
        this.pending.shift();
        this.startInBatch(batch, next);
      }
      // Like moves asked for meanwhile join the batch; the next other operation waits for all.
      while (batch.inFlight.size > 0) await Promise.race(batch.inFlight);
      this.batch = null;
    }
    this.running = false;
    this.options.onIdle();
  }

  private startInBatch(batch: { inFlight: Set<Promise<void>> }, effect: RoomEffect): void {
    const done: Promise<void> = this.attempt(effect).finally(() => batch.inFlight.delete(done));
    batch.inFlight.add(done);
  }

  /**
   * Runs one operation; the room's queue waits for it, but not for ever: a request that never
   * settles (ari-client's, caught by a cut of the ARI connection) would otherwise leave the
   * room deaf to every later departure and move (callers never sent back to hold, a room never
   * released). After the guard the queue goes on; the late answer, if any, is only logged.
   */
  private attempt(effect: RoomEffect): Promise<void> {
    const { log, operationGuardMs = OPERATION_GUARD_MS } = this.options;
    const room = this.roomNumber;
    const done = this.options.apply(room, effect).catch((err: unknown) => log.warn({ err, room, op: effect.op }, 'bridge operation failed'));
    const clock: TimerClock = this.options.timers ?? { setTimeout, clearTimeout };
    let timer: unknown;
    const guard = new Promise<void>((resolve) => {
      timer = clock.setTimeout(() => {
        log.warn({ room, op: effect.op, afterMs: operationGuardMs }, 'bridge operation unanswered: the room goes on without it');
        resolve();
      }, operationGuardMs);
    });
    return Promise.race([done, guard]).finally(() => clock.clearTimeout(timer));
  }
}
