// The index on usage_ledger.ended_at cost about a third of the ledger's write rate
// (bench/ledger.ts) and served only start-up recovery (openLegs), where a scan is affordable.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS usage_ledger_ended_at_index');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('usage_ledger', (t) => {
    t.index(['ended_at']);
  });
}
