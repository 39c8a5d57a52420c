// The owner's way back from a PIN-guessing lock (issue 23, item 11), on pin_failures:
//   locked_at  when the current lock began (epoch ms); null on rows locked before this migration
//              (their start is then read as locked_until minus the configured lock time)
//   lifted_at  when the room's owner lifted the lock (epoch ms); null: not lifted. A lifted row
//              keeps its failures and locked_until: until then one more wrong PIN locks again,
//              so a lift lets the right PIN in without giving a guesser new tries.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('pin_failures', (t) => {
    t.bigInteger('locked_at').nullable();
    t.bigInteger('lifted_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('pin_failures', (t) => {
    t.dropColumn('locked_at');
    t.dropColumn('lifted_at');
  });
}
