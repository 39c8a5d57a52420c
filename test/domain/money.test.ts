// Money is integer micros: parsing, formatting and half-up rounding, exactly.
import { expect } from 'chai';
import { DomainError, InvalidMoney } from '../../domain/errors.js';
import { divideHalfUp, formatMoney, parseMoney, roundToCents } from '../../domain/money.js';

describe('domain/money', () => {
  describe('parseMoney', () => {
    const good: Array<[string, number]> = [
      ['0.015', 15_000],
      ['1', 1_000_000],
      ['0', 0],
      ['0.000001', 1],
      ['12.5', 12_500_000],
      ['  2.25  ', 2_250_000],
      ['999999999.999999', 999_999_999_999_999],
    ];
    for (const [text, micros] of good) {
      it(`parses "${text}" as ${micros} micros`, () => {
        expect(parseMoney(text)).to.equal(micros);
      });
    }

    const bad = ['', ' ', '-1', '+1', '1e3', '0.0000001', 'abc', '1.', '.5', '1,5', '1.2.3', '1234567890'];
    for (const text of bad) {
      it(`rejects "${text}" with InvalidMoney`, () => {
        expect(() => parseMoney(text)).to.throw(InvalidMoney);
      });
    }

    it('gives the error the code InvalidMoney and names the input in the message', () => {
      try {
        parseMoney('abc');
        expect.fail('parseMoney should have thrown');
      } catch (err) {
        expect(err).to.be.instanceOf(InvalidMoney);
        expect((err as DomainError).code).to.equal('InvalidMoney');
        expect((err as Error).message).to.contain('"abc"');
      }
    });
  });

  describe('formatMoney', () => {
    it('formats 15000 micros with six decimals as "0.015000"', () => {
      expect(formatMoney(15_000)).to.equal('0.015000');
    });
    it('formats 1234567 micros with two decimals as "1.23"', () => {
      expect(formatMoney(1_234_567, 2)).to.equal('1.23');
    });
    it('formats zero with two decimals as "0.00"', () => {
      expect(formatMoney(0, 2)).to.equal('0.00');
    });
    it('keeps the sign of a negative amount: -50000 micros is "-0.05"', () => {
      expect(formatMoney(-50_000, 2)).to.equal('-0.05');
    });
    it('formats with zero decimals as the whole units only', () => {
      expect(formatMoney(7_900_000, 0)).to.equal('7');
    });
    it('round-trips through parseMoney for a six-decimal amount', () => {
      expect(parseMoney(formatMoney(123_456_789))).to.equal(123_456_789);
    });
  });

  describe('divideHalfUp', () => {
    it('rounds an exact .5 quotient up for positive numbers (5/2 -> 3)', () => {
      expect(divideHalfUp(5n, 2n)).to.equal(3n);
    });
    it('rounds an exact .5 quotient away from zero for negative numbers (-5/2 -> -3)', () => {
      expect(divideHalfUp(-5n, 2n)).to.equal(-3n);
      expect(divideHalfUp(5n, -2n)).to.equal(-3n);
    });
    it('rounds below .5 down and above .5 up (14/10 -> 1, 16/10 -> 2, -14/10 -> -1, -16/10 -> -2)', () => {
      expect(divideHalfUp(14n, 10n)).to.equal(1n);
      expect(divideHalfUp(16n, 10n)).to.equal(2n);
      expect(divideHalfUp(-14n, 10n)).to.equal(-1n);
      expect(divideHalfUp(-16n, 10n)).to.equal(-2n);
    });
    it('returns exact quotients unchanged (-6/-3 -> 2, 0/7 -> 0)', () => {
      expect(divideHalfUp(-6n, -3n)).to.equal(2n);
      expect(divideHalfUp(0n, 7n)).to.equal(0n);
    });
  });

  describe('roundToCents', () => {
    it('rounds 15000 micros (1.5 cents) up to 20000', () => {
      expect(roundToCents(15_000)).to.equal(20_000);
    });
    it('rounds 14999 micros down to 10000 and 4999 down to 0', () => {
      expect(roundToCents(14_999)).to.equal(10_000);
      expect(roundToCents(4_999)).to.equal(0);
    });
    it('rounds -15000 micros away from zero to -20000 and -14999 to -10000', () => {
      expect(roundToCents(-15_000)).to.equal(-20_000);
      expect(roundToCents(-14_999)).to.equal(-10_000);
    });
    it('leaves whole cents unchanged (1230000 -> 1230000)', () => {
      expect(roundToCents(1_230_000)).to.equal(1_230_000);
    });
  });
});
