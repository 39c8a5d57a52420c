// Credentials for the HTTP API: sessions (from e-mail + password) and API keys an owner
// creates and revokes. Only a SHA-256 of each token is stored.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_credentials', (t) => {
    t.increments('id');
    t.integer('account_id').notNullable().references('accounts.id');
    t.string('kind', 16).notNullable(); // 'session' | 'api_key'
    t.string('token_hash', 64).notNullable().unique();
    t.string('label', 100).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').nullable();
    t.bigInteger('revoked_at').nullable();
    t.index(['account_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('api_credentials');
}
