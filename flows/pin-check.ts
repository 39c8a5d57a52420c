// One PIN check under the guessing limits. A wrong PIN (or the right PIN of a kind that is
// locked: the caller cannot tell the two apart) is counted against the room's kinds still open
// and the caller, and the status after it decides what comes next.
//
// Reads: the limits are read once before PIN entry (`read`). At the check they are read again,
// beside the PIN itself, only when that first read or this process has seen failures for the
// room since: a room nobody is guessing costs its callers no read at the `#`. A room's checks
// run one at a time in this process, so a failure is written before the next check of that room
// decides whether to read: parallel calls cannot slip guesses past a lock. Across processes a
// process's first check of a room may run on a read from before another process's failures:
// at most one guess per process beyond the limit per lock.
import type { Logger } from 'pino';
import { entryBlocked, type Directory, type PinAttempt, type PinGuard, type PinGuardStatus } from './ports.js';
import type { PinGuessingLimits } from '../domain/limits.js';
import type { Role } from '../domain/roles.js';

/** The limits as one call last read or wrote them, and this process's failure count for the room at that moment. */
export interface KnownGuard {
  status: PinGuardStatus;
  seen: number;
}

export type PinVerdict =
  | { verdict: Role }
  /** No PIN may be entered any more (the caller, or every kind of the room, is locked). */
  | { verdict: 'locked'; known: KnownGuard | null }
  /** `counted`: the failure went on the record (the pause after it grows with the count). */
  | { verdict: 'invalid'; known: KnownGuard | null; counted: boolean };

const KINDS: Role[] = ['moderator', 'participant'];

export interface PinCheckDeps {
  directory: Pick<Directory, 'verifyPin'>;
  pinGuard: PinGuard;
  log: Logger;
}

/** The PIN checks of one process (one router): each room's in order, and the failures it has seen. */
export class PinChecks {
  private readonly queue = new Map<number, Promise<void>>();
  private readonly failuresSeen = new Map<number, number>();

  constructor(private readonly deps: PinCheckDeps) {}

  /** The read before PIN entry. */
  async read(attempt: PinAttempt): Promise<KnownGuard> {
    const seen = this.seen(attempt.room.id);
    return { status: await this.deps.pinGuard.status(attempt), seen };
  }

  check(input: PinAttempt & { pin: string; known: KnownGuard | null }): Promise<PinVerdict> {
    return this.oneAtATime(input.room.id, () => this.checkNow(input));
  }

  private seen(roomId: number): number {
    return this.failuresSeen.get(roomId) ?? 0;
  }

  /** Whether what the call knows could be out of date: failures on record then, or seen here since. */
  private mustRead(roomId: number, known: KnownGuard | null): boolean {
    if (known === null) return true;
    const s = known.status;
    return s.failures > 0 || s.callerLocked || s.locked.moderator || s.locked.participant || known.seen !== this.seen(roomId);
  }

  private async checkNow(input: PinAttempt & { pin: string; known: KnownGuard | null }): Promise<PinVerdict> {
    const { directory, pinGuard, log } = this.deps;
    // A room without PINs cannot be guessed into: nothing to count.
    if (!input.room.pinsSet) return { verdict: 'invalid', known: input.known, counted: false };
    const roomId = input.room.id;
    const attempt: PinAttempt = { room: input.room, callerNumber: input.callerNumber };
    const fresh = this.mustRead(roomId, input.known)
      ? this.read(attempt).catch((err: unknown) => {
          // Entry goes on without the limits rather than refusing every caller while the database is away.
          log.error({ err, room: input.room.number }, 'PIN guessing limits could not be read: checking the PIN without them');
          return null;
        })
      : Promise.resolve(input.known);
    const [role, known] = await Promise.all([directory.verifyPin(roomId, input.pin), fresh]);
    const status = known?.status ?? null;
    if (status !== null && entryBlocked(status)) return { verdict: 'locked', known };
    if (role !== 'invalid' && !(status?.locked[role] ?? false)) return { verdict: role };
    const kinds = KINDS.filter((k) => !(status?.locked[k] ?? false));
    try {
      const after = await pinGuard.recordFailure({ ...attempt, kinds });
      const seen = this.seen(roomId) + 1;
      this.failuresSeen.set(roomId, seen);
      const next = { status: after, seen };
      return entryBlocked(after) ? { verdict: 'locked', known: next } : { verdict: 'invalid', known: next, counted: true };
    } catch (err) {
      log.error({ err, room: input.room.number }, 'a wrong PIN could not be counted');
      return { verdict: 'invalid', known, counted: false };
    }
  }

  private oneAtATime<T>(key: number, run: () => Promise<T>): Promise<T> {
    const before = this.queue.get(key) ?? Promise.resolve();
    const result = before.then(run);
    // The tail only orders the room's checks: a failed check reaches its caller through `result`.
    const tail = result.then(() => undefined, () => undefined);
    this.queue.set(key, tail);
    void tail.then(() => {
      if (this.queue.get(key) === tail) this.queue.delete(key);
    });
    return result;
  }
}

/** The pause before the next prompt after a counted failure: doubles with each failure on record, up to the maximum. */
export function pauseAfterFailure(status: PinGuardStatus | null, limits: Pick<PinGuessingLimits, 'pauseMs' | 'maxPauseMs'>): number {
  const failures = Math.max(1, status?.failures ?? 1);
  return Math.min(limits.maxPauseMs, limits.pauseMs * 2 ** Math.min(failures - 1, 30));
}
