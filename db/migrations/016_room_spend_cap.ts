// A room's monthly spend cap (issue 25; domain/spend-cap.ts), on rooms:
//   spend_cap_micros         the most the room's calls may cost in a calendar month (UTC), in
//                            micros; null: no cap
//   spend_cap_grace_seconds  once the cap is reached, how long calls in progress go on before
//                            the conference is ended; null: they finish
//   spend_warned_period      the month ('YYYY-MM') whose 80 % e-mail went to the owner: set by
//                            one conditional UPDATE, so of all bridge processes on the database
//                            exactly one sends it
import type { Knex } from 'knex';

const COLUMNS = ['spend_cap_micros', 'spend_cap_grace_seconds', 'spend_warned_period'];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rooms', (t) => {
    t.bigInteger('spend_cap_micros').nullable();
    t.integer('spend_cap_grace_seconds').nullable();
    t.string('spend_warned_period', 7).nullable();
  });
}

// Plain ALTER TABLE on both: knex's SQLite dropColumn copies the table, which would lose the
// rooms_version triggers of 008.
export async function down(knex: Knex): Promise<void> {
  for (const column of COLUMNS) await knex.raw(`ALTER TABLE rooms DROP COLUMN ${column}`);
}
