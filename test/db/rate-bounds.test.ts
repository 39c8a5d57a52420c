// Rates are bounded so the ledger's SQL rating (64-bit integers) and the amounts read back
// (exact JavaScript numbers) never overflow: the highest rate rates a 30-day leg exactly; a
// higher rate is refused when it is set. SQLite, and PostgreSQL with TOLLBRIDGE_TEST_DB.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import { MAX_RATE_PER_MINUTE_MICROS } from '../../db/repositories/rates.js';
import { accountWithNumber, Clock, openLeg, openTestDb, rejectsWith } from './helpers.js';

const T0 = Date.UTC(2026, 2, 10, 12);
const DAY_MS = 86_400_000;

describe('db: rate bounds', function () {
  this.timeout(30_000);
  let db: Database;
  let clock: Clock;
  beforeEach(async () => {
    clock = new Clock(T0);
    db = await openTestDb({ now: clock.now });
  });
  afterEach(async () => db?.close());

  it('refuses a price per minute that would overflow the rating, naming the highest allowed', async () => {
    const err = await rejectsWith(db.rates.set('toll_free', { perMinuteMicros: 999_999_999_999_999 }), 'InvalidRate');
    expect(err.message).to.contain('at most 100');
    await rejectsWith(db.rates.set('toll_free', { perMinuteMicros: MAX_RATE_PER_MINUTE_MICROS + 1 }), 'InvalidRate');
    expect((await db.rates.current('toll_free')).perMinuteMicros, 'nothing changed').to.equal(20_000);
  });

  it('at the highest rate a 30-day leg is rated exactly', async () => {
    await db.rates.set('toll_free', { perMinuteMicros: MAX_RATE_PER_MINUTE_MICROS, incrementSeconds: 1 });
    clock.advance(1);
    const { sub } = await accountWithNumber(db, '+18005550150');
    await openLeg(db, sub, 'long-1', clock.now());
    const leg = await db.ledger.closeLeg('long-1', clock.now() + 30 * DAY_MS);
    if (leg === null) throw new Error('no leg');
    expect(leg.billableSeconds).to.equal(30 * 86_400);
    expect(leg.amountMicros).to.equal((30 * 86_400 * MAX_RATE_PER_MINUTE_MICROS) / 60);
    expect(Number.isSafeInteger(leg.amountMicros)).to.equal(true);
  });
});
