// account_links.new_email (010) holds the new address of an e-mail change until its link is
// opened: personal data, so it is stored encrypted like accounts.email (009). Ciphertext is
// longer than 320 characters: the column becomes text on PostgreSQL (SQLite does not bound
// it). Links written before hold plaintext; they are read as they are and expire within 24 h.
import type { Knex } from 'knex';

const isPostgres = (knex: Knex) => (knex.client as { config: { client: string } }).config.client === 'pg';

export async function up(knex: Knex): Promise<void> {
  if (isPostgres(knex)) await knex.raw('ALTER TABLE account_links ALTER COLUMN new_email TYPE text');
}

export async function down(knex: Knex): Promise<void> {
  // Encrypted addresses do not fit the old width: pending e-mail changes are dropped (asked again).
  if (isPostgres(knex)) {
    await knex('account_links').where({ purpose: 'email_change' }).whereNull('used_at').update({ used_at: Date.now() });
    await knex('account_links').update({ new_email: null });
    await knex.raw('ALTER TABLE account_links ALTER COLUMN new_email TYPE varchar(320)');
  }
}
