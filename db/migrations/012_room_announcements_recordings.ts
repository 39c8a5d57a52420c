// What a room's callers hear beyond the IVR (issue 12), as room settings, and the conference
// recordings a moderator starts:
//   rooms.join_leave_tones   a tone in the conference when someone joins or leaves (default on)
//   rooms.announce_count     the caller hears how many others are in on entry (default on)
//   rooms.alone_music        music on hold while alone in a live conference (default on)
//   rooms.record_names       callers record their name at entry; the room hears "<name> has
//                            joined / left" (default off)
//   rooms.recording_consent  while a recording runs, a joining caller presses 1 to accept or
//                            is kept out (default off)
//   rooms.keep_recordings    name recordings are kept after the call (default off: deleted)
//   conference_recordings    one row per recording: room, file, start, end, who was present
//                            (channel ids: the ledger's legs say who they were)
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rooms', (t) => {
    t.boolean('join_leave_tones').notNullable().defaultTo(true);
    t.boolean('announce_count').notNullable().defaultTo(true);
    t.boolean('alone_music').notNullable().defaultTo(true);
    t.boolean('record_names').notNullable().defaultTo(false);
    t.boolean('recording_consent').notNullable().defaultTo(false);
    t.boolean('keep_recordings').notNullable().defaultTo(false);
  });
  await knex.schema.createTable('conference_recordings', (t) => {
    t.increments('id');
    t.integer('room_id').notNullable().references('id').inTable('rooms');
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    /** The file's name in TOLLBRIDGE_RECORDINGS_DIR (and the recording's name in Asterisk). */
    t.string('file', 200).notNullable().unique();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('ended_at').nullable();
    t.string('started_by', 100).notNullable();
    t.string('stopped_by', 100).nullable();
    /** JSON array of the channel ids in the conference while it recorded. */
    t.text('present').notNullable();
    t.bigInteger('size_bytes').nullable();
    t.index(['account_id', 'started_at']);
    t.index(['started_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('conference_recordings');
  await knex.schema.alterTable('rooms', (t) => {
    for (const column of ['join_leave_tones', 'announce_count', 'alone_music', 'record_names', 'recording_consent', 'keep_recordings']) t.dropColumn(column);
  });
}
