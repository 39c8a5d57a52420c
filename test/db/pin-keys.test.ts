// PIN hashes carry the id of their key, so the key can be rotated: PINs set before keep being
// checked with their own key, new PINs use the new one, and a hash whose key is missing opens
// nothing. (SQLite, and PostgreSQL with TOLLBRIDGE_TEST_DB.)
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import type { PinKeyring } from '../../config/pin-keys.js';
import { openTestDb } from './helpers.js';

/** A keyring the test rotates by hand. */
function keyring(keys: Record<number, string>, current: number): PinKeyring & { rotate(id: number, key: string): void; drop(id: number): void } {
  return {
    current: () => ({ id: current, key: keys[current] ?? '' }),
    key: (id) => keys[id],
    rotate(id, key) {
      keys[id] = key;
      current = id;
    },
    drop(id) {
      delete keys[id];
    },
  };
}

describe('PIN keys and rotation', () => {
  let db: Database;
  const keys = keyring({ 1: 'first-key-of-this-installation-0123456789' }, 1);
  before(async () => {
    db = await openTestDb({ pinKeys: keys });
  });
  after(async () => db.close());

  it('a PIN hash records its key id; after rotation old PINs still check, new ones use the new key; a missing key opens nothing', async () => {
    const { room: a } = await db.accounts.create({ name: 'A', email: 'a@keys.test' });
    const { room: b } = await db.accounts.create({ name: 'B', email: 'b@keys.test' });
    await db.rooms.setPins(a.number, { moderator: '482913', participant: '571046' });
    const keyIdOf = async (number: string) => Number((await db.knex('rooms').where({ number }).first<{ pin_key_id: number }>('pin_key_id')).pin_key_id);
    expect(await keyIdOf(a.number)).to.equal(1);

    keys.rotate(2, 'second-key-after-rotation-9876543210abcdef');
    await db.rooms.setPins(b.number, { moderator: '739201', participant: '164820' });
    expect(await keyIdOf(b.number)).to.equal(2);
    expect(await keyIdOf(a.number), 'old hashes are not touched').to.equal(1);
    expect(await db.rooms.verifyPin(a.id, '482913')).to.equal('moderator');
    expect(await db.rooms.verifyPin(a.id, '571046')).to.equal('participant');
    expect(await db.rooms.verifyPin(b.id, '739201')).to.equal('moderator');

    keys.drop(1);
    expect(await db.rooms.verifyPin(a.id, '482913'), 'a hash whose key is gone checks nothing').to.equal('invalid');
    expect(await db.rooms.countWithoutKey()).to.equal(1);
    expect(await db.rooms.verifyPin(b.id, '739201')).to.equal('moderator');
  });
});
