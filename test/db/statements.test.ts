// Monthly statements: lines per number, half-up cent rounding once per line, month
// boundaries, frozen final statements with late entries carried forward, CSV, and a property
// test relating lines to the ledger.
import { expect } from 'chai';
import fc from 'fast-check';
import type { Database, Statement } from '../../db/index.js';
import { roundToCents } from '../../domain/money.js';
import type { Subscription } from '../../db/types.js';
import { accountWithNumber, Clock, openCallback, openLeg, openTestDb, rejectsWith } from './helpers.js';

const MARCH = Date.UTC(2026, 2, 10, 12);
const MARCH_LAST_MS = Date.UTC(2026, 2, 31, 23, 59, 59, 999);
const APRIL_2 = Date.UTC(2026, 3, 2, 9);
const TF1 = '+18005550101';
const TF2 = '+18005550102';

describe('db: statements', function () {
  this.timeout(30_000);
  let db: Database;
  let clock: Clock;

  beforeEach(async () => {
    clock = new Clock(MARCH);
    db = await openTestDb({ now: clock.now });
  });
  afterEach(async () => {
    await db?.close();
  });

  /** A closed leg of `seconds` answered at `at`. */
  let seq = 0;
  const leg = async (sub: Subscription, at: number, seconds: number): Promise<number> => {
    const channel = `st-${++seq}`;
    await openLeg(db, sub, channel, at);
    return (await db.ledger.closeLeg(channel, at + seconds * 1000))!.id;
  };

  describe('lines', () => {
    it('gives one line per number with legs, billable minutes and the rounded amount, sorted by number', async () => {
      const { accountId, sub } = await accountWithNumber(db, TF2);
      await db.numbers.add(TF1, 'toll_free');
      const sub1 = await db.numbers.subscribe(TF1, accountId);
      await leg(sub, MARCH + 1_000, 61); // 120 s -> 40000
      await leg(sub, MARCH + 2_000, 30); // 60 s -> 20000
      await leg(sub1, MARCH + 3_000, 90); // 120 s -> 40000
      clock.t = MARCH + 3_600_000;
      const st = await db.statements.build(accountId, '2026-03');
      expect(st).to.deep.include({ accountId, period: '2026-03', status: 'provisional', generatedAt: MARCH + 3_600_000, totalMicros: 100_000, total: '0.10', openLegs: 0 });
      expect(st.lines).to.deep.equal([
        { e164: TF1, kind: 'toll_free', legs: 1, participants: 1, adjustments: 0, lateEntries: 0, billableSeconds: 120, billableMinutes: '2', unroundedMicros: 40_000, amountMicros: 40_000, amount: '0.04' },
        { e164: TF2, kind: 'toll_free', legs: 2, participants: 2, adjustments: 0, lateEntries: 0, billableSeconds: 180, billableMinutes: '3', unroundedMicros: 60_000, amountMicros: 60_000, amount: '0.06' },
      ]);
    });

    it('counts a rejoin (a leg continuing a dropped one) as a leg, billed on its own, but not as another participant', async () => {
      const { accountId, sub } = await accountWithNumber(db, TF1);
      const roomId = (await db.rooms.forAccount(accountId))[0]!.id;
      await openLeg(db, sub, 'dropped', MARCH + 1_000, '+15550001111');
      await db.ledger.closeLeg('dropped', MARCH + 31_000, 'hangup');
      await openLeg(db, sub, 'back', MARCH + 60_000, '+15550001111');
      await db.ledger.assign('back', { roomId, role: 'participant', rejoinOf: 'dropped' });
      await db.ledger.closeLeg('back', MARCH + 90_000, 'left');
      await leg(sub, MARCH + 100_000, 10);
      const st = await db.statements.build(accountId, '2026-03');
      expect(st.lines[0]).to.deep.include({ legs: 3, participants: 2, billableSeconds: 180 });
    });

    it('shows fractional billable minutes exactly (90 billable s -> "1.5")', async () => {
      await db.rates.set('toll_free', { perMinuteMicros: 20_000, incrementSeconds: 1 });
      const { accountId, sub } = await accountWithNumber(db, TF1);
      await leg(sub, MARCH + 1, 90);
      const st = await db.statements.build(accountId, '2026-03');
      expect(st.lines[0]).to.deep.include({ billableSeconds: 90, billableMinutes: '1.5', unroundedMicros: 30_000, amountMicros: 30_000 });
    });

    it('rounds each line once, half-up: six 2500-micro legs (15000, 1.5 cents) make 0.02, five make 0.01', async () => {
      // 15000 micros/min, per second: a 10-second leg costs exactly 2500 micros (0.25 cent).
      await db.rates.set('toll_free', { perMinuteMicros: 15_000, incrementSeconds: 1 });
      const { accountId, sub } = await accountWithNumber(db, TF1);
      await db.numbers.add(TF2, 'toll_free');
      const sub2 = await db.numbers.subscribe(TF2, accountId);
      for (let i = 0; i < 6; i++) await leg(sub, MARCH + 10 + i, 10);
      for (let i = 0; i < 5; i++) await leg(sub2, MARCH + 20 + i, 10); // 12500 -> 0.01
      const st = await db.statements.build(accountId, '2026-03');
      expect(st.lines.map((l) => [l.e164, l.legs, l.unroundedMicros, l.amountMicros, l.amount])).to.deep.equal([
        [TF1, 6, 15_000, 20_000, '0.02'],
        [TF2, 5, 12_500, 10_000, '0.01'],
      ]);
      expect(st.totalMicros).to.equal(30_000);
      expect(st.total).to.equal('0.03');
    });

    it('rounds a line of exactly 0.5 cent (5000 micros) up to one cent', async () => {
      await db.rates.set('toll_free', { perMinuteMicros: 15_000, incrementSeconds: 1 });
      const { accountId, sub } = await accountWithNumber(db, TF1);
      await leg(sub, MARCH + 10, 10); // 2500
      await leg(sub, MARCH + 20, 10); // 2500
      const st = await db.statements.build(accountId, '2026-03');
      expect(st.lines[0]).to.deep.include({ unroundedMicros: 5_000, amountMicros: 10_000, amount: '0.01' });
    });

    it('a leg answered on the last millisecond of March is on the March statement, not April', async () => {
      const { accountId, sub } = await accountWithNumber(db, TF1);
      await leg(sub, MARCH_LAST_MS, 30);
      clock.t = APRIL_2;
      const march = await db.statements.build(accountId, '2026-03');
      const april = await db.statements.build(accountId, '2026-04');
      expect(march.lines.map((l) => l.legs)).to.deep.equal([1]);
      expect(march.totalMicros).to.equal(20_000);
      expect(april.lines).to.deep.equal([]);
      expect(april.totalMicros).to.equal(0);
    });

    it('counts an open leg of the period in openLegs and leaves it off the lines', async () => {
      const { accountId, sub } = await accountWithNumber(db, TF1);
      await openLeg(db, sub, 'open', MARCH + 5);
      const st = await db.statements.build(accountId, '2026-03');
      expect(st.openLegs).to.equal(1);
      expect(st.lines).to.deep.equal([]);
    });

    it('throws InvalidPeriod for "2026-13", "abc" and "2026-1"', async () => {
      const { accountId } = await accountWithNumber(db, TF1);
      for (const p of ['2026-13', 'abc', '2026-1']) await rejectsWith(db.statements.build(accountId, p), 'InvalidPeriod');
    });

    it('an empty period gives no lines and a total of 0.00', async () => {
      const { accountId } = await accountWithNumber(db, TF1);
      const st = await db.statements.build(accountId, '2026-03');
      expect(st).to.deep.include({ lines: [], totalMicros: 0, total: '0.00', openLegs: 0 });
    });
  });

  describe('freezing', () => {
    it('a statement of an unfinished period is provisional and follows new legs', async () => {
      const { accountId, sub } = await accountWithNumber(db, TF1);
      await leg(sub, MARCH + 1, 30);
      const first = await db.statements.build(accountId, '2026-03');
      await leg(sub, MARCH + 2, 30);
      const second = await db.statements.build(accountId, '2026-03');
      expect(first.status).to.equal('provisional');
      expect([first.totalMicros, second.totalMicros]).to.deep.equal([20_000, 40_000]);
    });

    it('a closed period is frozen: after an adjustment and a late-closed leg it is rebuilt identically; the late leg is on April marked late', async () => {
      const { accountId, sub } = await accountWithNumber(db, TF1);
      const onTime = await leg(sub, MARCH + 1_000, 61); // 40000
      await openLeg(db, sub, 'late', MARCH_LAST_MS - 10_000); // left open over the month end
      clock.t = APRIL_2;
      const frozen = await db.statements.build(accountId, '2026-03');
      expect(frozen).to.deep.include({ status: 'final', generatedAt: APRIL_2, totalMicros: 40_000, openLegs: 1 });
      expect(frozen.lines.map((l) => [l.legs, l.lateEntries])).to.deep.equal([[1, 0]]);
      const snapshot = JSON.parse(JSON.stringify(frozen)) as Statement;

      clock.t = APRIL_2 + 60_000;
      await db.ledger.adjust(onTime, -10_000, 'goodwill');
      await db.ledger.closeLeg('late', APRIL_2 + 30_000); // answered in March, closed in April
      clock.t = APRIL_2 + 120_000;

      const again = await db.statements.build(accountId, '2026-03');
      expect(again).to.deep.equal(snapshot);

      const april = await db.statements.build(accountId, '2026-04');
      expect(april.status).to.equal('provisional');
      expect(april.lines).to.have.length(1);
      expect(april.lines[0]).to.deep.include({ e164: TF1, legs: 1, adjustments: 1, lateEntries: 1 });
      const lateLeg = (await db.ledger.findByChannel('late'))!;
      expect(april.lines[0]!.unroundedMicros).to.equal(lateLeg.amountMicros! - 10_000);
      expect(april.totalMicros).to.equal(roundToCents(lateLeg.amountMicros! - 10_000));
    });

    it('once April is frozen too, the late March leg is on April only, not on May', async () => {
      const { accountId, sub } = await accountWithNumber(db, TF1);
      await openLeg(db, sub, 'late', MARCH + 5);
      clock.t = APRIL_2;
      await db.statements.build(accountId, '2026-03');
      await db.ledger.closeLeg('late', APRIL_2);
      clock.t = Date.UTC(2026, 4, 3);
      const april = await db.statements.build(accountId, '2026-04');
      const may = await db.statements.build(accountId, '2026-05');
      expect(april).to.deep.include({ status: 'final' });
      expect(april.lines.map((l) => l.lateEntries)).to.deep.equal([1]);
      expect(may.lines).to.deep.equal([]);
    });

    // Regression: the loser of two concurrent builds of a closed period used to get a raw
    // UNIQUE-constraint error on statements(account_id, period) instead of the frozen statement.
    it('two builds of the same closed period at once both return the same final statement, no raw SQL error', async () => {
      const { accountId, sub } = await accountWithNumber(db, TF1);
      await leg(sub, MARCH + 1, 30);
      clock.t = APRIL_2;
      const results = await Promise.allSettled([db.statements.build(accountId, '2026-03'), db.statements.build(accountId, '2026-03')]);
      const reasons = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason));
      expect(reasons, 'concurrent builds of a closed period').to.deep.equal([]);
      const [a, b] = results.map((r) => (r as PromiseFulfilledResult<Statement>).value);
      expect(a).to.deep.equal(b);
    });
  });

  describe('CSV', () => {
    it('has a header, one row per number and a TOTAL row', async () => {
      const { accountId, sub } = await accountWithNumber(db, TF1);
      await db.numbers.add(TF2, 'toll_free');
      const sub2 = await db.numbers.subscribe(TF2, accountId);
      await leg(sub, MARCH + 1, 61);
      await leg(sub2, MARCH + 2, 30);
      const csv = db.statements.toCsv(await db.statements.build(accountId, '2026-03'));
      expect(csv).to.equal(
        [
          'period,number,kind,legs,adjustments,late_entries,billable_seconds,billable_minutes,amount',
          `2026-03,${TF1},toll_free,1,0,0,120,2,0.04`,
          `2026-03,${TF2},toll_free,1,0,0,60,1,0.02`,
          '2026-03,TOTAL,,,,,,,0.06',
          '',
        ].join('\n'),
      );
    });
  });

  describe('callbacks', () => {
    /** A closed callback leg (the bridge's call back to a waiting participant) of `seconds` answered at `at`. */
    const callback = async (sub: Subscription, at: number, seconds: number): Promise<number> => {
      const channel = `cb-${++seq}`;
      await openCallback(db, sub, channel, at);
      return (await db.ledger.closeLeg(channel, at + seconds * 1000))!.id;
    };

    it('callbacks are on a line of their own with their subtotal, the number\'s line keeps its inbound legs, the total is both; without callbacks there is no such line', async () => {
      const { accountId, sub } = await accountWithNumber(db, TF1);
      await leg(sub, MARCH + 1_000, 61); // 120 s at 0.02 -> 40000
      await callback(sub, MARCH + 2_000, 150); // 180 s at 0.03 -> 90000
      await callback(sub, MARCH + 3_000, 20); // 60 s at 0.03 -> 30000
      const { sub: other } = await accountWithNumber(db, TF2);
      await leg(other, MARCH + 4_000, 30);
      clock.t = MARCH + 3_600_000;
      const st = await db.statements.build(accountId, '2026-03');
      expect(st.lines).to.deep.equal([
        { e164: TF1, kind: 'toll_free', legs: 1, participants: 1, adjustments: 0, lateEntries: 0, billableSeconds: 120, billableMinutes: '2', unroundedMicros: 40_000, amountMicros: 40_000, amount: '0.04' },
      ]);
      expect(st.callbacks).to.deep.equal({ legs: 2, adjustments: 0, lateEntries: 0, billableSeconds: 240, billableMinutes: '4', unroundedMicros: 120_000, amountMicros: 120_000, amount: '0.12' });
      expect(st).to.deep.include({ totalMicros: 160_000, total: '0.16', openLegs: 0 });
      expect(db.statements.toCsv(st)).to.equal(
        [
          'period,number,kind,legs,adjustments,late_entries,billable_seconds,billable_minutes,amount',
          `2026-03,${TF1},toll_free,1,0,0,120,2,0.04`,
          '2026-03,Callbacks,callback,2,0,0,240,4,0.12',
          '2026-03,TOTAL,,,,,,,0.16',
          '',
        ].join('\n'),
      );
      const withoutCallbacks = await db.statements.build(other.accountId, '2026-03');
      expect(withoutCallbacks).to.not.have.property('callbacks');
      expect(db.statements.toCsv(withoutCallbacks)).to.not.contain('Callbacks');
    });

    it('the callbacks\' line is rounded once, like a number\'s: three callbacks of 10 s at 0.005 (2500 micros each) make 0.01', async () => {
      const { accountId, sub } = await accountWithNumber(db, TF1);
      clock.t = MARCH;
      await db.rates.set('callback', { perMinuteMicros: 5_000, incrementSeconds: 30 });
      for (let i = 1; i <= 3; i++) await callback(sub, MARCH + i * 1_000, 10);
      const st = await db.statements.build(accountId, '2026-03');
      expect(st.callbacks).to.deep.include({ legs: 3, billableSeconds: 90, billableMinutes: '1.5', unroundedMicros: 7_500, amountMicros: 10_000, amount: '0.01' });
      expect(st.totalMicros).to.equal(10_000);
    });

    it('a frozen statement keeps its callbacks; a late callback and a correction of one go on the next month\'s callbacks, marked late', async () => {
      const { accountId, sub } = await accountWithNumber(db, TF1);
      const onTime = await callback(sub, MARCH + 1_000, 60); // 30000
      await openCallback(db, sub, 'late-cb', MARCH_LAST_MS - 10_000);
      clock.t = APRIL_2;
      const frozen = await db.statements.build(accountId, '2026-03');
      expect(frozen).to.deep.include({ status: 'final', lines: [], totalMicros: 30_000, openLegs: 1 });
      expect(frozen.callbacks).to.deep.include({ legs: 1, lateEntries: 0, amountMicros: 30_000 });
      clock.t = APRIL_2 + 60_000;
      await db.ledger.adjust(onTime, -30_000, 'refund');
      await db.ledger.closeLeg('late-cb', APRIL_2 + 50_000);
      expect(await db.statements.build(accountId, '2026-03')).to.deep.equal(frozen);
      const april = await db.statements.build(accountId, '2026-04');
      expect(april.lines).to.deep.equal([]);
      const late = (await db.ledger.findByChannel('late-cb'))!;
      expect(april.callbacks).to.deep.include({ legs: 1, adjustments: 1, lateEntries: 1, unroundedMicros: late.amountMicros! - 30_000 });
    });

    it('usage so far counts callbacks apart as well as in the totals, a callback in progress rated up to now', async () => {
      const { accountId, sub } = await accountWithNumber(db, TF1);
      await leg(sub, MARCH + 1_000, 61); // 40000
      await callback(sub, MARCH + 2_000, 150); // 90000
      await openCallback(db, sub, 'cb-open', MARCH + 10_000);
      clock.t = MARCH + 10_000 + 61_000; // the open one: 61 s -> 120 s at 0.03 = 60000
      const usage = await db.ledger.usage(accountId, { numberId: sub.numberId });
      expect(usage).to.deep.include({ legs: 3, openLegs: 1, billableSeconds: 420, amountMicros: 190_000 });
      expect(usage.callbacks).to.deep.equal({ legs: 2, openLegs: 1, seconds: 211, billableSeconds: 300, amountMicros: 150_000 });
      const { accountId: plain, sub: plainSub } = await accountWithNumber(db, TF2);
      await leg(plainSub, MARCH + 1_000, 30);
      expect(await db.ledger.usage(plain)).to.not.have.property('callbacks');
    });
  });

  describe('property: lines agree with the ledger', () => {
    it('each line is its legs rounded once, the total is the sum of lines, and nothing is lost (50 runs)', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 3 }),
          fc.array(
            fc.record({
              numberIndex: fc.nat({ max: 2 }),
              seconds: fc.integer({ min: 0, max: 7200 }),
              extraMs: fc.integer({ min: 0, max: 999 }),
              perMinuteMicros: fc.integer({ min: 0, max: 500_000 }),
              incrementSeconds: fc.constantFrom(1, 6, 30, 60),
              minimumSeconds: fc.constantFrom(0, 30, 60),
            }),
            { maxLength: 20 },
          ),
          async (numberCount, legs) => {
            run++;
            clock.t = MARCH;
            const { account } = await db.accounts.create({ name: `P${run}`, email: `p${run}@example.test` });
            const subs: Subscription[] = [];
            for (let i = 0; i < numberCount; i++) {
              const e164 = `+1800${String(run).padStart(3, '0')}${String(i).padStart(4, '0')}`;
              await db.numbers.add(e164, 'toll_free');
              subs.push(await db.numbers.subscribe(e164, account.id));
            }
            for (const [i, l] of legs.entries()) {
              clock.t = MARCH + (i + 1) * 10_000_000;
              await db.rates.set('toll_free', { perMinuteMicros: l.perMinuteMicros, incrementSeconds: l.incrementSeconds, minimumSeconds: l.minimumSeconds });
              const at = clock.t + 1;
              const sub = subs[l.numberIndex % numberCount]!;
              await openLeg(db, sub, `p${run}-${i}`, at);
              await db.ledger.closeLeg(`p${run}-${i}`, at + l.seconds * 1000 + (l.seconds > 0 ? l.extraMs : 0));
            }
            const st = await db.statements.build(account.id, '2026-03');
            const entries = await db.ledger.legsFor(account.id);
            expect(entries).to.have.length(legs.length);
            for (const line of st.lines) {
              const mine = entries.filter((e) => e.dialled === line.e164);
              const sum = mine.reduce((s, e) => s + e.amountMicros!, 0);
              expect(line.legs).to.equal(mine.length);
              expect(line.unroundedMicros).to.equal(sum);
              expect(line.amountMicros).to.equal(roundToCents(sum));
              expect(line.billableSeconds).to.equal(mine.reduce((s, e) => s + e.billableSeconds!, 0));
            }
            expect(st.totalMicros).to.equal(st.lines.reduce((s, l) => s + l.amountMicros, 0));
            expect(entries.reduce((s, e) => s + e.amountMicros!, 0)).to.equal(st.lines.reduce((s, l) => s + l.unroundedMicros, 0));
            expect(st.lines.reduce((s, l) => s + l.legs, 0)).to.equal(legs.length);
          },
        ),
        { numRuns: 50 },
      );
    });
  });
});
