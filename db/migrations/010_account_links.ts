// Single-use links sent by e-mail: a forgotten password's reset, and the confirmation of a new
// e-mail address (which waits here until its link is opened). Only the token's SHA-256 is kept.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('account_links', (t) => {
    t.bigIncrements('id');
    t.bigInteger('account_id').notNullable().references('id').inTable('accounts');
    t.string('purpose', 20).notNullable(); // 'password_reset' | 'email_change'
    t.string('token_hash', 64).notNullable().unique();
    t.string('new_email', 320).nullable(); // for 'email_change'
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('used_at').nullable();
    t.index(['account_id', 'purpose']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('account_links');
}
