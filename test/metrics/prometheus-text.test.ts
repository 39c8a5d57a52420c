import { expect } from 'chai';
import { parseExposition } from '../support/prometheus-text.js';

describe('the tests\' reader of the Prometheus text format', () => {
  it('reads NaN in the spelling prom-client writes for an empty summary (Nan), and Inf', () => {
    const text = [
      '# TYPE nodejs_eventloop_lag_mean_seconds gauge',
      'nodejs_eventloop_lag_mean_seconds Nan',
      'le_bucket{le="+Inf"} +Inf',
      'plain 1.5e-3',
    ].join('\n');
    const read = parseExposition(text);
    expect(read.value('nodejs_eventloop_lag_mean_seconds')).to.be.NaN;
    expect(read.value('le_bucket', { le: '+Inf' })).to.equal(Number.POSITIVE_INFINITY);
    expect(read.value('plain')).to.equal(0.0015);
  });

  it('still refuses a line that is not a sample', () => {
    expect(() => parseExposition('name value-that-is-words')).to.throw(/not a sample line/);
  });
});
