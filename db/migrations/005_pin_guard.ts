// PIN guessing limits (flows/pin-guard.ts): failed PIN entries counted per room and PIN kind,
// and per calling number across rooms, with the lock they lead to. In the database so every
// bridge process sharing it sees the same counts and locks.
//   scope 'room':   subject = the room's id, kind 'moderator' or 'participant'
//   scope 'caller': subject = a keyed hash of the calling number (h1:…, FieldCipher.callerIndex;
//                   rows from before it are hashed on open), 'anonymous' when withheld, kind 'any'
// Written only on a failure; read once before PIN entry and at each PIN check.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('pin_failures', (t) => {
    t.string('scope', 8).notNullable();
    t.string('subject', 64).notNullable();
    t.string('kind', 16).notNullable();
    t.integer('failures').notNullable();
    /** When the counting window of `failures` began (epoch ms). */
    t.bigInteger('window_started_at').notNullable();
    t.bigInteger('last_failure_at').notNullable();
    /** Entry locked until then (epoch ms); null: never locked in this window. */
    t.bigInteger('locked_until').nullable();
    t.primary(['scope', 'subject', 'kind']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('pin_failures');
}
