// Failed PIN entries, counted per room and PIN kind and per calling number, and the locks they
// lead to (table pin_failures, migration 005). Every bridge process on the database shares them.
// The counting rule is pure and lives in domain/pin-locks.ts (`countFailure`, `currentCount`);
// this file stores its counts. A success writes nothing.
// The room's owner may lift a room's lock (`liftRoomLock`): a guesser who locks the room to make
// its owner lift it gains one try per lift, not a new allowance. A PIN change forgets that
// kind's failures (`forgetRoomFailures`): guesses at the old PIN say nothing about the new one.
// A caller's counter is keyed by a keyed hash of the calling number (FieldCipher.callerIndex),
// never the number: the same caller finds the same row, and the table holds no number. Rows an
// earlier version wrote with the plaintext number are hashed when the database is opened.
import type { Knex } from 'knex';
import { CALLER_INDEX_PREFIX, isCallerIndex, type FieldCipher } from '../field-cipher.js';
import { isUniqueViolation, type RepositoryContext } from '../types.js';
import { countFailure, currentCount, DEFAULT_PIN_LOCK_POLICY, isLifted, PIN_KINDS, type FailureCount, type FailureRecorded, type GuardState, type PinCounter, type PinKind, type PinLockPolicy, type RoomPinLock } from '../../domain/pin-locks.js';

interface Row {
  scope: string;
  subject: string;
  kind: string;
  failures: number;
  window_started_at: number | string;
  last_failure_at: number | string;
  locked_until: number | string | null;
  locked_at?: number | string | null;
  lifted_at?: number | string | null;
}

const msOrNull = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Number(v));

const toCount = (r: Row): FailureCount => ({
  failures: Number(r.failures),
  windowStartedAt: Number(r.window_started_at),
  lockedUntil: msOrNull(r.locked_until),
  lockedAt: msOrNull(r.locked_at),
  liftedAt: msOrNull(r.lifted_at),
});

export interface GuardKeys {
  roomId: number;
  /** Null when the caller's number is withheld: all withheld callers count as one. */
  callerNumber: string | null;
}

/** The subject of every withheld caller's counter (they count as one caller). */
export const WITHHELD_SUBJECT = 'anonymous';

/**
 * Deletes a room's failure rows of `kinds` (their locks go with them), in `knex` or the
 * caller's transaction: the operator's clear, and a PIN change for the kinds it changed.
 */
export async function forgetRoomFailures(knex: Knex, roomId: number, kinds: PinKind[]): Promise<number> {
  if (kinds.length === 0) return 0;
  return knex('pin_failures').where({ scope: 'room', subject: String(roomId) }).whereIn('kind', kinds).delete();
}

/**
 * The stored subject of a caller: one HMAC. Withheld numbers (and "anonymous", which carriers
 * send for them) are one caller. Clipped to 64 characters first, as numbers were stored before.
 */
export function callerSubject(cipher: FieldCipher, callerNumber: string | null): string {
  if (callerNumber === null || callerNumber === '' || callerNumber === WITHHELD_SUBJECT) return WITHHELD_SUBJECT;
  return cipher.callerIndex(callerNumber.slice(0, 64));
}

/** Rows per batch while hashing numbers stored before they were hashed. */
const BATCH = 500;

export class PinFailuresRepository {
  constructor(
    private readonly ctx: RepositoryContext,
    private readonly client: 'sqlite' | 'postgres',
    private readonly policy: PinLockPolicy = DEFAULT_PIN_LOCK_POLICY,
  ) {}

  get lockPolicy(): PinLockPolicy {
    return this.policy;
  }

  /** The stored subject of a caller (callerSubject). */
  callerSubject(callerNumber: string | null): string {
    return callerSubject(this.ctx.cipher, callerNumber);
  }

  /** The caller's path: one indexed read of at most three rows. */
  async state(keys: GuardKeys): Promise<GuardState> {
    return this.stateIn(this.ctx.reader, keys.roomId, this.callerSubject(keys.callerNumber), this.ctx.now());
  }

