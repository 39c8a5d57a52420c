// The billing rules, pure: seconds, billable seconds, amounts and calendar periods (UTC).
import { expect } from 'chai';
import { billableSeconds, legAmount, legSeconds, periodBounds, periodOf, rateLeg, type AppliedRate } from '../../domain/billing.js';

const perMinute = (incrementSeconds: number, minimumSeconds = 0, perMinuteMicros = 20_000): AppliedRate => ({ perMinuteMicros, incrementSeconds, minimumSeconds });

describe('domain/billing', () => {
  describe('legSeconds rounds the duration up to whole seconds', () => {
    const cases: Array<[number, number]> = [
      [0, 0],
      [1, 1],
      [999, 1],
      [1000, 1],
      [59_000, 59],
      [59_001, 60],
      [60_000, 60],
      [60_001, 61],
    ];
    for (const [ms, seconds] of cases) {
      it(`${ms} ms -> ${seconds} s`, () => {
        const answered = Date.UTC(2026, 0, 5, 10);
        expect(legSeconds(answered, answered + ms)).to.equal(seconds);
      });
    }
    it('an end before the answer counts as 0 s', () => {
      expect(legSeconds(10_000, 5_000)).to.equal(0);
    });
  });

  describe('billableSeconds', () => {
    const byMinute: Array<[number, number]> = [
      [0, 0],
      [1, 60],
      [59, 60],
      [60, 60],
      [61, 120],
    ];
    for (const [seconds, billable] of byMinute) {
      it(`increment 60: ${seconds} s -> ${billable} billable s`, () => {
        expect(billableSeconds(seconds, perMinute(60))).to.equal(billable);
      });
    }
    it('increment 6: 0 -> 0, 1 -> 6, 6 -> 6, 7 -> 12, 61 -> 66', () => {
      expect([0, 1, 6, 7, 61].map((s) => billableSeconds(s, perMinute(6)))).to.deep.equal([0, 6, 6, 12, 66]);
    });
    it('increment 1: every second counts as itself (0, 1, 59, 61)', () => {
      expect([0, 1, 59, 61].map((s) => billableSeconds(s, perMinute(1)))).to.deep.equal([0, 1, 59, 61]);
    });
    it('a minimum of 30 s lifts a 5-second leg to 30 but leaves a 31-second leg at 31 (increment 1)', () => {
      expect(billableSeconds(5, perMinute(1, 30))).to.equal(30);
      expect(billableSeconds(31, perMinute(1, 30))).to.equal(31);
    });
    it('a minimum does not apply to a 0-second leg', () => {
      expect(billableSeconds(0, perMinute(1, 30))).to.equal(0);
    });
    it('a minimum of 90 s with increment 60: 1 s -> 90, 91 s -> 120', () => {
      expect(billableSeconds(1, perMinute(60, 90))).to.equal(90);
      expect(billableSeconds(91, perMinute(60, 90))).to.equal(120);
    });
  });

  describe('legAmount', () => {
    it('a fractional-cent rate (15000 micros/min) for 61 billable s is 15250 micros', () => {
      expect(legAmount(61, perMinute(1, 0, 15_000))).to.equal(15_250);
    });
    it('rounds half-up to a micro: 1 s at 30 micros/min is 0.5 -> 1 micro', () => {
      expect(legAmount(1, perMinute(1, 0, 30))).to.equal(1);
    });
    it('rounds below half down: 1 s at 29 micros/min is 0.483 -> 0 micros', () => {
      expect(legAmount(1, perMinute(1, 0, 29))).to.equal(0);
    });
    it('0 billable s costs nothing', () => {
      expect(legAmount(0, perMinute(60))).to.equal(0);
    });
    it('rateLeg: 61 s at 15000/min increment 1 gives 61 s, 61 billable, 15250 micros', () => {
      const answered = Date.UTC(2026, 1, 1);
      expect(rateLeg(answered, answered + 60_001, perMinute(1, 0, 15_000))).to.deep.equal({ seconds: 61, billableSeconds: 61, amountMicros: 15_250 });
    });
    it('rateLeg: 61 s at 20000/min increment 60 bills 120 s, 40000 micros', () => {
      expect(rateLeg(0, 61_000, perMinute(60))).to.deep.equal({ seconds: 61, billableSeconds: 120, amountMicros: 40_000 });
    });
  });

  describe('periodBounds and periodOf', () => {
    it('March 2026 runs from 1 March 00:00 UTC to 1 April 00:00 UTC', () => {
      expect(periodBounds('2026-03')).to.deep.equal({ start: Date.UTC(2026, 2, 1), end: Date.UTC(2026, 3, 1) });
    });
    it('December 2026 ends at 1 January 2027 00:00 UTC', () => {
      expect(periodBounds('2026-12')).to.deep.equal({ start: Date.UTC(2026, 11, 1), end: Date.UTC(2027, 0, 1) });
    });
    it('February 2028 (leap year) is 29 days long', () => {
      const b = periodBounds('2028-02');
      expect(b).to.not.equal(null);
      expect((b!.end - b!.start) / 86_400_000).to.equal(29);
    });
    for (const bad of ['2026-13', '2026-00', 'abc', '2026-1', '26-01', '2026/01', '', '2026-01-01']) {
      it(`"${bad}" is not a period (null)`, () => {
        expect(periodBounds(bad)).to.equal(null);
      });
    }
    it('a leg at 23:59:59.999 on 31 January belongs to 2026-01; one ms later is 2026-02', () => {
      const last = Date.UTC(2026, 0, 31, 23, 59, 59, 999);
      expect(periodOf(last)).to.equal('2026-01');
      expect(periodOf(last + 1)).to.equal('2026-02');
    });
    it('a leg at 23:59:59.999 on 31 December 2026 belongs to 2026-12; one ms later is 2027-01', () => {
      const last = Date.UTC(2026, 11, 31, 23, 59, 59, 999);
      expect(periodOf(last)).to.equal('2026-12');
      expect(periodOf(last + 1)).to.equal('2027-01');
    });
    it('a leg at 23:59:59.999 on 30 April lies inside periodBounds("2026-04")', () => {
      const last = Date.UTC(2026, 3, 30, 23, 59, 59, 999);
      const b = periodBounds('2026-04')!;
      expect(last >= b.start && last < b.end).to.equal(true);
      expect(b.end - last).to.equal(1);
    });
    it('periodOf pads single-digit months ("2026-05")', () => {
      expect(periodOf(Date.UTC(2026, 4, 15))).to.equal('2026-05');
    });
  });
});
