// tollbridge ledger open | close: recovery of legs a crash left open. A leg is closed with its
// real end time (from the carrier's or Asterisk's records), which rates it then; a closed leg
// never changes, so closing one twice is refused with what it already says. A leg closed here
// records 'operator' as its end reason.
import { LegClosed, LegNotFound, type LedgerEntry } from '../db/index.js';
import { UsageError, type Command } from './command.js';
import { noExtraPositionals, positional, requiredOption, when, withDatabase } from './open-db.js';
import { parseDate } from './usage.js';

function openLine(e: LedgerEntry): string {
  return `${e.channelId ?? '?'}  account ${e.accountId}  ${e.dialled}  answered ${when(e.answeredAt)}  ${e.role} from ${e.callerNumber ?? 'unknown'}`;
}

export const ledgerCommands: Command[] = [
  {
    path: ['ledger', 'open'],
    summary: 'operator: list legs still open (calls in progress, or left open by a crash)',
    usage: 'ledger open',
    optionHelp: [],
    options: {},
    async run(args, io) {
      noExtraPositionals(args, 0);
      const legs = await withDatabase((db) => db.ledger.openLegs());
      io.result(legs, legs.length === 0 ? 'no open legs' : [...legs.map(openLine), `${legs.length} open`].join('\n'));
    },
  },
  {
    path: ['ledger', 'close'],
    summary: 'operator: close a leg a crash left open, at its real end time; it is rated then',
    usage: 'ledger close CHANNEL --ended-at TIME',
    optionHelp: [
      'CHANNEL          the leg\'s Asterisk channel id (tollbridge ledger open lists them)',
      '--ended-at TIME  when the call really ended: an ISO timestamp with its zone, e.g. 2026-11-22T09:41:07.250Z',
    ],
    options: { 'ended-at': { type: 'string' } },
    async run(args, io) {
      const channel = positional(args, 0, 'CHANNEL (the Asterisk channel id of the open leg)');
      noExtraPositionals(args, 1);
      const endedAt = parseDate(requiredOption(args, 'ended-at', 'when the call ended, e.g. --ended-at 2026-11-22T09:41:07Z'), 'ended-at');
      if (endedAt > Date.now()) throw new UsageError('--ended-at is in the future: give the time the call really ended');
      const leg = await withDatabase(async (db) => {
        const before = await db.ledger.findByChannel(channel);
        if (before === null) throw new LegNotFound(`no ledger leg has channel id ${channel}`);
        if (before.endedAt !== null) throw new LegClosed(`the leg of ${channel} was closed at ${when(before.endedAt)} (${before.seconds ?? 0} s); closed legs never change`);
        if (endedAt < before.answeredAt) throw new UsageError(`--ended-at is before the leg was answered (${when(before.answeredAt)})`);
        const closed = await db.ledger.closeLeg(channel, endedAt, 'operator');
        if (closed === null) throw new LegNotFound(`no ledger leg has channel id ${channel}`);
        return closed;
      });
      io.result(leg, `closed ${channel}: ${leg.seconds ?? 0} s, billable ${leg.billableSeconds ?? 0} s, amount ${leg.amountMicros ?? 0} micros`);
    },
  },
];
