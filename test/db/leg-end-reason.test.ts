// Migration 004: why a leg ended is written by the statement that closes it (the one update
// the append-only triggers allow) and, like the rest of a closed leg, never changes.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import type { Subscription } from '../../db/types.js';
import { accountWithNumber, Clock, openLeg, openTestDb, rejects } from './helpers.js';

const T0 = Date.UTC(2026, 2, 10, 12);
const TF = '+18005550100';

describe('db: leg end reason', function () {
  this.timeout(20_000);
  let db: Database;
  let sub: Subscription;

  beforeEach(async () => {
    db = await openTestDb({ now: new Clock(T0).now });
    ({ sub } = await accountWithNumber(db, TF));
  });
  afterEach(async () => {
    await db?.close();
  });

  it('an open leg has no reason; closing writes the reason with the end and the amount', async () => {
    await openLeg(db, sub, 'ch-1', T0);
    expect((await db.ledger.findByChannel('ch-1'))?.endReason).to.equal(null);
    const closed = await db.ledger.closeLeg('ch-1', T0 + 30_000, 'rtp-timeout');
    expect(closed).to.deep.include({ endedAt: T0 + 30_000, seconds: 30, amountMicros: 20_000, endReason: 'rtp-timeout' });
    expect((await db.ledger.findByChannel('ch-1'))?.endReason).to.equal('rtp-timeout');
  });

  it('closing without a reason leaves it empty (legs closed before reasons were recorded read the same)', async () => {
    await openLeg(db, sub, 'ch-1', T0);
    expect((await db.ledger.closeLeg('ch-1', T0 + 1_000))?.endReason).to.equal(null);
  });

  it('a second close changes neither the end nor the reason', async () => {
    await openLeg(db, sub, 'ch-1', T0);
    await db.ledger.closeLeg('ch-1', T0 + 30_000, 'max-duration');
    const again = await db.ledger.closeLeg('ch-1', T0 + 90_000, 'hangup');
    expect(again).to.deep.include({ endedAt: T0 + 30_000, endReason: 'max-duration' });
  });

  it('the database refuses changing the reason of a closed leg (trigger)', async () => {
    await openLeg(db, sub, 'ch-1', T0);
    const closed = (await db.ledger.closeLeg('ch-1', T0 + 30_000, 'alone-limit'))!;
    const err = await rejects(db.knex('usage_ledger').where({ id: closed.id }).update({ end_reason: 'hangup' }));
    expect(err.message).to.match(/closed ledger entries never change/);
    expect((await db.ledger.findByChannel('ch-1'))?.endReason).to.equal('alone-limit');
  });
});

describe('db: migration 004 down and up', function () {
  this.timeout(20_000);
  it('rolling back to before 004 keeps the ledger append-only; up again restores the column', async () => {
    const { migrationSource } = await import('../../db/migrations/index.js');
    const db = await openTestDb({ now: new Clock(T0).now });
    try {
      const { sub } = await accountWithNumber(db, TF);
      // Down one migration at a time (the later ones first) until 004 itself is undone.
      for (let i = 0; i < 20 && (await db.knex.schema.hasColumn('usage_ledger', 'end_reason')); i++) await db.knex.migrate.down({ migrationSource });
      expect(await db.knex.schema.hasColumn('usage_ledger', 'end_reason')).to.equal(false);
      await db.knex.migrate.latest({ migrationSource });
      await openLeg(db, sub, 'ch-1', T0);
      const closed = (await db.ledger.closeLeg('ch-1', T0 + 30_000, 'hangup'))!;
      const err = await rejects(db.knex('usage_ledger').where({ id: closed.id }).update({ amount_micros: 1 }));
      expect(err.message).to.match(/closed ledger entries never change/);
    } finally {
      await db.close();
    }
  });
});
