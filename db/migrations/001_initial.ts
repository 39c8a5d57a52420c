// The whole model. Timestamps are integer epoch milliseconds (bigint), money integer micros:
// the same types and the same meaning on SQLite and PostgreSQL.
import type { Knex } from 'knex';

const isPostgres = (knex: Knex) => (knex.client as { config: { client: string } }).config.client === 'pg';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('accounts', (t) => {
    t.increments('id');
    t.string('name', 200).notNullable();
    t.string('email', 320).notNullable().unique();
    t.string('password_hash', 200).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('deactivated_at').nullable();
  });
  await knex.schema.createTable('rooms', (t) => {
    t.increments('id');
    t.integer('account_id').notNullable().unique().references('accounts.id');
    // Permanent: never updated, never deleted, never reused (rooms are never deleted).
    t.string('number', 8).notNullable().unique();
    t.string('language', 16).notNullable().defaultTo('en');
    t.string('on_moderator_leave', 16).notNullable().defaultTo('continue');
    t.boolean('locked').notNullable().defaultTo(false);
    t.integer('max_participants').notNullable().defaultTo(50);
    t.string('pin_salt', 64).nullable();
    t.string('moderator_pin_hash', 64).nullable();
    t.string('participant_pin_hash', 64).nullable();
    t.bigInteger('pins_changed_at').nullable();
    t.bigInteger('created_at').notNullable();
  });
  await knex.schema.createTable('phone_numbers', (t) => {
    t.increments('id');
    t.string('e164', 16).notNullable().unique();
    t.string('kind', 16).notNullable();
    t.bigInteger('released_at').nullable();
    t.bigInteger('created_at').notNullable();
  });
  await knex.schema.createTable('subscriptions', (t) => {
    t.increments('id');
    t.integer('account_id').notNullable().references('accounts.id');
    t.integer('number_id').notNullable().references('phone_numbers.id');
    t.bigInteger('started_at').notNullable();
    t.bigInteger('ended_at').nullable();
    t.index(['account_id']);
  });
  // At most one live subscription per number: concurrent subscribers, exactly one wins.
  await knex.raw('CREATE UNIQUE INDEX subscriptions_one_live_per_number ON subscriptions (number_id) WHERE ended_at IS NULL');
  await knex.schema.createTable('rates', (t) => {
    t.increments('id');
    t.string('kind', 16).notNullable();
    t.bigInteger('per_minute_micros').notNullable();
    t.integer('increment_seconds').notNullable();
    t.integer('minimum_seconds').notNullable().defaultTo(0);
    t.bigInteger('effective_from').notNullable();
    t.index(['kind', 'effective_from']);
  });
  await knex.schema.createTable('usage_ledger', (t) => {
    t.increments('id');
    t.string('entry_kind', 16).notNullable(); // 'leg' | 'adjustment'
    t.string('channel_id', 64).nullable().unique(); // the idempotency key of a leg
    t.integer('corrects_id').nullable().references('usage_ledger.id');
    t.integer('account_id').notNullable().references('accounts.id');
    t.integer('subscription_id').nullable().references('subscriptions.id');
    t.integer('number_id').notNullable().references('phone_numbers.id');
    t.string('dialled', 16).notNullable();
    t.integer('room_id').nullable().references('rooms.id');
    t.string('role', 16).notNullable();
    t.string('caller_number', 64).nullable();
    t.bigInteger('answered_at').notNullable();
    t.bigInteger('ended_at').nullable();
    t.integer('seconds').nullable();
    t.integer('billable_seconds').nullable();
    t.bigInteger('rate_per_minute_micros').notNullable();
    t.integer('rate_increment_seconds').notNullable();
    t.integer('rate_minimum_seconds').notNullable();
    t.bigInteger('amount_micros').nullable();
    t.string('note', 500).nullable();
    t.bigInteger('created_at').notNullable();
    t.index(['account_id', 'answered_at']);
    t.index(['ended_at']);
  });
  await knex.schema.createTable('statements', (t) => {
    t.increments('id');
    t.integer('account_id').notNullable().references('accounts.id');
    t.string('period', 7).notNullable();
    t.text('body').notNullable();
    t.bigInteger('created_at').notNullable();
    t.unique(['account_id', 'period']);
  });
  // Which ledger entries a frozen statement holds: an entry is on exactly one statement.
  await knex.schema.createTable('statement_entries', (t) => {
    t.integer('statement_id').notNullable().references('statements.id');
    t.integer('entry_id').notNullable().unique().references('usage_ledger.id');
  });

  // The ledger is append-only: a closed entry is never updated, no entry is ever deleted.
  if (isPostgres(knex)) {
    await knex.raw(`
      CREATE FUNCTION usage_ledger_guard() RETURNS trigger AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'ledger entries are never deleted'; END IF;
        IF OLD.ended_at IS NOT NULL THEN RAISE EXCEPTION 'closed ledger entries never change'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await knex.raw('CREATE TRIGGER usage_ledger_guard BEFORE UPDATE OR DELETE ON usage_ledger FOR EACH ROW EXECUTE FUNCTION usage_ledger_guard()');
  } else {
    await knex.raw(`CREATE TRIGGER usage_ledger_closed BEFORE UPDATE ON usage_ledger WHEN OLD.ended_at IS NOT NULL
      BEGIN SELECT RAISE(ABORT, 'closed ledger entries never change'); END`);
    await knex.raw(`CREATE TRIGGER usage_ledger_no_delete BEFORE DELETE ON usage_ledger
      BEGIN SELECT RAISE(ABORT, 'ledger entries are never deleted'); END`);
  }

  // Opening rates: toll-free 0.02 per minute billed per started minute; local numbers free.
  await knex('rates').insert([
    { kind: 'toll_free', per_minute_micros: 20_000, increment_seconds: 60, minimum_seconds: 0, effective_from: 0 },
    { kind: 'local', per_minute_micros: 0, increment_seconds: 60, minimum_seconds: 0, effective_from: 0 },
  ]);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['statement_entries', 'statements', 'usage_ledger', 'rates', 'subscriptions', 'phone_numbers', 'rooms', 'accounts']) {
    await knex.schema.dropTableIfExists(table);
  }
  if (isPostgres(knex)) await knex.raw('DROP FUNCTION IF EXISTS usage_ledger_guard()');
}
