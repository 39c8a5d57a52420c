// The number inventory and subscriptions: E.164 validation, subscribe/unsubscribe, routing,
// quarantine with an injected clock, history, and a race of subscribers.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import { Clock, DAY_MS, openLeg, openTestDb, rejectsWith } from './helpers.js';

const T0 = Date.UTC(2026, 2, 10, 12);
const TF = '+18005550100';

describe('db: numbers and subscriptions', function () {
  this.timeout(30_000);
  let db: Database;
  let clock: Clock;
  let seq = 0;
  const newAccount = async () => (await db.accounts.create({ name: `A${++seq}`, email: `a${seq}@example.test` })).account.id;

  beforeEach(async () => {
    clock = new Clock(T0);
    db = await openTestDb({ now: clock.now, quarantineDays: 30 });
  });
  afterEach(async () => {
    await db?.close();
  });

  describe('add', () => {
    it('adds a toll-free number as available', async () => {
      const n = await db.numbers.add(TF, 'toll_free');
      expect(n).to.deep.include({ e164: TF, kind: 'toll_free', state: 'available', availableAt: null, accountId: null });
    });

    it('accepts the shortest (8 digits) and longest (15 digits) E.164 numbers', async () => {
      expect((await db.numbers.add('+12345678', 'local')).e164).to.equal('+12345678');
      expect((await db.numbers.add('+123456789012345', 'local')).e164).to.equal('+123456789012345');
    });

    const bad: Array<[string, string]> = [
      ['without the plus', '18005550100'],
      ['with a leading zero after the plus', '+08005550100'],
      ['too short (7 digits)', '+1234567'],
      ['too long (16 digits)', '+1234567890123456'],
      ['with spaces inside', '+1 800 555 0100'],
      ['with letters', '+1800FLOWERS'],
      ['empty', ''],
    ];
    for (const [what, e164] of bad) {
      it(`rejects a number ${what} ("${e164}") with InvalidPhoneNumber and stores nothing`, async () => {
        await rejectsWith(db.numbers.add(e164, 'toll_free'), 'InvalidPhoneNumber');
        expect(await db.numbers.list()).to.deep.equal([]);
      });
    }

    it('rejects an unknown kind with InvalidPhoneNumber', async () => {
      await rejectsWith(db.numbers.add(TF, 'premium' as never), 'InvalidPhoneNumber');
    });

    it('rejects a number already in the inventory with NumberExists', async () => {
      await db.numbers.add(TF, 'toll_free');
      await rejectsWith(db.numbers.add(TF, 'local'), 'NumberExists');
      expect((await db.numbers.list()).map((n) => n.kind)).to.deep.equal(['toll_free']);
    });

    it('get of a number not in the inventory throws NumberNotFound', async () => {
      await rejectsWith(db.numbers.get(TF), 'NumberNotFound');
    });
  });

  describe('subscribe and routeFor', () => {
    it('subscribing makes the number subscribed to that account and routes calls to it', async () => {
      const accountId = await newAccount();
      await db.numbers.add(TF, 'toll_free');
      const sub = await db.numbers.subscribe(TF, accountId);
      expect(sub).to.deep.include({ accountId, e164: TF, startedAt: T0, endedAt: null });
      expect(await db.numbers.get(TF)).to.deep.include({ state: 'subscribed', accountId });
      expect(await db.numbers.routeFor(TF)).to.deep.equal({ numberId: sub.numberId, e164: TF, kind: 'toll_free', accountId, subscriptionId: sub.id });
    });

    it('routeFor is null for a number not in the inventory and for one never subscribed', async () => {
      await db.numbers.add(TF, 'toll_free');
      expect(await db.numbers.routeFor(TF)).to.equal(null);
      expect(await db.numbers.routeFor('+18005559999')).to.equal(null);
    });

    it('subscribing to a number the account already holds throws AlreadySubscribed', async () => {
      const accountId = await newAccount();
      await db.numbers.add(TF, 'toll_free');
      await db.numbers.subscribe(TF, accountId);
      await rejectsWith(db.numbers.subscribe(TF, accountId), 'AlreadySubscribed');
      expect(await db.numbers.subscriptionsFor(accountId)).to.have.length(1);
    });

    it('subscribing to a number another account holds throws NumberNotAvailable; the route stays', async () => {
      const a = await newAccount();
      const b = await newAccount();
      await db.numbers.add(TF, 'toll_free');
      await db.numbers.subscribe(TF, a);
      await rejectsWith(db.numbers.subscribe(TF, b), 'NumberNotAvailable');
      expect((await db.numbers.routeFor(TF))?.accountId).to.equal(a);
    });

    it('subscribing to a number not in the inventory throws NumberNotAvailable (the same answer as for a taken one)', async () => {
      const a = await newAccount();
      await rejectsWith(db.numbers.subscribe(TF, a), 'NumberNotAvailable');
    });

    it('subscribing an unknown account throws AccountNotFound', async () => {
      await db.numbers.add(TF, 'toll_free');
      await rejectsWith(db.numbers.subscribe(TF, 4242), 'AccountNotFound');
    });

    it('10 accounts subscribing to the same number at once: exactly one wins, 9 get NumberNotAvailable', async () => {
      await db.numbers.add(TF, 'toll_free');
      const ids: number[] = [];
      for (let i = 0; i < 10; i++) ids.push(await newAccount());
      const results = await Promise.allSettled(ids.map((id) => db.numbers.subscribe(TF, id)));
      const won = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<Database['numbers']['subscribe']>>> => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).to.have.length(1);
      expect(lost.map((r) => (r.reason as { code?: string }).code)).to.deep.equal(Array(9).fill('NumberNotAvailable'));
      const winner = won[0]!.value.accountId;
      expect((await db.numbers.routeFor(TF))?.accountId).to.equal(winner);
      const live = await db.knex('subscriptions').whereNull('ended_at').count<{ n: number | string }[]>({ n: '*' });
      expect(Number(live[0]?.n)).to.equal(1);
    });
  });

  describe('unsubscribe, quarantine and history', () => {
    it('unsubscribing quarantines the number for 30 days and stops routing at once', async () => {
      const accountId = await newAccount();
      await db.numbers.add(TF, 'toll_free');
      await db.numbers.subscribe(TF, accountId);
      clock.advance(DAY_MS);
      const releasedAt = clock.t;
      const { subscription } = await db.numbers.unsubscribe(TF, accountId);
      expect(subscription.endedAt).to.equal(releasedAt);
      expect(await db.numbers.routeFor(TF)).to.equal(null);
      expect(await db.numbers.get(TF)).to.deep.include({ state: 'quarantined', availableAt: releasedAt + 30 * DAY_MS, accountId: null });
    });

    it('a quarantined number is still unavailable at day 29.9 and available again at day 30', async () => {
      const a = await newAccount();
      const b = await newAccount();
      await db.numbers.add(TF, 'toll_free');
      await db.numbers.subscribe(TF, a);
      const releasedAt = clock.advance(1_000);
      await db.numbers.unsubscribe(TF, a);

      clock.t = releasedAt + 29.9 * DAY_MS;
      expect((await db.numbers.get(TF)).state).to.equal('quarantined');
      expect((await db.numbers.list({ availableOnly: true })).map((n) => n.e164)).to.deep.equal([]);
      await rejectsWith(db.numbers.subscribe(TF, b), 'NumberNotAvailable');
      await rejectsWith(db.numbers.subscribe(TF, a), 'NumberNotAvailable');

      clock.t = releasedAt + 30 * DAY_MS - 1;
      expect((await db.numbers.get(TF)).state).to.equal('quarantined');

      clock.t = releasedAt + 30 * DAY_MS;
      expect(await db.numbers.get(TF)).to.deep.include({ state: 'available', availableAt: null });
      expect((await db.numbers.list({ availableOnly: true })).map((n) => n.e164)).to.deep.equal([TF]);
      const sub = await db.numbers.subscribe(TF, b);
      expect(sub.startedAt).to.equal(releasedAt + 30 * DAY_MS);
      expect((await db.numbers.routeFor(TF))?.accountId).to.equal(b);
    });

    it('the quarantine length follows the quarantineDays option (7 days)', async () => {
      await db.close();
      db = await openTestDb({ now: clock.now, quarantineDays: 7 });
      const a = await newAccount();
      await db.numbers.add(TF, 'toll_free');
      await db.numbers.subscribe(TF, a);
      await db.numbers.unsubscribe(TF, a);
      expect((await db.numbers.get(TF)).availableAt).to.equal(T0 + 7 * DAY_MS);
      clock.t = T0 + 7 * DAY_MS;
      expect((await db.numbers.get(TF)).state).to.equal('available');
    });

    it('history is kept: subscriptionsFor lists the ended subscription with its endedAt, then the new one', async () => {
      const a = await newAccount();
      await db.numbers.add(TF, 'toll_free');
      await db.numbers.subscribe(TF, a);
      clock.advance(2_000);
      await db.numbers.unsubscribe(TF, a);
      clock.advance(31 * DAY_MS);
      await db.numbers.subscribe(TF, a);
      const subs = await db.numbers.subscriptionsFor(a);
      expect(subs.map((s) => ({ e164: s.e164, startedAt: s.startedAt, endedAt: s.endedAt }))).to.deep.equal([
        { e164: TF, startedAt: T0, endedAt: T0 + 2_000 },
        { e164: TF, startedAt: T0 + 2_000 + 31 * DAY_MS, endedAt: null },
      ]);
    });

    it('unsubscribing a number the account does not hold throws NotSubscribed', async () => {
      const a = await newAccount();
      const b = await newAccount();
      await db.numbers.add(TF, 'toll_free');
      await rejectsWith(db.numbers.unsubscribe(TF, a), 'NotSubscribed');
      await db.numbers.subscribe(TF, a);
      await rejectsWith(db.numbers.unsubscribe(TF, b), 'NotSubscribed');
      await db.numbers.unsubscribe(TF, a);
      await rejectsWith(db.numbers.unsubscribe(TF, a), 'NotSubscribed');
    });

    it('unsubscribe returns the period usage, including a leg still open rated up to now', async () => {
      const a = await newAccount();
      await db.numbers.add(TF, 'toll_free');
      const sub = await db.numbers.subscribe(TF, a);
      await openLeg(db, sub, 'closed-1', T0 + 1_000);
      await db.ledger.closeLeg('closed-1', T0 + 1_000 + 30_000); // 30 s -> 60 billable -> 20000
      await openLeg(db, sub, 'open-1', T0 + 2_000);
      clock.t = T0 + 2_000 + 90_000; // the open leg has run 90 s -> 120 billable -> 40000
      const { usage } = await db.numbers.unsubscribe(TF, a);
      expect(usage).to.deep.equal({ period: '2026-03', legs: 2, openLegs: 1, seconds: 120, billableSeconds: 180, amountMicros: 60_000 });
    });
  });
});
