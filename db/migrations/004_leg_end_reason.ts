// Why a leg ended (domain/legs.ts LegEndReason: 'hangup', 'rtp-timeout', 'max-duration', ...),
// written by the one statement that closes the leg (ledger-writer.ts CLOSE_SQL), which is the
// only update the append-only triggers of 001 allow: a closed leg, its reason included, never
// changes. Nullable: legs closed before this migration, and adjustments, have none.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('usage_ledger', (t) => {
    t.string('end_reason', 32).nullable();
  });
}

// Plain ALTER TABLE on both: knex's SQLite dropColumn copies the table, which would lose the
// append-only triggers.
export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE usage_ledger DROP COLUMN end_reason');
}
