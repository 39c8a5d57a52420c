// The operator's web sessions (web/operator-pages.ts), shared by every API process on the
// database so that a second process, or a restart, does not sign the operator out. A row holds
// a hash of the session token (never the token), a check of the operator token it was opened
// with (changing TOLLBRIDGE_OPERATOR_TOKEN ends every session) and its expiry.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('operator_sessions', (t) => {
    t.string('token_hash', 64).primary();
    t.string('operator_check', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('operator_sessions');
}
