// What an account owner may do with the number inventory: limits on subscriptions, brief
// never-called holds released without quarantine, toll-free only, one answer for every number
// the account cannot have, and deactivation serialised with subscribing (a closed account never
// holds a number, and routing ignores closed accounts). SQLite, and PostgreSQL with TOLLBRIDGE_TEST_DB.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import { Clock, DAY_MS, openLeg, openTestDb, rejectsWith } from './helpers.js';

const T0 = Date.UTC(2026, 5, 1, 12);
const LIMITS = { maxNumbersPerAccount: 2, maxSubscribesPerDay: 3, unusedReleaseMs: 60 * 60_000 };

describe('db: owner limits on numbers', function () {
  this.timeout(60_000);
  let db: Database;
  let clock: Clock;
  let seq = 0;
  const newAccount = async () => (await db.accounts.create({ name: `O${++seq}`, email: `o${seq}@limits.test` })).account.id;
  const addTollFree = async (n: number) => (await db.numbers.add(`+1800666${String(n).padStart(4, '0')}`, 'toll_free')).e164;

  beforeEach(async () => {
    clock = new Clock(T0);
    db = await openTestDb({ now: clock.now, quarantineDays: 30, ownerLimits: LIMITS });
  });
  afterEach(async () => db?.close());

  it('an account holds at most maxNumbersPerAccount numbers at once', async () => {
    const a = await newAccount();
    await db.numbers.subscribe(await addTollFree(1), a);
    await db.numbers.subscribe(await addTollFree(2), a);
    const err = await rejectsWith(db.numbers.subscribe(await addTollFree(3), a), 'SubscriptionLimit');
    expect(err.message).to.contain('TOLLBRIDGE_MAX_NUMBERS_PER_ACCOUNT');
    // The operator's CLI is not held to the owners' limits.
    await db.numbers.subscribe('+18006660003', a, { asOperator: true });
  });

  it('an account starts at most maxSubscribesPerDay subscriptions in 24 hours, then again after', async () => {
    const a = await newAccount();
    const n = await addTollFree(10);
    for (let i = 0; i < 3; i++) {
      await db.numbers.subscribe(n, a);
      clock.advance(1000);
      await db.numbers.unsubscribe(n, a);
    }
    const err = await rejectsWith(db.numbers.subscribe(n, a), 'SubscriptionLimit');
    expect(err.message).to.contain('TOLLBRIDGE_MAX_SUBSCRIBES_PER_DAY');
    clock.advance(DAY_MS);
    await db.numbers.subscribe(n, a);
  });

  it('a number held briefly and never called goes back to the inventory at once; a called one, or one held long, rests in quarantine', async () => {
    const a = await newAccount();
    const b = await newAccount();
    const brief = await addTollFree(20);
    await db.numbers.subscribe(brief, a);
    clock.advance(59 * 60_000);
    await db.numbers.unsubscribe(brief, a);
    expect((await db.numbers.get(brief)).state).to.equal('available');
    await db.numbers.subscribe(brief, b);

    const called = await addTollFree(21);
    const sub = await db.numbers.subscribe(called, a);
    await openLeg(db, sub, `limits-${seq}-leg`, clock.now());
    clock.advance(60_000);
    await db.numbers.unsubscribe(called, a);
    expect((await db.numbers.get(called)).state).to.equal('quarantined');

    const long = await addTollFree(22);
    await db.numbers.subscribe(long, a);
    clock.advance(61 * 60_000);
    await db.numbers.unsubscribe(long, a);
    expect((await db.numbers.get(long)).state).to.equal('quarantined');
  });

  it('one answer for a number held by another account, in quarantine, unknown, or not toll-free: nothing about its state', async () => {
    const a = await newAccount();
    const b = await newAccount();
    const taken = await addTollFree(30);
    await db.numbers.subscribe(taken, b);
    const resting = await addTollFree(31);
    await db.numbers.subscribe(resting, b);
    clock.advance(2 * 60 * 60_000);
    await db.numbers.unsubscribe(resting, b);
    expect((await db.numbers.get(resting)).state).to.equal('quarantined');
    const local = (await db.numbers.add('+14155550188', 'local')).e164;
    const unknown = '+18006669999';
    const answers: string[] = [];
    for (const e164 of [taken, resting, local, unknown]) {
      const err = await rejectsWith(db.numbers.subscribe(e164, a), 'NumberNotAvailable');
      answers.push(err.message.replace(e164, 'N'));
    }
    expect(new Set(answers).size, answers.join('\n')).to.equal(1);
    expect(answers[0]).to.not.match(/quarantin|held|another|inventory|local|toll.free/i);
  });

  it('only toll-free numbers are offered to owners', async () => {
    await addTollFree(40);
    await db.numbers.add('+14155550199', 'local');
    // The API's offer (api/routes.ts) lists toll-free available numbers only.
    const offered = await db.numbers.list({ availableOnly: true, kind: 'toll_free' });
    expect(offered.map((n) => n.kind)).to.deep.equal(['toll_free']);
  });

  it('subscribing races deactivation 30 times: a deactivated account never ends up holding a number', async () => {
    const rounds = 30;
    for (let i = 0; i < rounds; i++) {
      const a = await newAccount();
      const n = await addTollFree(100 + i);
      // The subscribe's checks and the deactivation's commit interleave unless they are serialised.
      await Promise.allSettled([db.numbers.subscribe(n, a), db.accounts.deactivate(a)]);
    }
    const held = await db.knex('subscriptions as s')
      .join('accounts as a', 'a.id', 's.account_id')
      .whereNull('s.ended_at')
      .whereNotNull('a.deactivated_at')
      .select('s.id');
    expect(held, 'live subscriptions on deactivated accounts').to.have.length(0);
  });

  it('routing ignores a deactivated account even if a subscription of it were left live', async () => {
    const a = await newAccount();
    const n = await addTollFree(200);
    const sub = await db.numbers.subscribe(n, a);
    expect((await db.numbers.routeFor(n))?.accountId).to.equal(a);
    // As an older release could leave it: the account closed, its subscription still live.
    await db.knex('accounts').where({ id: a }).update({ deactivated_at: clock.now() });
    expect((await db.knex('subscriptions').where({ id: sub.id }).first<{ ended_at: number | null }>('ended_at')).ended_at).to.equal(null);
    expect(await db.numbers.routeFor(n)).to.equal(null);
  });
});
