// Failed PIN entries, counted per room and PIN kind and per calling number, and the locks they
// lead to (table pin_failures, migration 005). Every bridge process on the database shares them.
// Counting rule (pure, `countFailure`): failures are counted in a window that begins at the
// first failure and lasts `windowMs`; the failure that reaches the limit locks entry for
// `lockMs`. Once a lock or a window has passed, counting starts again from 0. A success writes
// nothing, so it neither resets the count nor lifts a lock.
import type { Knex } from 'knex';
import type { RepositoryContext } from '../types.js';

export type PinKind = 'moderator' | 'participant';

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
    return row.lockedUntil > now ? { failures: row.failures, locked: true, lockedUntil: row.lockedUntil } : { failures: 0, locked: false, lockedUntil: null };
  }
  return now - row.windowStartedAt < windowMs ? { failures: row.failures, locked: false, lockedUntil: null } : { failures: 0, locked: false, lockedUntil: null };
}

/** One more failure: the row after it, and whether this failure began a lock. */
export function countFailure(row: FailureCount | undefined, now: number, lockAfter: number, policy: Pick<PinLockPolicy, 'lockMs' | 'windowMs'>): { row: FailureCount; lockBegan: boolean } {
  const current = currentCount(row, now, policy.windowMs);
  if (current.locked && row !== undefined) return { row: { ...row, failures: row.failures + 1 }, lockBegan: false };
  const fresh = row === undefined || current.failures === 0;
  const failures = current.failures + 1;
  const windowStartedAt = fresh || row === undefined ? now : row.windowStartedAt;
  const lockBegan = failures >= lockAfter;
  return { row: { failures, windowStartedAt, lockedUntil: lockBegan ? now + policy.lockMs : null }, lockBegan };
}

interface Row {
  scope: string;
  subject: string;
  kind: string;
  failures: number;
  window_started_at: number | string;
  last_failure_at: number | string;
  locked_until: number | string | null;
}

const toCount = (r: Row): FailureCount => ({
  failures: Number(r.failures),
  windowStartedAt: Number(r.window_started_at),
  lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
});

export interface GuardKeys {
  roomId: number;
  /** Null when the caller's number is withheld: all withheld callers count as one. */
  callerNumber: string | null;
}

export interface GuardState {
  room: Record<PinKind, CounterState>;
  caller: CounterState;
}

export interface FailureRecorded extends GuardState {
  /** The kinds (and the caller) whose lock this failure began: each lock is reported once. */
  lockBegan: Array<PinKind | 'caller'>;
}

const callerSubject = (callerNumber: string | null): string => (callerNumber === null || callerNumber === '' ? 'anonymous' : callerNumber.slice(0, 64));

export class PinFailuresRepository {
  constructor(
    private readonly ctx: RepositoryContext,
    private readonly client: 'sqlite' | 'postgres',
    private readonly policy: PinLockPolicy = DEFAULT_PIN_LOCK_POLICY,
  ) {}

  get lockPolicy(): PinLockPolicy {
    return this.policy;
  }

  /** The caller's path: one indexed read of at most three rows. */
  async state(keys: GuardKeys): Promise<GuardState> {
    const rows = await this.ctx.reader<Row>('pin_failures')
      .where((q) => {
        void q.where({ scope: 'room', subject: String(keys.roomId) }).orWhere({ scope: 'caller', subject: callerSubject(keys.callerNumber), kind: 'any' });
      });
    return this.stateOf(rows, this.ctx.now());
  }

  /**
   * One failed PIN, counted against `kinds` of the room and against the caller, in one
   * transaction (concurrent failures from several processes are all counted, and exactly one
   * of them begins each lock).
   */
  async recordFailure(keys: GuardKeys & { kinds: PinKind[] }): Promise<FailureRecorded> {
    const now = this.ctx.now();
    const targets: Array<{ scope: 'room' | 'caller'; subject: string; kind: PinKind | 'any'; lockAfter: number }> = [
      ...keys.kinds.map((kind) => ({ scope: 'room' as const, subject: String(keys.roomId), kind, lockAfter: this.policy.roomLockAfter[kind] })),
      { scope: 'caller', subject: callerSubject(keys.callerNumber), kind: 'any', lockAfter: this.policy.callerLockAfter },
    ];
    const lockBegan: Array<PinKind | 'caller'> = [];
    await this.ctx.knex.transaction(async (trx) => {
      for (const t of targets) {
        const key = { scope: t.scope, subject: t.subject, kind: t.kind };
        // The write first: it takes SQLite's write lock, and on PostgreSQL makes the row exist so FOR UPDATE locks it.
        await trx('pin_failures').insert({ ...key, failures: 0, window_started_at: now, last_failure_at: now, locked_until: null }).onConflict(['scope', 'subject', 'kind']).ignore();
        const query = trx<Row>('pin_failures').where(key).first();
        const row = await (this.client === 'postgres' ? query.forUpdate() : query);
        const before = row === undefined || Number(row.failures) === 0 ? undefined : toCount(row);
        const next = countFailure(before, now, t.lockAfter, this.policy);
        await trx('pin_failures').where(key).update({
          failures: next.row.failures,
          window_started_at: next.row.windowStartedAt,
          last_failure_at: now,
          locked_until: next.row.lockedUntil,
        });
        if (next.lockBegan) lockBegan.push(t.scope === 'caller' ? 'caller' : (t.kind as PinKind));
      }
    });
    return { ...(await this.stateIn(this.ctx.knex, keys, now)), lockBegan };
  }

  private async stateIn(knex: Knex, keys: GuardKeys, now: number): Promise<GuardState> {
    const rows = await knex<Row>('pin_failures')
      .where((q) => {
        void q.where({ scope: 'room', subject: String(keys.roomId) }).orWhere({ scope: 'caller', subject: callerSubject(keys.callerNumber), kind: 'any' });
      });
    return this.stateOf(rows, now);
  }

  private stateOf(rows: Row[], now: number): GuardState {
    const find = (scope: string, kind: string) => {
      const row = rows.find((r) => r.scope === scope && r.kind === kind);
      return currentCount(row === undefined ? undefined : toCount(row), now, this.policy.windowMs);
    };
    return { room: { moderator: find('room', 'moderator'), participant: find('room', 'participant') }, caller: find('caller', 'any') };
  }
}
