// Room announcement settings and conference recordings (migration 012), on SQLite and, with
// TOLLBRIDGE_TEST_DB, PostgreSQL.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import { DEFAULT_ANNOUNCEMENTS } from '../../domain/rooms.js';
import { openTestDb, rejectsWith } from './helpers.js';

describe('db: room announcements and conference recordings', function () {
  this.timeout(30_000);
  let db: Database;
  let accountId: number;
  let roomNumber: string;
  let roomId: number;

  beforeEach(async () => {
    db = await openTestDb();
    const made = await db.accounts.create({ name: 'Ada', email: `ada-${Date.now()}@example.test` });
    accountId = made.account.id;
    roomNumber = made.room.number;
    roomId = made.room.id;
  });
  afterEach(async () => {
    await db?.close();
  });

  it('a new room has tones, the count and music when alone on; names, consent and keeping recordings off', async () => {
    expect((await db.rooms.get(roomNumber)).announcements).to.deep.equal(DEFAULT_ANNOUNCEMENTS);
    expect(DEFAULT_ANNOUNCEMENTS).to.deep.equal({ joinLeaveTones: true, announceCount: true, aloneMusic: true, recordNames: false, recordingConsent: false, keepRecordings: false });
  });

  it('changes only the announcement settings given; the caller path sees them at once', async () => {
    const room = await db.rooms.updateSettings(roomNumber, { announcements: { joinLeaveTones: false, recordingConsent: true } });
    expect(room.announcements).to.deep.equal({ ...DEFAULT_ANNOUNCEMENTS, joinLeaveTones: false, recordingConsent: true });
    expect((await db.rooms.findByNumber(roomNumber))?.announcements).to.deep.equal(room.announcements);
  });

  it('refuses an unknown announcement setting or a value that is not true/false, changing nothing', async () => {
    const before = await db.rooms.get(roomNumber);
    await rejectsWith(db.rooms.updateSettings(roomNumber, { announcements: { fanfare: true } as never }), 'InvalidRoomSettings');
    await rejectsWith(db.rooms.updateSettings(roomNumber, { announcements: { joinLeaveTones: 'yes' } as never }), 'InvalidRoomSettings');
    expect(await db.rooms.get(roomNumber)).to.deep.equal(before);
  });

  it('a recording: created while it runs, finished with who was present (caller number and role from the ledger), listed newest first', async () => {
    await db.numbers.add('+18005550199', 'toll_free');
    const sub = await db.numbers.subscribe('+18005550199', accountId);
    await db.ledger.openLeg({ channelId: 'ch-a', accountId, subscriptionId: sub.id, numberId: sub.numberId, dialled: '+18005550199', callerNumber: '+15550001111', answeredAt: 1_000 });
    await db.ledger.assign('ch-a', { roomId, role: 'moderator' });
    const first = await db.recordings.create({ roomId, accountId, file: `${roomNumber}-1.wav`, startedAt: 2_000, startedBy: 'owner', present: ['ch-a'] });
    expect((await db.recordings.get(accountId, first))?.endedAt).to.equal(null);
    await db.recordings.finish(first, { endedAt: 9_000, stoppedBy: 'owner', present: ['ch-a', 'ch-gone'], sizeBytes: 1234 });
    const second = await db.recordings.create({ roomId, accountId, file: `${roomNumber}-2.wav`, startedAt: 10_000, startedBy: 'moderator', present: [] });
    const list = await db.recordings.listForAccount(accountId, { limit: 10 });
    expect(list.map((r) => r.id)).to.deep.equal([second, first]);
    expect(list[1]).to.deep.include({ startedAt: 2_000, endedAt: 9_000, sizeBytes: 1234, stoppedBy: 'owner' });
    expect(list[1]?.present).to.deep.equal([
      { channelId: 'ch-a', callerNumber: '+15550001111', role: 'moderator' },
      { channelId: 'ch-gone', callerNumber: null, role: null },
    ]);
    expect(await db.recordings.listForAccount(accountId, { limit: 10, before: second })).to.have.length(1);
    expect(await db.recordings.get(accountId + 1000, first)).to.equal(null);
  });

  it('unfinished: the recordings without an end, with their room number and who was present, for a restarted bridge', async () => {
    const running = await db.recordings.create({ roomId, accountId, file: 'a.wav', startedAt: 1_000, startedBy: 'm1', present: ['c1', 'c2'] });
    const done = await db.recordings.create({ roomId, accountId, file: 'b.wav', startedAt: 2_000, startedBy: 'm1', present: ['c1'] });
    await db.recordings.finish(done, { endedAt: 3_000, stoppedBy: 'm1', present: ['c1'], sizeBytes: 10 });
    const open = (await db.recordings.unfinished()).filter((r) => r.roomNumber === roomNumber);
    expect(open).to.deep.equal([{ id: running, roomNumber, file: 'a.wav', startedAt: 1_000, present: ['c1', 'c2'] }]);
  });

  it('retention finds the recordings started before the cutoff; removing one removes its row', async () => {
    const old = await db.recordings.create({ roomId, accountId, file: 'old.wav', startedAt: 1_000, startedBy: 'owner', present: [] });
    await db.recordings.create({ roomId, accountId, file: 'new.wav', startedAt: 5_000, startedBy: 'owner', present: [] });
    expect(await db.recordings.startedBefore(2_000)).to.deep.equal([{ id: old, file: 'old.wav' }]);
    await db.recordings.remove(old);
    expect(await db.recordings.startedBefore(2_000)).to.deep.equal([]);
  });
});
