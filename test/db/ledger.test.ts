// The usage ledger: legs opened idempotently at answer with the rate then in force, assigned
// while open, closed and rated once; closed entries are immutable (database triggers);
// corrections are new adjustment entries.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import type { Subscription } from '../../db/types.js';
import { accountWithNumber, Clock, openLeg, openTestDb, rejects, rejectsWith } from './helpers.js';

const T0 = Date.UTC(2026, 2, 10, 12);
const TF = '+18005550100';

describe('db: usage ledger', function () {
  this.timeout(20_000);
  let db: Database;
  let clock: Clock;
  let sub: Subscription;
  let accountId: number;
  let roomId: number;

  beforeEach(async () => {
    clock = new Clock(T0);
    db = await openTestDb({ now: clock.now });
    ({ accountId, sub } = await accountWithNumber(db, TF));
    roomId = (await db.rooms.forAccount(accountId))[0]!.id;
  });
  afterEach(async () => {
    await db?.close();
  });

  const count = async (): Promise<number> => Number((await db.knex('usage_ledger').count<{ n: number | string }[]>({ n: '*' }))[0]?.n);

  it('opening a leg records it open, unauthenticated, with the current toll-free rate copied in', async () => {
    await openLeg(db, sub, 'ch-1', T0 + 500, '+15550001111');
    const leg = await db.ledger.findByChannel('ch-1');
    expect(leg).to.deep.include({
      entryKind: 'leg', channelId: 'ch-1', accountId, subscriptionId: sub.id, numberId: sub.numberId, dialled: TF, roomId: null,
      role: 'unauthenticated', callerNumber: '+15550001111', answeredAt: T0 + 500, endedAt: null, seconds: null, billableSeconds: null,
      amountMicros: null, ratePerMinuteMicros: 20_000, rateIncrementSeconds: 60, rateMinimumSeconds: 0, createdAt: T0,
    });
  });

  it('opening the same channel twice leaves one leg with the first answer time', async () => {
    await openLeg(db, sub, 'ch-1', T0 + 500);
    await openLeg(db, sub, 'ch-1', T0 + 900);
    expect(await count()).to.equal(1);
    expect((await db.ledger.findByChannel('ch-1'))?.answeredAt).to.equal(T0 + 500);
  });

  it('assign sets room and role on an open leg', async () => {
    await openLeg(db, sub, 'ch-1', T0);
    await db.ledger.assign('ch-1', { roomId, role: 'moderator' });
    expect(await db.ledger.findByChannel('ch-1')).to.deep.include({ roomId, role: 'moderator' });
    await db.ledger.assign('ch-1', { roomId, role: 'participant' });
    expect((await db.ledger.findByChannel('ch-1'))?.role).to.equal('participant');
  });

  it('a rejoin: assign names the leg the new one continues; it stays once closed, and a plain leg names none', async () => {
    await openLeg(db, sub, 'ch-1', T0, '+15550001111');
    await db.ledger.assign('ch-1', { roomId, role: 'participant' });
    await db.ledger.closeLeg('ch-1', T0 + 30_000, 'hangup');
    await openLeg(db, sub, 'ch-2', T0 + 60_000, '+15550001111');
    await db.ledger.assign('ch-2', { roomId, role: 'participant', rejoinOf: 'ch-1' });
    await db.ledger.closeLeg('ch-2', T0 + 90_000, 'left');
    expect(await db.ledger.findByChannel('ch-2')).to.deep.include({ rejoinOf: 'ch-1', role: 'participant', seconds: 30 });
    expect((await db.ledger.findByChannel('ch-1'))?.rejoinOf).to.equal(null);
  });

  it('assign leaves a closed leg unchanged and ignores an unknown channel', async () => {
    await openLeg(db, sub, 'ch-1', T0);
    const closed = await db.ledger.closeLeg('ch-1', T0 + 10_000);
    await db.ledger.assign('ch-1', { roomId, role: 'moderator' });
    await db.ledger.assign('nope', { roomId, role: 'moderator' });
    expect(await db.ledger.findByChannel('ch-1')).to.deep.equal(closed);
    expect(closed).to.deep.include({ roomId: null, role: 'unauthenticated' });
    expect(await count()).to.equal(1);
  });

  it('closing a 61-second leg at 20000/min per started minute bills 120 s and 40000 micros', async () => {
    await openLeg(db, sub, 'ch-1', T0);
    const leg = await db.ledger.closeLeg('ch-1', T0 + 60_001);
    expect(leg).to.deep.include({ endedAt: T0 + 60_001, seconds: 61, billableSeconds: 120, amountMicros: 40_000 });
  });

  it('closing a leg at its answer time gives 0 s and 0 micros', async () => {
    await openLeg(db, sub, 'ch-1', T0);
    expect(await db.ledger.closeLeg('ch-1', T0)).to.deep.include({ seconds: 0, billableSeconds: 0, amountMicros: 0 });
  });

  it('closing with an end before the answer clamps to the answer time (0 s)', async () => {
    await openLeg(db, sub, 'ch-1', T0);
    expect(await db.ledger.closeLeg('ch-1', T0 - 5_000)).to.deep.include({ endedAt: T0, seconds: 0, billableSeconds: 0, amountMicros: 0 });
  });

  it('a fractional-cent rate (15000/min, increment 1): 61 s costs 15250 micros', async () => {
    await db.rates.set('toll_free', { perMinuteMicros: 15_000, incrementSeconds: 1 });
    await openLeg(db, sub, 'ch-1', T0 + 1);
    expect(await db.ledger.closeLeg('ch-1', T0 + 1 + 61_000)).to.deep.include({ seconds: 61, billableSeconds: 61, amountMicros: 15_250 });
  });

  it('a minimum of 60 s with increment 6 bills a 7-second leg as 60 s', async () => {
    await db.rates.set('toll_free', { perMinuteMicros: 60_000, incrementSeconds: 6, minimumSeconds: 60 });
    await openLeg(db, sub, 'ch-1', T0 + 1);
    expect(await db.ledger.closeLeg('ch-1', T0 + 1 + 7_000)).to.deep.include({ seconds: 7, billableSeconds: 60, amountMicros: 60_000 });
  });

  it('a leg keeps the rate in force when it was answered; a leg answered after a rate change uses the new rate', async () => {
    await openLeg(db, sub, 'before', T0);
    clock.t = T0 + 1_000;
    const rate = await db.rates.set('toll_free', { perMinuteMicros: 60_000, incrementSeconds: 1 });
    expect(rate).to.deep.equal({ kind: 'toll_free', perMinuteMicros: 60_000, incrementSeconds: 1, minimumSeconds: 0, effectiveFrom: T0 + 1_000 });
    await openLeg(db, sub, 'after', T0 + 2_000);
    clock.t = T0 + 100_000;
    const before = await db.ledger.closeLeg('before', T0 + 61_000); // 61 s at the old rate: 120 s x 20000/min
    const after = await db.ledger.closeLeg('after', T0 + 2_000 + 61_000); // 61 s at the new rate: 61 s x 60000/min
    expect(before).to.deep.include({ ratePerMinuteMicros: 20_000, rateIncrementSeconds: 60, billableSeconds: 120, amountMicros: 40_000 });
    expect(after).to.deep.include({ ratePerMinuteMicros: 60_000, rateIncrementSeconds: 1, billableSeconds: 61, amountMicros: 61_000 });
    expect((await db.rates.current('toll_free')).perMinuteMicros).to.equal(60_000);
  });

  it('rates.set rejects a negative price, an increment of 0 and a fractional price with InvalidRate', async () => {
    await rejectsWith(db.rates.set('toll_free', { perMinuteMicros: -1 }), 'InvalidRate');
    await rejectsWith(db.rates.set('toll_free', { perMinuteMicros: 100, incrementSeconds: 0 }), 'InvalidRate');
    await rejectsWith(db.rates.set('toll_free', { perMinuteMicros: 1.5 }), 'InvalidRate');
    expect(await db.rates.history('toll_free')).to.have.length(1);
  });

  it('closing a leg twice returns the same, unchanged leg', async () => {
    await openLeg(db, sub, 'ch-1', T0);
    const first = await db.ledger.closeLeg('ch-1', T0 + 30_000);
    const second = await db.ledger.closeLeg('ch-1', T0 + 900_000);
    expect(first).to.not.equal(null);
    expect(second).to.deep.equal(first);
    expect(second).to.deep.include({ endedAt: T0 + 30_000, seconds: 30, amountMicros: 20_000 });
  });

  it('closing an unknown channel returns null and creates nothing', async () => {
    expect(await db.ledger.closeLeg('unknown', T0)).to.equal(null);
    expect(await count()).to.equal(0);
  });

  it('the database refuses a raw update of a closed leg (trigger) and the amount stays', async () => {
    await openLeg(db, sub, 'ch-1', T0);
    const closed = (await db.ledger.closeLeg('ch-1', T0 + 30_000))!;
    const err = await rejects(db.knex('usage_ledger').where({ id: closed.id }).update({ amount_micros: 1 }));
    expect(err.message).to.match(/closed ledger entries never change/);
    expect((await db.ledger.findByChannel('ch-1'))?.amountMicros).to.equal(20_000);
  });

  it('the database refuses a raw delete of a ledger entry, open or closed (trigger)', async () => {
    await openLeg(db, sub, 'open', T0);
    await openLeg(db, sub, 'closed', T0);
    const closed = (await db.ledger.closeLeg('closed', T0 + 30_000))!;
    const open = (await db.ledger.findByChannel('open'))!;
    expect((await rejects(db.knex('usage_ledger').where({ id: closed.id }).del())).message).to.match(/never deleted/);
    expect((await rejects(db.knex('usage_ledger').where({ id: open.id }).del())).message).to.match(/never deleted/);
    expect(await count()).to.equal(2);
  });

  it('adjust adds a new adjustment entry referring to the corrected leg; the leg is unchanged', async () => {
    await openLeg(db, sub, 'ch-1', T0);
    const leg = (await db.ledger.closeLeg('ch-1', T0 + 30_000))!;
    clock.t = T0 + 3_600_000;
    const adj = await db.ledger.adjust(leg.id, -20_000, 'goodwill');
    expect(adj).to.deep.include({
      entryKind: 'adjustment', correctsId: leg.id, channelId: null, accountId, numberId: sub.numberId, amountMicros: -20_000,
      note: 'goodwill', answeredAt: T0 + 3_600_000, endedAt: T0 + 3_600_000, seconds: 0, billableSeconds: 0,
    });
    expect(adj.id).to.not.equal(leg.id);
    expect(await db.ledger.findByChannel('ch-1')).to.deep.equal(leg);
    expect((await db.ledger.legsFor(accountId)).map((e) => [e.entryKind, e.amountMicros])).to.deep.equal([['leg', 20_000], ['adjustment', -20_000]]);
  });

  it('adjusting an unknown entry throws LegNotFound', async () => {
    await rejectsWith(db.ledger.adjust(12345, 100, 'x'), 'LegNotFound');
  });

  it('openLegs lists exactly the legs left open, oldest first', async () => {
    await openLeg(db, sub, 'a', T0);
    await openLeg(db, sub, 'b', T0 + 1);
    await openLeg(db, sub, 'c', T0 + 2);
    await db.ledger.closeLeg('b', T0 + 10_000);
    expect((await db.ledger.openLegs()).map((l) => l.channelId)).to.deep.equal(['a', 'c']);
  });

  it('a leg on a local number is recorded with its duration but rated at zero', async () => {
    const local = await accountWithNumber(db, '+442071234567', 'local');
    await openLeg(db, local.sub, 'loc', T0);
    const leg = await db.ledger.closeLeg('loc', T0 + 125_000);
    expect(leg).to.deep.include({ numberId: local.sub.numberId, ratePerMinuteMicros: 0, seconds: 125, billableSeconds: 180, amountMicros: 0 });
  });

  it('legsFor returns the account entries answered in [from, to)', async () => {
    await openLeg(db, sub, 'a', T0);
    await openLeg(db, sub, 'b', T0 + 1_000);
    await openLeg(db, sub, 'c', T0 + 2_000);
    expect((await db.ledger.legsFor(accountId, { from: T0 + 1_000, to: T0 + 2_000 })).map((l) => l.channelId)).to.deep.equal(['b']);
  });

  it('usage counts closed legs, rates open legs up to now, and leaves out other periods', async () => {
    await openLeg(db, sub, 'feb', Date.UTC(2026, 1, 28, 23, 59, 59, 999));
    await db.ledger.closeLeg('feb', Date.UTC(2026, 2, 1, 0, 10));
    await openLeg(db, sub, 'closed', T0);
    await db.ledger.closeLeg('closed', T0 + 61_000); // 120 s, 40000
    await openLeg(db, sub, 'open', T0 + 100_000);
    clock.t = T0 + 100_000 + 10_000; // open for 10 s: 60 s, 20000
    expect(await db.ledger.usage(accountId)).to.deep.equal({ period: '2026-03', legs: 2, openLegs: 1, seconds: 71, billableSeconds: 180, amountMicros: 60_000 });
    expect((await db.ledger.usage(accountId, { period: '2026-02' })).legs).to.equal(1);
  });

  it('writes arriving together commit together, yet a write that fails fails alone', async () => {
    // 60 opens at once (the SQLite writer groups them into one transaction); one names an
    // account that does not exist, so the foreign key refuses it.
    const opens = Array.from({ length: 60 }, (_, i) =>
      db.ledger.openLeg({
        channelId: `group-${i}`, accountId: i === 17 ? 999_999 : accountId, subscriptionId: sub.id, numberId: sub.numberId,
        dialled: TF, callerNumber: null, answeredAt: T0 + i,
      }),
    );
    const outcomes = await Promise.allSettled(opens);
    expect(outcomes.map((o) => o.status).filter((s) => s === 'rejected')).to.have.length(1);
    expect(outcomes[17]?.status).to.equal('rejected');
    expect(await count()).to.equal(59);
    const closes = await Promise.all(Array.from({ length: 60 }, (_, i) => db.ledger.closeLeg(`group-${i}`, T0 + i + 61_000)));
    expect(closes.filter((c) => c === null)).to.have.length(1);
    expect(closes.filter((c) => c !== null).every((c) => c?.seconds === 61 && c.billableSeconds === 120)).to.equal(true);
  });
});
