// A caller whose call dropped and who came back into the same room within the rejoin window
// (flows/recent-stays.ts) gets a new leg that names the one it continues: its channel id. The
// statement can then show one participant per person; each leg is still billed on its own.
// Set while the leg is open (with its room and role), so the append-only triggers of 001 allow it.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('usage_ledger', (t) => {
    t.string('rejoin_of', 128).nullable();
  });
}

// Plain ALTER TABLE on both: knex's SQLite dropColumn copies the table, which would lose the
// append-only triggers.
export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE usage_ledger DROP COLUMN rejoin_of');
}
