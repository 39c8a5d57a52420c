// One PIN check under the guessing limits. The PIN and the limits are read side by side; a
// wrong PIN (or the right PIN of a kind that is locked: the caller cannot tell the two apart)
// is counted against the room's kinds still open and the caller, and the status after it
// decides what comes next. A room's checks run one at a time in this process, so a failure's
// count is written before the next check of that room reads the limits: parallel calls cannot
// slip guesses past a lock (across processes, at most one check per process can).
import type { Logger } from 'pino';
import { entryBlocked, type Directory, type PinAttempt, type PinGuard, type PinGuardStatus, type PinGuessingLimits, type Role } from './ports.js';

export type PinVerdict =
  | { verdict: Role; status: PinGuardStatus | null }
  /** No PIN may be entered any more (the caller, or every kind of the room, is locked). */
  | { verdict: 'locked'; status: PinGuardStatus | null }
  /** `counted`: the failure went on the record (the pause after it grows with the count). */
  | { verdict: 'invalid'; status: PinGuardStatus | null; counted: boolean };

const KINDS: Role[] = ['moderator', 'participant'];

export interface PinCheckDeps {
  directory: Pick<Directory, 'verifyPin'>;
  pinGuard: PinGuard;
  log: Logger;
  /** The tail of each room's checks in this process. */
  queue: Map<number, Promise<void>>;
}

export function checkPinGuarded(deps: PinCheckDeps, input: PinAttempt & { pin: string }): Promise<PinVerdict> {
  return oneAtATime(deps.queue, input.room.id, () => check(deps, input));
}

async function check(deps: PinCheckDeps, input: PinAttempt & { pin: string }): Promise<PinVerdict> {
  const { directory, pinGuard, log } = deps;
  // A room without PINs cannot be guessed into: nothing to count.
  if (!input.room.pinsSet) return { verdict: 'invalid', status: null, counted: false };
  const attempt: PinAttempt = { room: input.room, callerNumber: input.callerNumber };
  const [role, status] = await Promise.all([
    directory.verifyPin(input.room.id, input.pin),
    pinGuard.status(attempt).catch((err: unknown) => {
      // Entry goes on without the limits rather than refusing every caller while the database is away.
      log.error({ err, room: input.room.number }, 'PIN guessing limits could not be read: checking the PIN without them');
      return null;
    }),
  ]);
  if (status !== null && entryBlocked(status)) return { verdict: 'locked', status };
  if (role !== 'invalid' && !(status?.locked[role] ?? false)) return { verdict: role, status };
  const kinds = KINDS.filter((k) => !(status?.locked[k] ?? false));
  try {
    const after = await pinGuard.recordFailure({ ...attempt, kinds });
    return entryBlocked(after) ? { verdict: 'locked', status: after } : { verdict: 'invalid', status: after, counted: true };
  } catch (err) {
    log.error({ err, room: input.room.number }, 'a wrong PIN could not be counted');
    return { verdict: 'invalid', status, counted: false };
  }
}

/** The pause before the next prompt after a counted failure: doubles with each failure on record, up to the maximum. */
export function pauseAfterFailure(status: PinGuardStatus | null, limits: Pick<PinGuessingLimits, 'pauseMs' | 'maxPauseMs'>): number {
  const failures = Math.max(1, status?.failures ?? 1);
  return Math.min(limits.maxPauseMs, limits.pauseMs * 2 ** Math.min(failures - 1, 30));
}

function oneAtATime<T>(queue: Map<number, Promise<void>>, key: number, run: () => Promise<T>): Promise<T> {
  const before = queue.get(key) ?? Promise.resolve();
  const result = before.then(run);
  const tail = result.then(() => undefined, () => undefined);
  queue.set(key, tail);
  void tail.then(() => {
    if (queue.get(key) === tail) queue.delete(key);
  });
  return result;
}
