// The audit log: who changed what, through the API or the CLI. Append-only; the operator reads
// it (`tollbridge audit`, GET /v1/operator/audit).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.bigInteger('at').notNullable();
    t.string('actor', 100).notNullable(); // 'operator', 'account:12', 'cli:root'
    t.string('action', 100).notNullable(); // 'POST /v1/sessions', 'accounts create'
    t.string('target', 300).notNullable(); // the path or the command's subject
    t.string('address', 100).nullable(); // the client's address (API); null for the CLI
    t.index(['at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_log');
}
