import { expect } from 'chai';
import { matchEntry, matchOnTimeout } from '../../ivr/digit-matcher.js';

describe('digit matcher', () => {
  const rule = { maxDigits: 8 };

  it('is incomplete until the terminator arrives', () => {
    expect(matchEntry('', rule)).to.deep.equal({ kind: 'incomplete' });
    expect(matchEntry('1133', rule)).to.deep.equal({ kind: 'incomplete' });
  });

  it('completes on # and keeps digits typed after it for the next prompt', () => {
    expect(matchEntry('11331133#12', rule)).to.deep.equal({ kind: 'complete', value: '11331133', rest: '12' });
  });

  it('rejects an empty entry, a star, and too many digits', () => {
    expect(matchEntry('#', rule).kind).to.equal('invalid');
    expect(matchEntry('12*4#', rule).kind).to.equal('invalid');
    expect(matchEntry('123456789', rule).kind).to.equal('invalid');
    expect(matchEntry('123456789#', rule).kind).to.equal('invalid');
  });

  it('on timeout takes what was typed, or says there was no input', () => {
    expect(matchOnTimeout('4321', rule)).to.deep.equal({ kind: 'complete', value: '4321', rest: '' });
    expect(matchOnTimeout('', rule)).to.deep.equal({ kind: 'no-input' });
    expect(matchOnTimeout('12*', rule).kind).to.equal('invalid');
  });
});