  /**
   * One failed PIN, counted against `kinds` of the room and against the caller, in one
   * transaction (concurrent failures from several processes are all counted, and exactly one
   * of them begins each lock).
   */
  async recordFailure(keys: GuardKeys & { kinds: PinKind[] }): Promise<FailureRecorded> {
    const now = this.ctx.now();
    const caller = this.callerSubject(keys.callerNumber);
    const targets: Array<{ scope: 'room' | 'caller'; subject: string; kind: PinKind | 'any'; lockAfter: number }> = [
      ...keys.kinds.map((kind) => ({ scope: 'room' as const, subject: String(keys.roomId), kind, lockAfter: this.policy.roomLockAfter[kind] })),
      { scope: 'caller', subject: caller, kind: 'any', lockAfter: this.policy.callerLockAfter },
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
          locked_at: next.row.lockedAt ?? null,
          lifted_at: next.row.liftedAt ?? null,
        });
        if (next.lockBegan) lockBegan.push(t.scope === 'caller' ? 'caller' : (t.kind as PinKind));
      }
    });
    return { ...(await this.stateIn(this.ctx.knex, keys.roomId, caller, now)), lockBegan };
  }

  /**
   * The operator's list: every lock in force, or with `all` every count still in its window too;
   * callers appear by their hash (or 'withheld'), never by number.
   */
  async counters(options: { all?: boolean } = {}): Promise<PinCounter[]> {
    const now = this.ctx.now();
    const rows = (await this.ctx.knex<Row>('pin_failures').orderBy(['scope', 'subject', 'kind'])).filter((r) => {
      const state = currentCount(toCount(r), now, this.policy.windowMs);
      return state.failures > 0 && (state.locked || options.all === true);
    });
    const roomIds = [...new Set(rows.filter((r) => r.scope === 'room').map((r) => Number(r.subject)))];
    const numbers = new Map<number, string>();
    for (let i = 0; i < roomIds.length; i += BATCH) {
      const found = await this.ctx.knex('rooms').whereIn('id', roomIds.slice(i, i + BATCH)).select<Array<{ id: number; number: string }>>('id', 'number');
      for (const f of found) numbers.set(Number(f.id), f.number);
    }
    return rows.map((r) => {
      const state = currentCount(toCount(r), now, this.policy.windowMs);
      const room = r.scope === 'room';
      return {
        scope: room ? 'room' : 'caller',
        roomId: room ? Number(r.subject) : null,
        roomNumber: room ? (numbers.get(Number(r.subject)) ?? null) : null,
        caller: room ? null : r.subject === WITHHELD_SUBJECT ? 'withheld' : r.subject,
        kind: r.kind as PinKind | 'any',
        failures: state.failures,
        windowStartedAt: Number(r.window_started_at),
        lastFailureAt: Number(r.last_failure_at),
        lockedUntil: state.lockedUntil,
        liftedAt: state.failures > 0 && !state.locked ? msOrNull(r.lifted_at) : null,
      };
    });
  }

  /**
   * Forgets a caller's failures and lifts its lock: by the number as typed (hashed here), null
   * for withheld callers, or `{ hash }` as `counters` lists it. How many rows went (0 or 1).
   */
  async clearCaller(caller: string | null | { hash: string }): Promise<number> {
    const subject = caller !== null && typeof caller === 'object' ? (caller.hash === 'withheld' ? WITHHELD_SUBJECT : caller.hash) : this.callerSubject(caller);
    return this.ctx.knex('pin_failures').where({ scope: 'caller', subject, kind: 'any' }).delete();
  }

  /** Forgets a room's failures and lifts its locks (both PIN kinds); how many rows went. */
  async clearRoom(roomId: number): Promise<number> {
    return forgetRoomFailures(this.ctx.knex, roomId, [...PIN_KINDS]);
  }

  /** The room's two PIN kinds as the owner sees them: locked or lifted, since and until when, how many wrong PINs. */
  async roomLocks(roomId: number): Promise<Record<PinKind, RoomPinLock>> {
    const now = this.ctx.now();
    const rows = await this.ctx.knex<Row>('pin_failures').where({ scope: 'room', subject: String(roomId) }).whereIn('kind', [...PIN_KINDS]);
    const view = (kind: PinKind): RoomPinLock => {
      const row = rows.find((r) => r.kind === kind);
      const count = row === undefined ? undefined : toCount(row);
      const state = currentCount(count, now, this.policy.windowMs);
      const nothing = { kind, locked: false, lockedSince: null, lockedUntil: null, liftedAt: null, relocksUntil: null, failures: 0, firstFailureAt: null, lastFailureAt: null };
      if (row === undefined || count === undefined || state.failures === 0) return nothing;
      const inLock = count.lockedUntil !== null && count.lockedUntil > now;
      // Rows locked before migration 013 have no start: read it back from the configured lock time.
      const lockedSince = inLock ? (count.lockedAt ?? (count.lockedUntil ?? now) - this.policy.lockMs) : null;
      const lifted = inLock && isLifted(count);
      return {
        kind,
        locked: state.locked,
        lockedSince,
        lockedUntil: state.lockedUntil,
        liftedAt: lifted ? (count.liftedAt ?? null) : null,
        relocksUntil: lifted ? count.lockedUntil : null,
        failures: state.failures,
        firstFailureAt: count.windowStartedAt,
        lastFailureAt: Number(row.last_failure_at),
      };
    };
    return { moderator: view('moderator'), participant: view('participant') };
  }

  /**
   * The owner lifts the room's locks in force of `kinds`: the right PIN gets in again at once;
   * the failures stay, and until the lock would have ended the next wrong PIN locks again. Each
   * row is changed by one conditional update, so concurrent lifts and failures stay consistent.
   * The kinds whose lock was lifted (none: nothing was locked).
   */
  async liftRoomLock(roomId: number, kinds: PinKind[]): Promise<PinKind[]> {
    const now = this.ctx.now();
    const lifted: PinKind[] = [];
    for (const kind of kinds) {
      const changed = await this.ctx.knex('pin_failures').where({ scope: 'room', subject: String(roomId), kind }).where('locked_until', '>', now).whereNull('lifted_at').update({ lifted_at: now });
      if (changed > 0) lifted.push(kind);
    }
    return lifted;
  }

  /**
   * Replaces calling numbers stored before they were hashed (plaintext subjects) with their
   * hash; a row of the same caller already under its hash keeps the stricter of the two counts.
   * Idempotent and cheap when there is nothing to do (one indexed read): run at every open,
   * so rows a not-yet-upgraded process wrote meanwhile are hashed at the next start too.
   */
  async hashPlaintextCallers(): Promise<number> {
    let done = 0;
    for (;;) {
      const rows = await this.ctx.knex<Row>('pin_failures').where({ scope: 'caller' }).whereNot('subject', WITHHELD_SUBJECT)
        .whereNot('subject', 'like', `${CALLER_INDEX_PREFIX}%`).limit(BATCH);
      const plain = rows.filter((r) => !isCallerIndex(r.subject));
      if (plain.length === 0) return done;
      const converted = this.ctx.knex.transaction(async (trx) => {
        for (const r of plain) {
          const hashed = { scope: 'caller', subject: this.callerSubject(r.subject), kind: r.kind };
          const existing = await trx<Row>('pin_failures').where(hashed).first();
          if (existing === undefined) {
            await trx('pin_failures').where({ scope: r.scope, subject: r.subject, kind: r.kind }).update({ subject: hashed.subject });
          } else {
            await trx('pin_failures').where(hashed).update(stricter(existing, r));
            await trx('pin_failures').where({ scope: r.scope, subject: r.subject, kind: r.kind }).delete();
          }
        }
      });
      try {
        await converted;
      } catch (err) {
        // A running bridge wrote the same caller's hashed row meanwhile: the next round merges it.
        if (isUniqueViolation(err)) continue;
        throw err;
      }
      done += plain.length;
    }
  }

  private async stateIn(knex: Knex, roomId: number, caller: string, now: number): Promise<GuardState> {
    const rows = await knex<Row>('pin_failures')
      .where((q) => {
        void q.where({ scope: 'room', subject: String(roomId) }).orWhere({ scope: 'caller', subject: caller, kind: 'any' });
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

/** Two counters of one caller merged: the later lock, the higher count (with its window). */
function stricter(a: Row, b: Row): Pick<Row, 'failures' | 'window_started_at' | 'last_failure_at' | 'locked_until'> {
  const locks = [a.locked_until, b.locked_until].filter((l): l is number | string => l !== null).map(Number);
  const more = Number(a.failures) >= Number(b.failures) ? a : b;
  return {
    failures: Number(more.failures),
    window_started_at: Number(more.window_started_at),
    last_failure_at: Math.max(Number(a.last_failure_at), Number(b.last_failure_at)),
    locked_until: locks.length === 0 ? null : Math.max(...locks),
  };
}
