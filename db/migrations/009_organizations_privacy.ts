// Organizations and the owner's own data.
// - accounts.kind: 'personal' (has a room) or 'organization' (the paying administrator's
//   account: holds subscriptions, signs in, has no room, so nobody can enter a call as it).
//   accounts.organization_id: a personal account's current organization; join_code: an
//   organization's code members join with. organization_members keeps who belonged when.
// - rooms.organization_id: the organization whose numbers also reach this member's room, copied
//   onto the room (one row the caller's room lookup already reads, and the rooms change counter
//   of 008 moves with it): a call on an organization's number into a member's room costs no
//   extra lookup and is metered to the organization.
// - Personal fields at rest: accounts.email and usage_ledger.caller_number hold ciphertext
//   (db/field-cipher.ts; widened to text on PostgreSQL), e-mail uniqueness moves to the keyed
//   blind index accounts.email_index. Rows written before are encrypted on the next open
//   (db/personal-data.ts), since the key is not the database's to know.
// - The ledger's append-only guard (001) gains exactly one exception for closed entries: the
//   caller number may be nulled (erasure) or turned from plaintext into ciphertext (encryption
//   at rest), and then every other column must be unchanged. Billing fields stay untouchable.
import type { Knex } from 'knex';

const isPostgres = (knex: Knex) => (knex.client as { config: { client: string } }).config.client === 'pg';

/** Every usage_ledger column but caller_number, as of this migration (SQLite's trigger lists them; 019 adds to it). */
export const LEDGER_COLUMNS = [
  'id', 'entry_kind', 'channel_id', 'corrects_id', 'account_id', 'subscription_id', 'number_id', 'dialled', 'room_id', 'role',
  'answered_at', 'ended_at', 'seconds', 'billable_seconds', 'rate_per_minute_micros', 'rate_increment_seconds',
  'rate_minimum_seconds', 'amount_micros', 'note', 'created_at', 'end_reason',
];

export const CALLER_CHANGE_ALLOWED_SQLITE =
  "(NEW.caller_number IS NULL OR (OLD.caller_number IS NOT NULL AND substr(OLD.caller_number, 1, 3) <> 'v1:' AND substr(NEW.caller_number, 1, 3) = 'v1:'))";

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.alterTable('accounts', (t) => {
    t.string('kind', 16).notNullable().defaultTo('personal');
    t.integer('organization_id').nullable();
    t.string('join_code', 32).nullable().unique();
    t.string('email_index', 64).nullable().unique();
    t.bigInteger('erased_at').nullable();
  });
  await knex.schema.alterTable('accounts', (t) => {
    t.dropUnique(['email']);
  });
  // No REFERENCES in these two ALTERs: knex would rebuild the SQLite table for them, losing
  // the rooms' change-counter triggers (008).
  await knex.schema.alterTable('rooms', (t) => {
    t.integer('organization_id').nullable();
  });
  await knex.schema.createTable('organization_members', (t) => {
    t.increments('id');
    t.integer('organization_id').notNullable().references('accounts.id');
    t.integer('account_id').notNullable().references('accounts.id');
    t.bigInteger('joined_at').notNullable();
    t.bigInteger('left_at').nullable();
    t.string('left_how', 16).nullable(); // 'left' | 'removed' | 'deleted'
    t.index(['organization_id']);
    t.index(['account_id']);
  });
  await knex.schema.createTable('organization_invites', (t) => {
    t.increments('id');
    t.integer('organization_id').notNullable().references('accounts.id');
    t.text('email').notNullable(); // encrypted
    t.string('email_index', 64).notNullable();
    t.string('token_hash', 64).notNullable().unique();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('accepted_at').nullable();
    t.integer('accepted_by').nullable().references('accounts.id');
    t.index(['organization_id']);
  });
  // Whether the rows stored before this migration have been encrypted yet (db/personal-data.ts).
  await knex.schema.createTable('personal_data_state', (t) => {
    t.integer('id').primary();
    t.bigInteger('plaintext_encrypted_at').nullable();
  });
  await knex('personal_data_state').insert({ id: 1, plaintext_encrypted_at: null });
  if (pg) {
    await knex.raw('ALTER TABLE accounts ALTER COLUMN email TYPE text');
    await knex.raw('ALTER TABLE usage_ledger ALTER COLUMN caller_number TYPE text');
    await knex.raw(`
      CREATE OR REPLACE FUNCTION usage_ledger_guard() RETURNS trigger AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'ledger entries are never deleted'; END IF;
        IF OLD.ended_at IS NOT NULL THEN
          IF (to_jsonb(NEW) - 'caller_number') = (to_jsonb(OLD) - 'caller_number')
             AND (NEW.caller_number IS NULL
                  OR (OLD.caller_number IS NOT NULL AND left(OLD.caller_number, 3) <> 'v1:' AND left(NEW.caller_number, 3) = 'v1:')) THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'closed ledger entries never change';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
  } else {
    const unchanged = LEDGER_COLUMNS.map((c) => `NEW.${c} IS OLD.${c}`).join(' AND ');
    await knex.raw('DROP TRIGGER usage_ledger_closed');
    await knex.raw(`CREATE TRIGGER usage_ledger_closed BEFORE UPDATE ON usage_ledger
      WHEN OLD.ended_at IS NOT NULL AND NOT (${CALLER_CHANGE_ALLOWED_SQLITE} AND ${unchanged})
      BEGIN SELECT RAISE(ABORT, 'closed ledger entries never change'); END`);
  }
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    await knex.raw(`
      CREATE OR REPLACE FUNCTION usage_ledger_guard() RETURNS trigger AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'ledger entries are never deleted'; END IF;
        IF OLD.ended_at IS NOT NULL THEN RAISE EXCEPTION 'closed ledger entries never change'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
  } else {
    await knex.raw('DROP TRIGGER usage_ledger_closed');
    await knex.raw(`CREATE TRIGGER usage_ledger_closed BEFORE UPDATE ON usage_ledger WHEN OLD.ended_at IS NOT NULL
      BEGIN SELECT RAISE(ABORT, 'closed ledger entries never change'); END`);
  }
  await knex.schema.dropTableIfExists('personal_data_state');
  await knex.schema.dropTableIfExists('organization_invites');
  await knex.schema.dropTableIfExists('organization_members');
  await knex.raw('ALTER TABLE rooms DROP COLUMN organization_id');
  await knex.schema.alterTable('accounts', (t) => {
    t.dropUnique(['join_code']);
    t.dropUnique(['email_index']);
  });
  for (const c of ['kind', 'organization_id', 'join_code', 'email_index', 'erased_at']) await knex.raw(`ALTER TABLE accounts DROP COLUMN ${c}`);
  await knex.schema.alterTable('accounts', (t) => {
    t.unique(['email']);
  });
}
