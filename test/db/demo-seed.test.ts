// The demo room's PINs are random per installation (a public demo PIN opens every
// installation's demo room), kept readable only by the owner, and the same on every start.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDemo, randomPin } from '../../app/accounts/demo-seed.js';
import type { Database } from '../../db/index.js';
import { openTestDb } from './helpers.js';

describe('demo seed', () => {
  const opened: Database[] = [];
  const dirs: string[] = [];
  const fresh = async () => {
    const db = await openTestDb();
    opened.push(db);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-demo-'));
    dirs.push(dir);
    return { db, dir };
  };
  after(async () => {
    for (const db of opened) await db.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('two installations get different random demo PINs, which open the room and are printed again on the next start', async () => {
    const one = await fresh();
    const two = await fresh();
    const a = await ensureDemo(one.db, one.dir);
    const b = await ensureDemo(two.db, two.dir);
    if (a === null || b === null) throw new Error('no demo seeded');
    expect([a.moderatorPin, a.participantPin]).to.not.include.members(['4321', '1234']);
    expect(a.moderatorPin).to.match(/^\d{6}$/);
    expect(`${a.moderatorPin}/${a.participantPin}`).to.not.equal(`${b.moderatorPin}/${b.participantPin}`);
    const room = await one.db.rooms.get(a.roomNumber);
    expect(await one.db.rooms.verifyPin(room.id, a.moderatorPin)).to.equal('moderator');
    expect(await one.db.rooms.verifyPin(room.id, a.participantPin)).to.equal('participant');
    expect(fs.statSync(path.join(one.dir, 'demo-pins.json')).mode & 0o777).to.equal(0o600);

    const again = await ensureDemo(one.db, one.dir);
    expect(again).to.include({ created: false, moderatorPin: a.moderatorPin, participantPin: a.participantPin, roomNumber: a.roomNumber });
  });

  it('when the kept PINs are lost, the next start sets and prints new ones that work', async () => {
    const { db, dir } = await fresh();
    const first = await ensureDemo(db, dir);
    fs.rmSync(path.join(dir, 'demo-pins.json'));
    const next = await ensureDemo(db, dir);
    if (first === null || next === null) throw new Error('no demo');
    const room = await db.rooms.get(next.roomNumber);
    expect(await db.rooms.verifyPin(room.id, next.moderatorPin)).to.equal('moderator');
  });

  it('random PINs are never one repeated digit, a run, or a repeated group (what the rooms refuse)', () => {
    for (const digits of [4, 6]) {
      for (let i = 0; i < 20000; i++) {
        const pin = randomPin(digits);
        expect(pin).to.not.match(/^(\d)\1+$/);
        expect(pin).to.not.match(/^(\d+)\1+$/);
        expect(['0123', '1234', '2345', '3456', '4567', '5678', '6789', '9876', '8765', '4321', '3210', '123456', '234567', '987654']).to.not.include(pin);
      }
    }
  });
});
