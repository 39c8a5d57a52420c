// tollbridge ledger open | close | reconcile: recovery of legs a crash left open, and the
// money cross-check. A leg is closed with its real end time (from the carrier's or Asterisk's
// records), which rates it then; a closed leg never changes, so closing one twice is refused
// with what it already says; a leg closed here records 'operator' as its end reason. `reconcile` compares every leg with Asterisk's own record (CEL).
import fs from 'node:fs';
import { shown } from './terminal-text.js';
import { instancePaths } from '../asterisk/local-asterisk.js';
import { loadConfig, loadSettings } from '../config/config.js';
import { type LedgerEntry } from '../db/index.js';
import { LegClosed, LegNotFound } from '../domain/errors.js';
import { CelLogFile } from '../reconcile/cel-log.js';
import { reconcile, type Difference, type ReconcileReport } from '../reconcile/reconcile.js';
import { UsageError, type Command } from './command.js';
import { integerOption, noExtraPositionals, option, positional, requiredOption, when, withDatabase } from './open-db.js';
import { parseDate } from './usage.js';

/** Exit status of `ledger reconcile` when it found differences (1 and 2 mean errors). */
export const RECONCILE_DIFFERENCES_EXIT = 3;

function msWhen(ms: number | null): string {
  return ms === null ? '-' : new Date(Math.round(ms)).toISOString();
}

function differenceLine(d: Difference): string {
  const delta = d.delta === undefined ? '' : d.kind === 'seconds-differ' ? ` (ledger ${d.delta > 0 ? '+' : ''}${d.delta} s)` : ` (ledger ${d.delta > 0 ? '+' : ''}${d.delta} ms)`;
  const ledger = d.ledger === null ? 'ledger: none' : `ledger: ${msWhen(d.ledger.answeredAt)} -> ${msWhen(d.ledger.endedAt)}, ${d.ledger.seconds ?? '-'} s, account ${d.ledger.accountId}`;
  const asterisk = d.asterisk === null ? 'asterisk: none' : `asterisk: ${msWhen(d.asterisk.answeredAt)} -> ${msWhen(d.asterisk.endedAt)}, ${d.asterisk.seconds ?? '-'} s, dialled ${d.asterisk.dialled}`;
  return `${d.kind.padEnd(19)} ${d.channelId}${delta}\n    ${ledger}\n    ${asterisk}`;
}

function reportText(r: ReconcileReport, source: string): string {
  const head = `reconciled legs answered ${msWhen(r.from)} .. ${msWhen(r.to)} against ${source}: ${r.legsChecked} legs, ${r.asteriskCallsChecked} answered Asterisk calls`;
  if (r.differences.length === 0) return `${head}\nclean: every leg matches Asterisk's record to 1 s`;
  return [head, ...r.differences.map(differenceLine), `${r.differences.length} difference${r.differences.length === 1 ? '' : 's'}`].join('\n');
}

function openLine(e: LedgerEntry): string {
  return `${shown(e.channelId ?? '?')}  account ${e.accountId}  ${e.dialled}  answered ${when(e.answeredAt)}  ${e.role} from ${shown(e.callerNumber ?? 'unknown')}`;
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
  {
    path: ['ledger', 'reconcile'],
    summary: "operator: compare every leg with Asterisk's own record (CEL); exit 3 when they differ",
    usage: 'ledger reconcile --from TIME [--to TIME] [--asterisk-instance NAME | --cel-file FILE]',
    optionHelp: [
      '--from TIME               legs answered from this moment (2026-11-01, or an ISO timestamp with its zone)',
      '--to TIME                 ... until before this one (default: now)',
      '--asterisk-instance NAME  the managed Asterisk whose CEL log to read (default TOLLBRIDGE_ASTERISK_INSTANCE, main)',
      '--cel-file FILE           or read this cel_custom JSON file (an Asterisk on another host: copy or mount its log)',
      '--systemname NAME         only channel ids of this Asterisk (default TOLLBRIDGE_ASTERISK_SYSTEMNAME, else the instance name); "*": all',
      '--tolerance-ms N          allowed difference in answer, end and seconds (default 1000)',
    ],
    options: { from: { type: 'string' }, to: { type: 'string' }, 'asterisk-instance': { type: 'string' }, 'cel-file': { type: 'string' }, systemname: { type: 'string' }, 'tolerance-ms': { type: 'string' } },
    async run(args, io) {
      noExtraPositionals(args, 0);
      const from = parseDate(requiredOption(args, 'from', 'e.g. --from 2026-11-01'), 'from');
      const toRaw = option(args, 'to');
      const to = toRaw === undefined ? Date.now() + 1 : parseDate(toRaw, 'to');
      if (to <= from) throw new UsageError('--to must be after --from');
      const config = loadConfig();
      const instance = option(args, 'asterisk-instance');
      if (instance !== undefined && option(args, 'cel-file') !== undefined) throw new UsageError('give --asterisk-instance or --cel-file, not both');
      if (instance !== undefined && !/^[a-z0-9-]+$/.test(instance)) throw new UsageError('--asterisk-instance takes lower-case letters, digits and dashes');
      const celFile = option(args, 'cel-file') ?? instancePaths({ ...config.asterisk, instance: instance ?? config.asterisk.instance }).celLog;
      const systemOption = option(args, 'systemname');
      const systemName = systemOption === '*' ? undefined : systemOption ?? (instance !== undefined && loadSettings().settings.TOLLBRIDGE_ASTERISK_SYSTEMNAME === undefined ? instance : config.asterisk.systemName);
      const toleranceMs = integerOption(args, 'tolerance-ms', 'milliseconds, e.g. 1000') ?? 1000;
      if (!fs.existsSync(celFile)) io.stderr(`note: ${celFile} does not exist (yet): Asterisk has recorded no channel there; check --asterisk-instance / --cel-file`);
      const cel = new CelLogFile(celFile);
      const book = await cel.refresh();
      const report = await withDatabase(async (db) => {
        const legs = await db.ledger.legsAnsweredBetween(from, to);
        const numbers = (await db.numbers.list()).map((n) => n.e164);
        return reconcile(
          legs.flatMap((l) => (l.channelId === null ? [] : [{ channelId: l.channelId, accountId: l.accountId, dialled: l.dialled, answeredAt: l.answeredAt, endedAt: l.endedAt, seconds: l.seconds }])),
          book.all(),
          { from, to, numbers, systemName, toleranceMs },
        );
      });
      io.result({ ...report, celFile, systemName: systemName ?? null, clean: report.differences.length === 0 }, reportText(report, celFile));
      return report.differences.length === 0 ? 0 : RECONCILE_DIFFERENCES_EXIT;
    },
  },
];
