// A counter that every change to the rooms table moves, by trigger (so no write path can
// forget it, whichever process or tool makes it). The bridge keeps the rooms its callers
// look up in memory (db/room-row-cache.ts) and polls this one row to know when to let go.
import type { Knex } from 'knex';

const isPostgres = (knex: Knex) => (knex.client as { config: { client: string } }).config.client === 'pg';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rooms_version', (t) => {
    t.integer('id').primary();
    t.bigInteger('version').notNullable().defaultTo(0);
  });
  await knex('rooms_version').insert({ id: 1, version: 0 });
  if (isPostgres(knex)) {
    await knex.raw(`
      CREATE FUNCTION rooms_version_bump() RETURNS trigger AS $$
      BEGIN
        UPDATE rooms_version SET version = version + 1 WHERE id = 1;
        RETURN NULL;
      END $$ LANGUAGE plpgsql`);
    await knex.raw('CREATE TRIGGER rooms_version_bump AFTER INSERT OR UPDATE OR DELETE ON rooms FOR EACH STATEMENT EXECUTE FUNCTION rooms_version_bump()');
  } else {
    for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
      await knex.raw(`CREATE TRIGGER rooms_version_${op.toLowerCase()} AFTER ${op} ON rooms
        BEGIN UPDATE rooms_version SET version = version + 1 WHERE id = 1; END`);
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    await knex.raw('DROP TRIGGER IF EXISTS rooms_version_bump ON rooms');
    await knex.raw('DROP FUNCTION IF EXISTS rooms_version_bump()');
  } else {
    for (const op of ['insert', 'update', 'delete']) await knex.raw(`DROP TRIGGER IF EXISTS rooms_version_${op}`);
  }
  await knex.schema.dropTableIfExists('rooms_version');
}
