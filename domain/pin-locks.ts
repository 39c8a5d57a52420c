// PIN guessing locks, the pure rule (db/repositories/pin-failures.ts stores the counts).
// Failures are counted in a window that begins at the first failure and lasts `windowMs`; the
// failure that reaches the limit locks entry for `lockMs`. Once a lock or a window has passed,
// counting starts again from 0. A success counts nothing, so it neither resets the count nor
// lifts a lock. A lock the room's owner lifted lets the right PIN in again, but the failures
// stay and, until the lifted lock would have ended, the next wrong PIN locks again at once.
import type { Role } from './roles.js';

/** Which of a room's PINs: the moderator's or the participants'. */
export type PinKind = Role;

export const PIN_KINDS: readonly PinKind[] = ['moderator', 'participant'];

export interface PinLockPolicy {
  /** Failures of one room's PIN kind, within the window, that lock that kind. */
  roomLockAfter: Record<PinKind, number>;
  /** Failures of one calling number, across rooms, within the window, that lock the caller. */
  callerLockAfter: number;
  /** How long a lock lasts. */
  lockMs: number;
  /** How long failures are remembered from the first of a window. */
  windowMs: number;
}

export const DEFAULT_PIN_LOCK_POLICY: PinLockPolicy = {
  roomLockAfter: { moderator: 10, participant: 10 },
  callerLockAfter: 10,
  lockMs: 48 * 3_600_000,
  windowMs: 48 * 3_600_000,
};

export interface FailureCount {
  failures: number;
  windowStartedAt: number;
  lockedUntil: number | null;
  /** When the lock began (null: not locked, or locked before migration 013 recorded it). */
  lockedAt?: number | null;
  /** When the owner lifted the lock; until `lockedUntil` the next wrong PIN locks again. */
  liftedAt?: number | null;
}

export interface CounterState {
  failures: number;
  locked: boolean;
  lockedUntil: number | null;
}

/** What a row means at `now`: a passed window or lock counts as nothing. */
export function currentCount(row: FailureCount | undefined, now: number, windowMs: number): CounterState {
  if (row === undefined) return { failures: 0, locked: false, lockedUntil: null };
  if (row.lockedUntil !== null) {
    if (row.lockedUntil <= now) return { failures: 0, locked: false, lockedUntil: null };
    return isLifted(row) ? { failures: row.failures, locked: false, lockedUntil: null } : { failures: row.failures, locked: true, lockedUntil: row.lockedUntil };
  }
  return now - row.windowStartedAt < windowMs ? { failures: row.failures, locked: false, lockedUntil: null } : { failures: 0, locked: false, lockedUntil: null };
}

/** The owner lifted this row's lock (it may still be within the lock's time). */
export const isLifted = (row: FailureCount): boolean => row.liftedAt !== undefined && row.liftedAt !== null;

/** One more failure: the row after it, and whether this failure began a lock. */
export function countFailure(row: FailureCount | undefined, now: number, lockAfter: number, policy: Pick<PinLockPolicy, 'lockMs' | 'windowMs'>): { row: FailureCount; lockBegan: boolean } {
  const current = currentCount(row, now, policy.windowMs);
  if (current.locked && row !== undefined) return { row: { ...row, failures: row.failures + 1 }, lockBegan: false };
  // A lifted lock not yet over: this wrong PIN locks again (a lift is no new allowance).
  if (row !== undefined && isLifted(row) && row.lockedUntil !== null && row.lockedUntil > now) {
    return { row: { failures: row.failures + 1, windowStartedAt: row.windowStartedAt, lockedUntil: now + policy.lockMs, lockedAt: now, liftedAt: null }, lockBegan: true };
  }
  const fresh = row === undefined || current.failures === 0;
  const failures = current.failures + 1;
  const windowStartedAt = fresh || row === undefined ? now : row.windowStartedAt;
  const lockBegan = failures >= lockAfter;
  return { row: { failures, windowStartedAt, lockedUntil: lockBegan ? now + policy.lockMs : null, lockedAt: lockBegan ? now : null, liftedAt: null }, lockBegan };
}

export interface GuardState {
  room: Record<PinKind, CounterState>;
  caller: CounterState;
}

export interface FailureRecorded extends GuardState {
  /** The kinds (and the caller) whose lock this failure began: each lock is reported once. */
  lockBegan: Array<PinKind | 'caller'>;
}

/** A lock or a running count, as the operator lists them: callers by their hash, never a number. */
export interface PinCounter {
  scope: 'room' | 'caller';
  /** The room's id and number (scope 'room'). */
  roomId: number | null;
  roomNumber: string | null;
  /** Scope 'caller': 'withheld', or the keyed hash of the number (h1:…); the number is not stored. */
  caller: string | null;
  kind: PinKind | 'any';
  failures: number;
  windowStartedAt: number;
  lastFailureAt: number;
  lockedUntil: number | null;
  /** A room's lock its owner lifted then (the next wrong PIN locks again until it would have ended). */
  liftedAt: number | null;
}

/** A room's PIN kind as its owner sees it (GET …/room/pin-lock, the room page, `pins show`). */
export interface RoomPinLock {
  kind: PinKind;
  /** Entry with this PIN is refused now, the right PIN too. */
  locked: boolean;
  /** When the lock in force (or the lifted one) began. */
  lockedSince: number | null;
  /** When the lock in force ends by itself. */
  lockedUntil: number | null;
  /** When the owner lifted the lock; null: not lifted. */
  liftedAt: number | null;
  /** After a lift: until then the next wrong PIN locks again at once. */
  relocksUntil: number | null;
  /** Wrong PINs counted now (in the window, or of the lock). */
  failures: number;
  firstFailureAt: number | null;
  lastFailureAt: number | null;
}
