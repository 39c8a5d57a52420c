// The caller's lookups (number route, room, PIN) read on their own path: on SQLite a second,
// read-only connection, so they never wait behind the writer's single connection (a ledger
// commit, a long transaction), and they still see every committed change at once.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import { accountWithNumber, openTestDb } from './helpers.js';

const TF = '+18005550177';

/** Settles with the promise's value, or 'timed out' after ms. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timed out'> {
  return Promise.race([promise, new Promise<'timed out'>((r) => setTimeout(() => r('timed out'), ms).unref())]);
}

describe('db: the caller read path', function () {
  this.timeout(30_000);
  let db: Database;

  beforeEach(async () => {
    db = await openTestDb();
  });
  afterEach(async () => {
    await db?.close();
  });

  it('answers route, room and PIN lookups while a write transaction holds the writer', async function () {
    if (db.client !== 'sqlite') this.skip(); // PostgreSQL: a pool of connections already
    const { accountId } = await accountWithNumber(db, TF);
    const [room] = await db.rooms.forAccount(accountId);
    if (room === undefined) throw new Error('no room');
    await db.rooms.setPins(room.number, { moderator: '482913', participant: '5732' });
    const trx = await db.knex.transaction(); // the writer's one connection is now taken
    try {
      await trx('accounts').where({ id: accountId }).update({ name: 'Renamed' });
      expect(await within(db.numbers.routeFor(TF), 2000)).to.deep.include({ e164: TF, accountId });
      expect(await within(db.rooms.findByNumber(room.number), 2000)).to.deep.include({ number: room.number, accountId });
      expect(await within(db.rooms.verifyPin(room.id, '482913'), 2000)).to.equal('moderator');
    } finally {
      await trx.rollback();
    }
  });

  it('sees a committed PIN change and a new subscription at the next lookup', async () => {
    const { accountId } = await accountWithNumber(db, TF);
    const [room] = await db.rooms.forAccount(accountId);
    if (room === undefined) throw new Error('no room');
    await db.rooms.setPins(room.number, { moderator: '482913', participant: '5732' });
    expect(await db.rooms.verifyPin(room.id, '482913')).to.equal('moderator');
    await db.rooms.setPins(room.number, { moderator: '904417', participant: '5732' });
    expect(await db.rooms.verifyPin(room.id, '482913')).to.equal('invalid');
    expect(await db.rooms.verifyPin(room.id, '904417')).to.equal('moderator');
    await db.numbers.unsubscribe(TF, accountId);
    expect(await db.numbers.routeFor(TF)).to.equal(null);
  });
});
