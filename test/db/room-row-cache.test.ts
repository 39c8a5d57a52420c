// The rooms the bridge holds in memory (db/room-row-cache.ts): held while the rooms table is
// unchanged, dropped at once on a change made through this process, and at the next poll on a
// change made by anyone else (another process, a tool, plain SQL), on SQLite and PostgreSQL.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import { pinHash } from '../../db/secrets.js';
import { TEST_PIN_SECRET } from '../support/db-fixture.js';
import { accountWithNumber, openTestDb } from './helpers.js';

const TF = '+18005550178';
/** A poll timer the test drives by hand. */
const manualTimer = () => () => undefined;

async function roomWithPins(db: Database) {
  const { accountId } = await accountWithNumber(db, TF);
  const [room] = await db.rooms.forAccount(accountId);
  if (room === undefined) throw new Error('no room');
  await db.rooms.setPins(room.number, { moderator: '482913', participant: '5732' });
  return room;
}

/** What another process changing the moderator PIN does: plain SQL on the rooms table. */
async function setModeratorPinElsewhere(db: Database, roomId: number, pin: string): Promise<void> {
  const row = await db.knex('rooms').where({ id: roomId }).first<{ pin_salt: string }>('pin_salt');
  await db.knex('rooms').where({ id: roomId }).update({ moderator_pin_hash: pinHash(TEST_PIN_SECRET, row.pin_salt, pin) });
}

describe('db: rooms held in memory for the caller path', function () {
  this.timeout(30_000);
  let db: Database;

  beforeEach(async () => {
    db = await openTestDb();
  });
  afterEach(async () => {
    await db?.close();
  });

  it('every change to the rooms table moves the counter (trigger), whoever makes it', async () => {
    const version = async () => Number((await db.knex('rooms_version').where({ id: 1 }).first<{ version: number | string }>('version')).version);
    const before = await version();
    const room = await roomWithPins(db); // the account's room inserted, then its PINs set
    const afterInsert = await version();
    expect(afterInsert).to.be.greaterThan(before);
    await db.knex('rooms').where({ id: room.id }).update({ language: 'fr' });
    expect(await version()).to.be.greaterThan(afterInsert);
  });

  it('a room is read once, then held while the rooms table does not change', async () => {
    const room = await roomWithPins(db);
    await db.rooms.cache.start(() => undefined, 1000, manualTimer);
    expect(await db.rooms.verifyPin(room.id, '482913')).to.equal('moderator');
    await setModeratorPinElsewhere(db, room.id, '771166');
    // Held: the old PIN still works until the counter is read again ...
    expect(await db.rooms.verifyPin(room.id, '482913')).to.equal('moderator');
    expect(await db.rooms.verifyPin(room.id, '771166')).to.equal('invalid');
    // ... and the next poll lets go of it.
    await db.rooms.cache.poll();
    expect(await db.rooms.verifyPin(room.id, '482913')).to.equal('invalid');
    expect(await db.rooms.verifyPin(room.id, '771166')).to.equal('moderator');
  });

  it('a change made through this process applies to the next lookup, with no poll', async () => {
    const room = await roomWithPins(db);
    await db.rooms.cache.start(() => undefined, 1000, manualTimer);
    expect(await db.rooms.verifyPin(room.id, '5732')).to.equal('participant');
    expect((await db.rooms.findByNumber(room.number))?.onModeratorLeave).to.not.equal('end');
    await db.rooms.setPins(room.number, { moderator: '193746', participant: '8642' });
    await db.rooms.updateSettings(room.number, { onModeratorLeave: 'end' });
    expect(await db.rooms.verifyPin(room.id, '5732')).to.equal('invalid');
    expect(await db.rooms.verifyPin(room.id, '8642')).to.equal('participant');
    expect((await db.rooms.findByNumber(room.number))?.onModeratorLeave).to.equal('end');
  });

  it('the poll timer lets go of a room changed elsewhere on its own', async () => {
    const room = await roomWithPins(db);
    await db.rooms.cache.start(() => undefined, 20);
    expect(await db.rooms.verifyPin(room.id, '482913')).to.equal('moderator');
    await setModeratorPinElsewhere(db, room.id, '771166');
    const deadline = Date.now() + 5000;
    while ((await db.rooms.verifyPin(room.id, '771166')) !== 'moderator') {
      if (Date.now() > deadline) throw new Error('the changed PIN never applied');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('not started (the CLI, the API alone): every lookup reads the database', async () => {
    const room = await roomWithPins(db);
    expect(await db.rooms.verifyPin(room.id, '482913')).to.equal('moderator');
    await setModeratorPinElsewhere(db, room.id, '771166');
    expect(await db.rooms.verifyPin(room.id, '771166')).to.equal('moderator');
  });
});
