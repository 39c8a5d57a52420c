// Wrong passwords per client address and per account (table signin_failures, migration 015),
// shared by every API process on the database: a failure at one process closes sign-in at all
// of them. The backoff rule (how long the n-th failure closes a key) is the caller's
// (api/backoff.ts); this file stores its counts. A key is stored as a keyed hash (the e-mail
// blind index's HMAC), so the table holds no address and no e-mail.
// Every change is one statement on the key's row, atomic on SQLite and PostgreSQL alike: two
// processes failing at once count two failures.
import type { RepositoryContext } from '../types.js';

export type SigninScope = 'address' | 'account';

export interface SigninKey {
  scope: SigninScope;
  /** The client address, or the account's e-mail as typed (trimmed, lower case). */
  key: string;
}

export interface FailureRule {
  /** A key is forgotten this long after its last failure, once it is open again. */
  forgetAfterMs: number;
  /** How long the n-th failure in a row closes the key (0: not closed). */
  closeForMs(failures: number): number;
}

interface Row {
  failures: number | string;
}

const TABLE = 'signin_failures';

export class SigninFailuresRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  private subject(key: string): string {
    return this.ctx.cipher.emailIndex(key);
  }

  /** The latest moment any of `keys` is closed until (epoch ms); 0 when none is. */
  async closedUntil(keys: SigninKey[]): Promise<number> {
    if (keys.length === 0) return 0;
    const row = await this.ctx.knex(TABLE)
      .where((q) => {
        for (const k of keys) q.orWhere({ scope: k.scope, subject: this.subject(k.key) });
      })
      .max<{ until: number | string | null }>('closed_until as until')
      .first();
    return Number(row?.until ?? 0);
  }

  /** Counts one failure at `now` (a forgotten key starts again at 1); returns the count. */
  async recordFailure(key: SigninKey, rule: FailureRule, now: number): Promise<number> {
    const { knex } = this.ctx;
    const subject = this.subject(key.key);
    // Forgotten: quiet for forgetAfterMs and open again (the same rule as reading it).
    const forgotten = `${TABLE}.last_failure_at < ? AND ${TABLE}.closed_until <= ?`;
    const quietSince = now - rule.forgetAfterMs;
    const rows = await knex(TABLE)
      .insert({ scope: key.scope, subject, failures: 1, last_failure_at: now, closed_until: 0 })
      .onConflict(['scope', 'subject'])
      .merge({
        failures: knex.raw(`CASE WHEN ${forgotten} THEN 1 ELSE ${TABLE}.failures + 1 END`, [quietSince, now]),
        closed_until: knex.raw(`CASE WHEN ${forgotten} THEN 0 ELSE ${TABLE}.closed_until END`, [quietSince, now]),
        last_failure_at: now,
      })
      .returning<Row[]>(['failures']);
    const failures = Number(rows[0]?.failures ?? 1);
    const closeMs = rule.closeForMs(failures);
    if (closeMs > 0) {
      // The later of the two: another process's failure may have closed it for longer meanwhile.
      const until = now + closeMs;
      await knex(TABLE).where({ scope: key.scope, subject }).update({ closed_until: knex.raw(`CASE WHEN closed_until > ? THEN closed_until ELSE ? END`, [until, until]) });
    }
    return failures;
  }

  /** Forgets a key (a right password clears its account). */
  async forget(key: SigninKey): Promise<void> {
    await this.ctx.knex(TABLE).where({ scope: key.scope, subject: this.subject(key.key) }).delete();
  }

  /**
   * Deletes the keys of `scope` that are forgotten (quiet for `forgetAfterMs` and open), then
   * all but the `maxKeys` with the latest failures: a flood from ever new addresses cannot grow
   * the table without bound. Returns the rows deleted.
   */
  async prune(scope: SigninScope, forgetAfterMs: number, maxKeys: number, now: number): Promise<number> {
    const { knex } = this.ctx;
    let deleted = await knex(TABLE).where({ scope }).andWhere('last_failure_at', '<', now - forgetAfterMs).andWhere('closed_until', '<=', now).delete();
    const edge = await knex(TABLE).where({ scope }).orderBy('last_failure_at', 'desc').offset(maxKeys).first<{ last_failure_at: number | string } | undefined>('last_failure_at');
    if (edge !== undefined) deleted += await knex(TABLE).where({ scope }).andWhere('last_failure_at', '<=', Number(edge.last_failure_at)).delete();
    return deleted;
  }
}
