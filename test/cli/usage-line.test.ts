// `tollbridge usage` shows why each closed leg ended (usage_ledger.end_reason).
import { expect } from 'chai';
import { entryLine } from '../../cli/usage.js';
import type { LedgerEntry } from '../../db/index.js';

const leg: LedgerEntry = {
  id: 1, entryKind: 'leg', channelId: 'ch-1', correctsId: null, accountId: 1, subscriptionId: 1, numberId: 1, dialled: '+18005550100',
  roomId: 1, role: 'participant', callerNumber: '+15550001111', answeredAt: Date.UTC(2026, 11, 1, 9), endedAt: Date.UTC(2026, 11, 1, 9, 30),
  seconds: 1800, billableSeconds: 1800, ratePerMinuteMicros: 20_000, rateIncrementSeconds: 60, rateMinimumSeconds: 0, amountMicros: 600_000,
  note: null, createdAt: Date.UTC(2026, 11, 1, 9), endReason: 'moderator-wait-limit', rejoinOf: null, legKind: 'inbound',
};

describe('tollbridge usage: a leg line', () => {
  it('says why a closed leg ended', () => {
    expect(entryLine(leg)).to.match(/participant from \+15550001111; ended: moderator-wait-limit$/);
  });
  it('says nothing of a reason for a leg still open or closed before reasons were recorded', () => {
    expect(entryLine({ ...leg, endedAt: null, seconds: null, amountMicros: null, endReason: null })).to.match(/in progress.*participant from \+15550001111$/);
    expect(entryLine({ ...leg, endReason: null })).to.match(/participant from \+15550001111$/);
  });
  it('shows a callback leg as the call the bridge placed to the participant', () => {
    expect(entryLine({ ...leg, legKind: 'callback', endReason: 'hangup', ratePerMinuteMicros: 30_000, amountMicros: 900_000 })).to.match(/0\.90 +participant called back at \+15550001111; ended: hangup$/);
  });
});
