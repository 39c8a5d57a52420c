// An account's row lock, shared by the repositories that must not interleave on one account
// (numbers.ts subscribe and release, accounts.ts deactivate).
import type { Knex } from 'knex';

/**
 * Takes the account's row lock first thing in a transaction: PostgreSQL's row lock, SQLite's
 * write lock (a write as the first statement takes it at once, as BEGIN IMMEDIATE does, and
 * waits for another writer within busy_timeout). Subscribing and deactivating both take it,
 * so they never interleave: a closed account never gains a number. Returns false when the
 * account does not exist.
 */
export async function lockAccount(trx: Knex.Transaction, accountId: number): Promise<boolean> {
  const touched = await trx('accounts').where({ id: accountId }).update({ deactivated_at: trx.ref('deactivated_at') });
  return Number(touched) > 0;
}
