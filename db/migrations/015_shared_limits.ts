// Limits that several bridge and API processes on one database count together (issue 24):
//   signin_failures  wrong passwords per client address and per account (api/backoff.ts): one
//                    row per key, `subject` a keyed hash of the address or e-mail (the table holds
//                    neither), its failures, the last one, and until when sign-in is closed.
//   ivr_counts       the calls each bridge process has in its IVR (flows/unauthenticated-calls.ts),
//                    per dialled number, per calling number (a keyed hash) and failed entries per
//                    dialled number, as that process last published them; rows not refreshed for
//                    a few seconds belong to a process that died and are not counted.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('signin_failures', (t) => {
    t.string('scope', 10).notNullable();
    t.string('subject', 64).notNullable();
    t.integer('failures').notNullable();
    t.bigInteger('last_failure_at').notNullable();
    /** Epoch ms; 0 (or past): open. */
    t.bigInteger('closed_until').notNullable();
    t.primary(['scope', 'subject']);
    t.index(['scope', 'last_failure_at']);
  });
  await knex.schema.createTable('ivr_counts', (t) => {
    t.string('system_name', 40).notNullable();
    t.string('scope', 10).notNullable();
    t.string('subject', 64).notNullable();
    t.integer('calls').notNullable();
    t.bigInteger('published_at').notNullable();
    t.primary(['system_name', 'scope', 'subject']);
    t.index(['published_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('ivr_counts');
  await knex.schema.dropTableIfExists('signin_failures');
}
