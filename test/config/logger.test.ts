// The process logger: secrets redacted, caller numbers cut to their last two digits.
import { expect } from 'chai';
import { createLogger } from '../../config/logger.js';

function linesOf(log: (logger: ReturnType<typeof createLogger>) => void): string {
  const lines: string[] = [];
  log(createLogger('info', { write: (line: string) => void lines.push(line) }));
  return lines.join('');
}

describe('process logger', () => {
  it('keeps only the last two digits of a caller number, at the top, one level down and in a journal record; PINs and passwords redacted', () => {
    const out = linesOf((log) => {
      log.warn({ callerNumber: '+15551234567', pin: '4321' }, 'locked');
      log.info({ attempt: { callerNumber: '+15557654321', password: 'hunter2' } }, 'nested');
      log.error({ record: { op: 'open', leg: { channelId: 'c1', callerNumber: '+15550009988' } } }, 'skipped');
      log.info({ callerNumber: null }, 'withheld');
    });
    for (const plain of ['+15551234567', '+15557654321', '+15550009988', '4321', 'hunter2']) expect(out).not.to.include(plain);
    expect(out).to.include('"callerNumber":"…67"').and.include('"callerNumber":"…21"').and.include('"callerNumber":"…88"');
    expect(out).to.include('"pin":"[redacted]"').and.include('"password":"[redacted]"').and.include('"callerNumber":null');
  });
});
