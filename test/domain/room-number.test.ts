// Room numbers: 8 digits, no leading zero, Luhn check digit; random numbers are always valid.
import { expect } from 'chai';
import fc from 'fast-check';
import { isValidRoomNumber, luhnCheckDigit, randomRoomNumber } from '../../domain/room-number.js';

/** A valid number from a 7-digit body. */
const withCheck = (body: string) => body + String(luhnCheckDigit(body));

describe('domain/room-number', () => {
  it('accepts known valid Luhn numbers (12345674, 79927398)', () => {
    expect(isValidRoomNumber('12345674')).to.equal(true);
    expect(isValidRoomNumber('79927398')).to.equal(true);
  });

  it('computes the Luhn check digit of 1234567 as 4', () => {
    expect(luhnCheckDigit('1234567')).to.equal(4);
  });

  it('rejects a number whose check digit is wrong (12345675)', () => {
    expect(isValidRoomNumber('12345675')).to.equal(false);
  });

  it('rejects a leading zero even with a correct check digit', () => {
    const n = withCheck('0123456');
    expect(n).to.have.length(8);
    expect(isValidRoomNumber(n)).to.equal(false);
  });

  it('rejects 7-digit and 9-digit numbers that pass the Luhn check', () => {
    expect(isValidRoomNumber(withCheck('123456'))).to.equal(false);
    expect(isValidRoomNumber(withCheck('12345678'))).to.equal(false);
  });

  it('rejects letters, spaces and empty input', () => {
    for (const s of ['', '1234567a', '1234 5674', ' 12345674', '12345674 ', 'abcdefgh']) expect(isValidRoomNumber(s), s).to.equal(false);
  });

  it('rejects every single mistyped digit of a valid number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000_000, max: 9_999_999 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 9 }), (body, pos, delta) => {
        const valid = withCheck(String(body));
        const digits = valid.split('');
        digits[pos] = String((Number(digits[pos]) + delta) % 10);
        const typo = digits.join('');
        expect(isValidRoomNumber(valid)).to.equal(true);
        expect(isValidRoomNumber(typo), `${valid} mistyped as ${typo}`).to.equal(false);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects every adjacent transposition of different digits (other than 0<->9, which Luhn cannot see)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000_000, max: 9_999_999 }), fc.integer({ min: 0, max: 6 }), (body, pos) => {
        const valid = withCheck(String(body));
        const a = valid[pos]!;
        const b = valid[pos + 1]!;
        fc.pre(a !== b && !((a === '0' && b === '9') || (a === '9' && b === '0')));
        const swapped = valid.slice(0, pos) + b + a + valid.slice(pos + 2);
        expect(isValidRoomNumber(swapped), `${valid} transposed as ${swapped}`).to.equal(false);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects the concrete transposition 12345674 -> 21345674', () => {
    expect(isValidRoomNumber('21345674')).to.equal(false);
  });

  it('randomRoomNumber gives 1000 valid 8-digit numbers with no leading zero', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const n = randomRoomNumber();
      expect(n, n).to.match(/^[1-9]\d{7}$/);
      expect(isValidRoomNumber(n), n).to.equal(true);
      seen.add(n);
    }
    // 9 million possibilities: 1000 draws are essentially all distinct (random, not sequential).
    expect(seen.size).to.be.greaterThan(990);
  });
});
