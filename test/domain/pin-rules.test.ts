// What PINs may be set: the pure rule (the repository's use of it: test/db/pin-guard.test.ts).
import { expect } from 'chai';
import { allowedPinCount, trivialPinReason } from '../../domain/pin-rules.js';

describe('PIN rules', () => {
  it('refuses repeated digits, repeated groups and runs up or down; accepts the rest', () => {
    for (const pin of ['0000', '1111', '1234', '4321', '123456', '654321', '0123', '9876', '1212', '123123', '12341234', '88888888']) {
      expect(trivialPinReason(pin), pin).to.be.a('string');
    }
    for (const pin of ['4826', '1739', '2580', '98765430', '482619', '1213', '9012']) expect(trivialPinReason(pin), pin).to.equal(null);
  });

  it('counts what is left to guess: 9,886 four-digit PINs', () => {
    expect(allowedPinCount(4)).to.equal(10_000 - 100 - 14);
    let brute = 0;
    for (let v = 0; v < 10_000; v++) if (trivialPinReason(String(v).padStart(4, '0')) === null) brute++;
    expect(allowedPinCount(4)).to.equal(brute);
  });
});
