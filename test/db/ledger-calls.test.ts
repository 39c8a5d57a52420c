// The ledger as the call flow uses it: openLeg returns the leg, edges of the billing rule on a
// real database, a leg across a month boundary, crash recovery, and the ledger's prepared writes
// interleaved with other work on the same database.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import type { Subscription } from '../../db/types.js';
import { accountWithNumber, Clock, openTestDb, rejectsWith } from './helpers.js';

const T0 = Date.UTC(2026, 2, 10, 12);
const TF = '+18005550100';

describe('db: ledger on the call path', function () {
  this.timeout(30_000);
  let db: Database;
  let clock: Clock;
  let sub: Subscription;
  let accountId: number;

  beforeEach(async () => {
    clock = new Clock(T0);
    db = await openTestDb({ now: clock.now });
    ({ accountId, sub } = await accountWithNumber(db, TF));
  });
  afterEach(async () => {
    await db?.close();
  });

  const opening = (channelId: string, answeredAt: number) => ({
    channelId, accountId, subscriptionId: sub.id, numberId: sub.numberId, dialled: TF, callerNumber: '+15550001111', answeredAt,
  });

  it('openLeg returns the open leg exactly as stored', async () => {
    const leg = await db.ledger.openLeg(opening('ch-1', T0 + 7));
    expect(leg).to.deep.equal(await db.ledger.findByChannel('ch-1'));
    expect(leg).to.deep.include({ channelId: 'ch-1', answeredAt: T0 + 7, endedAt: null, role: 'unauthenticated', ratePerMinuteMicros: 20_000 });
  });

  it('openLeg again for the same channel returns the first leg, unchanged, even after it closed', async () => {
    const first = await db.ledger.openLeg(opening('ch-1', T0));
    expect(await db.ledger.openLeg(opening('ch-1', T0 + 5_000))).to.deep.equal(first);
    const closed = await db.ledger.closeLeg('ch-1', T0 + 10_000);
    expect(await db.ledger.openLeg(opening('ch-1', T0 + 20_000))).to.deep.equal(closed);
  });

  it('openLeg on a number id not in the inventory throws NumberNotFound and records nothing', async () => {
    await rejectsWith(db.ledger.openLeg({ ...opening('ch-x', T0), numberId: 99_999 }), 'NumberNotFound');
    expect(await db.ledger.findByChannel('ch-x')).to.equal(null);
  });

  // 20000 micros per minute, every started minute counts (the seeded toll-free rate).
  for (const [ms, seconds, billable, micros] of [
    [0, 0, 0, 0],
    [1, 1, 60, 20_000],
    [1_000, 1, 60, 20_000],
    [59_000, 59, 60, 20_000],
    [59_999, 60, 60, 20_000],
    [60_000, 60, 60, 20_000],
    [60_001, 61, 120, 40_000],
    [61_000, 61, 120, 40_000],
  ] as const) {
    it(`a ${ms} ms leg is ${seconds} s, ${billable} billable s, ${micros} micros`, async () => {
      await db.ledger.openLeg(opening('edge', T0));
      expect(await db.ledger.closeLeg('edge', T0 + ms)).to.deep.include({ seconds, billableSeconds: billable, amountMicros: micros });
    });
  }

  it('a leg answered 30 s before April and ended 10 min into April is wholly on the March statement', async () => {
    const answered = Date.UTC(2026, 3, 1) - 30_000;
    await db.ledger.openLeg(opening('across', answered));
    await db.ledger.closeLeg('across', Date.UTC(2026, 3, 1, 0, 10));
    clock.t = Date.UTC(2026, 3, 2);
    const march = await db.statements.build(accountId, '2026-03');
    const april = await db.statements.build(accountId, '2026-04');
    expect(march.lines).to.have.length(1);
    expect(march.lines[0]).to.deep.include({ legs: 1, billableSeconds: 660, amountMicros: 220_000 });
    expect(april.lines).to.deep.equal([]);
  });

  it('a leg left open by a crash is listed by openLegs and closed later from its real end time', async () => {
    await db.ledger.openLeg(opening('crashed', T0));
    clock.t = T0 + 3_600_000; // the bridge restarts an hour later
    expect((await db.ledger.openLegs()).map((l) => l.channelId)).to.deep.equal(['crashed']);
    const leg = await db.ledger.closeLeg('crashed', T0 + 90_000); // the real end, from Asterisk's records
    expect(leg).to.deep.include({ endedAt: T0 + 90_000, seconds: 90, billableSeconds: 120, amountMicros: 40_000 });
    expect(await db.ledger.openLegs()).to.deep.equal([]);
  });

  it('a closed leg refuses assign, re-close and re-open: every field stays as closed', async () => {
    await db.ledger.openLeg(opening('done', T0));
    const roomId = (await db.rooms.forAccount(accountId))[0]!.id;
    await db.ledger.assign('done', { roomId, role: 'participant' });
    const closed = await db.ledger.closeLeg('done', T0 + 30_000);
    await db.ledger.assign('done', { roomId, role: 'moderator' });
    await db.ledger.closeLeg('done', T0 + 999_000);
    await db.ledger.openLeg(opening('done', T0 + 1));
    expect(await db.ledger.findByChannel('done')).to.deep.equal(closed);
    expect(closed).to.deep.include({ role: 'participant', roomId, seconds: 30 });
  });

  it('an adjustment of a fractional micro amount is refused with InvalidMoney', async () => {
    await db.ledger.openLeg(opening('adj', T0));
    const leg = await db.ledger.closeLeg('adj', T0 + 1_000);
    await rejectsWith(db.ledger.adjust(leg!.id, 1.5, 'half a micro'), 'InvalidMoney');
  });

  it('200 concurrent calls opening and closing legs while accounts are created and numbers subscribed: no errors, nothing lost', async () => {
    const calls = Array.from({ length: 200 }, async (_, i) => {
      await db.ledger.openLeg(opening(`c-${i}`, T0 + i));
      await db.ledger.closeLeg(`c-${i}`, T0 + i + 61_000);
    });
    const management = Array.from({ length: 10 }, async (_, i) => {
      const { account } = await db.accounts.create({ name: `M${i}`, email: `m${i}@example.test` });
      const e164 = `+1800555${String(1000 + i)}`;
      await db.numbers.add(e164, 'toll_free');
      await db.numbers.subscribe(e164, account.id);
    });
    await Promise.all([...calls, ...management]);
    const legs = await db.ledger.legsFor(accountId);
    expect(legs).to.have.length(200);
    expect(legs.every((l) => l.amountMicros === 40_000)).to.equal(true);
    expect(await db.accounts.count()).to.equal(11);
  });
});
