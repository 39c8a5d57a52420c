// "Call me back" (issue 25): a participant waiting for the moderator hangs up and the bridge
// calls them back when the moderator arrives. The callback is a leg of its own:
//   usage_ledger.leg_kind     'inbound' (every leg before this) or 'callback' (domain/legs.ts
//                             LegKind); written by the open statement, never changed after
//   rooms.callback_enabled    the owner's switch: whether the room's waiting participants may ask
//                             for a callback (default on)
//   rates kind 'callback'     what a callback costs the room's owner: 0.03 per started minute
// The column adds are plain ALTER TABLE ADD COLUMN on both databases: no row is updated, so the
// ledger's append-only triggers (001, 009) are not fired. SQLite's guard on closed entries lists
// its columns (009); leg_kind joins that list, so a closed leg's kind never changes there either
// (PostgreSQL's guard compares whole rows and covers it already).
import type { Knex } from 'knex';
import { CALLER_CHANGE_ALLOWED_SQLITE, LEDGER_COLUMNS } from './009_organizations_privacy.js';

const isPostgres = (knex: Knex) => (knex.client as { config: { client: string } }).config.client === 'pg';

/** 009's guard on closed entries, comparing `columns` (the caller number's exception kept). */
async function sqliteGuard(knex: Knex, columns: readonly string[]): Promise<void> {
  const unchanged = columns.map((c) => `NEW.${c} IS OLD.${c}`).join(' AND ');
  await knex.raw('DROP TRIGGER usage_ledger_closed');
  await knex.raw(`CREATE TRIGGER usage_ledger_closed BEFORE UPDATE ON usage_ledger
      WHEN OLD.ended_at IS NOT NULL AND NOT (${CALLER_CHANGE_ALLOWED_SQLITE} AND ${unchanged})
      BEGIN SELECT RAISE(ABORT, 'closed ledger entries never change'); END`);
}

const CALLBACK_RATE = { kind: 'callback', per_minute_micros: 30_000, increment_seconds: 60, minimum_seconds: 0, effective_from: 0 };

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('usage_ledger', (t) => {
    t.string('leg_kind', 16).notNullable().defaultTo('inbound');
  });
  await knex.schema.alterTable('rooms', (t) => {
    t.boolean('callback_enabled').notNullable().defaultTo(true);
  });
  await knex('rates').insert(CALLBACK_RATE);
  if (!isPostgres(knex)) await sqliteGuard(knex, [...LEDGER_COLUMNS, 'leg_kind']);
}

// Plain ALTER TABLE on both: knex's SQLite dropColumn copies the table, which would lose the
// append-only triggers (usage_ledger) and the rooms_version triggers of 008 (rooms).
export async function down(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) await sqliteGuard(knex, LEDGER_COLUMNS);
  await knex('rates').where({ kind: 'callback' }).delete();
  await knex.raw('ALTER TABLE rooms DROP COLUMN callback_enabled');
  await knex.raw('ALTER TABLE usage_ledger DROP COLUMN leg_kind');
}
