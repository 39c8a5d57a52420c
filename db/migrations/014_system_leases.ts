// One row per Asterisk `systemname` a bridge process runs: the process that holds it (host,
// pid, the process's start as the kernel counts it) and until when (renewed every few seconds).
// Several bridge processes may share the database, each with its own Asterisk; two with the
// same systemname would take each other's channel ids and legs for their own, so the second
// one is refused at start (db/repositories/system-leases.ts, app/calls/system-lease.ts).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('system_leases', (t) => {
    t.string('system_name', 40).primary();
    /** `<host>/<pid>/<process start>`: one running process, never reused by a later one. */
    t.string('holder', 400).notNullable();
    t.string('host', 255).notNullable();
    t.integer('pid').notNullable();
    /** When this holder claimed it (epoch ms); unchanged by renewals. */
    t.bigInteger('since').notNullable();
    t.bigInteger('renewed_at').notNullable();
    t.bigInteger('expires_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('system_leases');
}
