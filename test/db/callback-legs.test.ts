// Callback legs on the ledger (migration 019): the bridge's outbound call to a waiting
// participant is a leg of kind 'callback', rated at the 'callback' rate in force at its answer
// (0.03 per started minute by default), whatever the kind of number it carries; inbound legs are
// rated as before, in the same batch statement. The kind never changes once the leg is closed.
// On SQLite, or PostgreSQL with TOLLBRIDGE_TEST_DB.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import type { Subscription } from '../../db/types.js';
import { migrationSource } from '../../db/migrations/index.js';
import { accountWithNumber, Clock, openCallback, openLeg, openTestDb, rejects } from './helpers.js';

const T0 = Date.UTC(2026, 2, 10, 12);
const TF = '+18005550100';

describe('db: callback legs (migration 019)', function () {
  this.timeout(30_000);
  let db: Database;
  let clock: Clock;
  let sub: Subscription;

  const callback = (channelId: string, answeredAt: number, on: Subscription = sub) => openCallback(db, on, channelId, answeredAt);

  beforeEach(async () => {
    clock = new Clock(T0);
    db = await openTestDb({ now: clock.now });
    ({ sub } = await accountWithNumber(db, TF));
  });
  afterEach(async () => {
    await db?.close();
  });

  it('seeds the callback rate: 30000 micros a minute, per started minute, no minimum, in force from the start', async () => {
    expect(await db.rates.current('callback')).to.deep.equal({ kind: 'callback', perMinuteMicros: 30_000, incrementSeconds: 60, minimumSeconds: 0, effectiveFrom: 0 });
    expect(await db.rates.history('callback')).to.have.length(1);
  });

  it('a callback leg copies the callback rate and closes at it: 150 s bill 180 s, 90000 micros; an inbound leg answered with it keeps the toll-free rate', async () => {
    // Opened together: the group commit makes them one batch statement.
    const [opened] = await Promise.all([callback('cb-1', T0), openLeg(db, sub, 'in-1', T0)]);
    expect(opened).to.deep.include({ legKind: 'callback', ratePerMinuteMicros: 30_000, rateIncrementSeconds: 60, rateMinimumSeconds: 0, role: 'unauthenticated', endedAt: null });
    expect(await db.ledger.findByChannel('in-1')).to.deep.include({ legKind: 'inbound', ratePerMinuteMicros: 20_000 });

    const closed = await db.ledger.closeLeg('cb-1', T0 + 150_000, 'hangup');
    expect(closed).to.deep.include({ legKind: 'callback', seconds: 150, billableSeconds: 180, amountMicros: 90_000, endReason: 'hangup' });
    expect(await db.ledger.closeLeg('in-1', T0 + 150_000, 'callback')).to.deep.include({ legKind: 'inbound', amountMicros: 60_000, endReason: 'callback' });
    expect((await db.ledger.findByChannel('cb-1'))?.legKind).to.equal('callback');
  });

  it('a callback on a local number is rated at the callback rate, not the number\'s (free) one', async () => {
    const { sub: local } = await accountWithNumber(db, '+14155550100', 'local');
    await callback('cb-local', T0, local);
    expect(await db.ledger.closeLeg('cb-local', T0 + 60_000)).to.deep.include({ legKind: 'callback', amountMicros: 30_000 });
  });

  it('the callback rate the operator sets applies to callbacks answered after it, not to earlier ones nor to inbound legs', async () => {
    await callback('cb-before', T0);
    clock.advance(1000);
    expect(await db.rates.set('callback', { perMinuteMicros: 45_000, incrementSeconds: 30 })).to.include({ kind: 'callback', perMinuteMicros: 45_000 });
    await callback('cb-after', clock.t);
    await openLeg(db, sub, 'in-after', clock.t);
    expect(await db.ledger.closeLeg('cb-before', T0 + 61_000)).to.deep.include({ billableSeconds: 120, amountMicros: 60_000 });
    expect(await db.ledger.closeLeg('cb-after', clock.t + 61_000)).to.deep.include({ billableSeconds: 90, amountMicros: 67_500 });
    expect(await db.ledger.closeLeg('in-after', clock.t + 61_000)).to.deep.include({ ratePerMinuteMicros: 20_000, amountMicros: 40_000 });
  });

  it('opening a callback again returns the leg as it is (idempotent by channel)', async () => {
    await callback('cb-twice', T0);
    expect(await callback('cb-twice', T0 + 5000)).to.deep.include({ legKind: 'callback', answeredAt: T0 });
    expect(await db.knex('usage_ledger').where({ channel_id: 'cb-twice' })).to.have.length(1);
  });

  it('an adjustment of a callback is a callback entry too', async () => {
    await callback('cb-adj', T0);
    const closed = (await db.ledger.closeLeg('cb-adj', T0 + 60_000))!;
    expect(await db.ledger.adjust(closed.id, -30_000, 'refund')).to.deep.include({ entryKind: 'adjustment', legKind: 'callback', amountMicros: -30_000 });
  });

  it('the database refuses changing the kind of a closed leg, either way (trigger); an open one keeps its kind through the room assignment', async () => {
    await callback('cb-guard', T0);
    await openLeg(db, sub, 'in-guard', T0);
    const room = (await db.rooms.forAccount(sub.accountId))[0]!;
    await db.ledger.assign('cb-guard', { roomId: room.id, role: 'participant' });
    expect(await db.ledger.findByChannel('cb-guard')).to.deep.include({ legKind: 'callback', roomId: room.id, role: 'participant' });
    const closedCallback = (await db.ledger.closeLeg('cb-guard', T0 + 1000))!;
    const inbound = (await db.ledger.closeLeg('in-guard', T0 + 1000))!;
    expect((await rejects(db.knex('usage_ledger').where({ id: closedCallback.id }).update({ leg_kind: 'inbound' }))).message).to.match(/closed ledger entries never change/);
    expect((await rejects(db.knex('usage_ledger').where({ id: inbound.id }).update({ leg_kind: 'callback' }))).message).to.match(/closed ledger entries never change/);
    // The one change 009 allows a closed entry still passes.
    expect(await db.knex('usage_ledger').where({ id: closedCallback.id }).update({ caller_number: null })).to.equal(1);
  });

  it('rooms take callbacks by default', async () => {
    const room = (await db.rooms.forAccount(sub.accountId))[0]!;
    expect(room.callbackEnabled).to.equal(true);
  });
});

