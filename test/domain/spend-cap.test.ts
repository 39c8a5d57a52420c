// A room's spend cap, pure: the spend from closed and open entries, and the level to the cent.
import { expect } from 'chai';
import type { AppliedRate } from '../../domain/billing.js';
import { MICROS_PER_CENT, parseMoney } from '../../domain/money.js';
import { spendCapProblem, spendLevel, spentMicros, type SpendEntry } from '../../domain/spend-cap.js';

// 0.06 a minute, billed by the minute: a started minute costs 60,000 micros (6 cents).
const RATE: AppliedRate = { perMinuteMicros: 60_000, incrementSeconds: 60, minimumSeconds: 0 };
const T0 = Date.UTC(2026, 11, 3, 9);
const closed = (amountMicros: number): SpendEntry => ({ answeredAt: T0, endedAt: T0 + 60_000, amountMicros, rate: RATE });
const open = (answeredAt: number): SpendEntry => ({ answeredAt, endedAt: null, amountMicros: null, rate: RATE });

describe('domain/spend-cap', () => {
  describe('spentMicros', () => {
    it('sums closed entries at their amounts, adjustments with their sign', () => {
      expect(spentMicros([closed(120_000), closed(60_000), closed(-30_000)], T0)).to.equal(150_000);
    });

    it('rates a leg in progress as if it ended now: seconds rounded up, then the increment', () => {
      // 60.001 s -> 61 s -> two started minutes -> 120,000 micros.
      expect(spentMicros([open(T0)], T0 + 60_001)).to.equal(120_000);
      expect(spentMicros([open(T0)], T0 + 60_000)).to.equal(60_000);
      // Answered a moment ago: 0 s costs nothing yet.
      expect(spentMicros([open(T0)], T0)).to.equal(0);
    });

    it('uses the rate each leg carries, exactly', () => {
      const third: SpendEntry = { answeredAt: T0, endedAt: null, amountMicros: null, rate: { perMinuteMicros: 10_001, incrementSeconds: 1, minimumSeconds: 0 } };
      // 7 s x 10,001 / 60 = 1166.78... -> 1167 (half-up, as the ledger closes it).
      expect(spentMicros([third], T0 + 7_000)).to.equal(1167);
    });

    it('an open leg whose answer lies after now (clocks apart) costs nothing', () => {
      expect(spentMicros([open(T0 + 5_000)], T0)).to.equal(0);
    });
  });

  describe('spendLevel, to the cent', () => {
    const cap = { monthlyMicros: parseMoney('25.00') };

    it('one cent under the cap: warning, not reached (still admitted)', () => {
      expect(spendLevel(cap.monthlyMicros - MICROS_PER_CENT, cap)).to.equal('warning');
    });

    it('at the cap exactly: reached', () => {
      expect(spendLevel(cap.monthlyMicros, cap)).to.equal('reached');
      expect(spendLevel(cap.monthlyMicros + 1, cap)).to.equal('reached');
    });

    it('80 % exactly warns; a micro less does not', () => {
      expect(spendLevel(parseMoney('20.00'), cap)).to.equal('warning');
      expect(spendLevel(parseMoney('20.00') - 1, cap)).to.equal('under');
      expect(spendLevel(0, cap)).to.equal('under');
    });

    it('open legs count: a call in progress tips the room over its cap', () => {
      const small = { monthlyMicros: parseMoney('0.12') };
      const entries = [closed(60_000), open(T0)];
      expect(spendLevel(spentMicros(entries, T0 + 30_000), small)).to.equal('reached');
      expect(spendLevel(spentMicros([closed(60_000)], T0 + 30_000), small)).to.equal('under');
    });
  });

  describe('spendCapProblem', () => {
    it('takes a positive cap and a grace from 0 s to a day, or none', () => {
      expect(spendCapProblem({ monthlyMicros: 1, graceSeconds: null })).to.equal(null);
      expect(spendCapProblem({ monthlyMicros: 25_000_000, graceSeconds: 0 })).to.equal(null);
      expect(spendCapProblem({ monthlyMicros: 25_000_000, graceSeconds: 86_400 })).to.equal(null);
    });

    it('refuses a cap of 0 and a grace out of range or not whole', () => {
      expect(spendCapProblem({ monthlyMicros: 0, graceSeconds: null })).to.match(/above 0/);
      expect(spendCapProblem({ monthlyMicros: 1, graceSeconds: -1 })).to.match(/grace/);
      expect(spendCapProblem({ monthlyMicros: 1, graceSeconds: 86_401 })).to.match(/grace/);
      expect(spendCapProblem({ monthlyMicros: 1, graceSeconds: 1.5 })).to.match(/grace/);
    });
  });
});
