// closeLeg rates a leg in SQL (one statement); domain/billing.ts is the rule's reference. For random
// durations and rates, both must give the same seconds, billable seconds and amount.
import { expect } from 'chai';
import fc from 'fast-check';
import { rateLeg } from '../../domain/billing.js';
import type { Database } from '../../db/index.js';
import { createTestDatabase } from '../support/db-fixture.js';

describe('ledger: rating in SQL agrees with the billing rules', function () {
  this.timeout(60_000);
  let db: Database;
  let seq = 0;

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  it('for random durations, rates, increments and minimums', async () => {
    const { account } = await db.accounts.create({ name: 'Rating', email: 'rating@example.test' });
    await db.numbers.add('+18005550111', 'toll_free');
    const sub = await db.numbers.subscribe('+18005550111', account.id);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -10_000, max: 8 * 3_600_000 }),
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.constantFrom(1, 6, 30, 60, 300),
        fc.constantFrom(0, 30, 60, 600),
        async (durationMs, perMinuteMicros, incrementSeconds, minimumSeconds) => {
          await db.rates.set('toll_free', { perMinuteMicros, incrementSeconds, minimumSeconds });
          const channelId = `rating-${seq++}`;
          const answeredAt = Date.now() + 1000; // after the rate change just made: it applies
          await db.ledger.openLeg({ channelId, accountId: account.id, subscriptionId: sub.id, numberId: sub.numberId, dialled: '+18005550111', callerNumber: null, answeredAt });
          const leg = await db.ledger.closeLeg(channelId, answeredAt + durationMs);
          const want = rateLeg(answeredAt, Math.max(answeredAt, answeredAt + durationMs), { perMinuteMicros, incrementSeconds, minimumSeconds });
          expect({ seconds: leg?.seconds, billableSeconds: leg?.billableSeconds, amountMicros: leg?.amountMicros }).to.deep.equal(want);
        },
      ),
      { numRuns: 150 },
    );
  });
});