describe('db: migration 019 down and up', function () {
  this.timeout(30_000);
  it('legs from before are inbound, rooms take callbacks; down removes the column, the setting and the rate; the ledger stays append-only; up again restores them', async () => {
    const db = await openTestDb({ now: () => T0 });
    try {
      const { sub } = await accountWithNumber(db, TF);
      await openLeg(db, sub, 'before-1', T0);
      const closed = (await db.ledger.closeLeg('before-1', T0 + 30_000, 'hangup'))!;
      await db.knex.migrate.down({ migrationSource });
      expect(await db.knex.schema.hasColumn('usage_ledger', 'leg_kind')).to.equal(false);
      expect(await db.knex.schema.hasColumn('rooms', 'callback_enabled')).to.equal(false);
      expect(await db.knex('rates').where({ kind: 'callback' })).to.deep.equal([]);
      expect((await rejects(db.knex('usage_ledger').where({ id: closed.id }).update({ amount_micros: 1 }))).message).to.match(/closed ledger entries never change/);

      await db.knex.migrate.latest({ migrationSource });
      expect(await db.ledger.findByChannel('before-1')).to.deep.include({ legKind: 'inbound', amountMicros: 20_000 });
      expect((await db.rooms.forAccount(sub.accountId))[0]?.callbackEnabled).to.equal(true);
      expect((await db.rates.current('callback')).perMinuteMicros).to.equal(30_000);
      expect((await rejects(db.knex('usage_ledger').where({ id: closed.id }).update({ leg_kind: 'callback' }))).message).to.match(/closed ledger entries never change/);
    } finally {
      await db.close();
    }
  });
});
