// Every room's PIN hashes name the key they were made with (db/pin-keys.ts), so the PIN key can
// be rotated: a new key hashes new PINs, the PINs set before keep being checked with theirs.
// Hashes from before this migration were made with the one secret of the time
// (TOLLBRIDGE_PIN_SECRET): key id 0.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rooms', (t) => {
    t.integer('pin_key_id').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE rooms DROP COLUMN pin_key_id');
}
