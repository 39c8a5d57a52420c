// tollbridge usage | statement
import type { LineFigures, LedgerEntry, Statement } from '../db/index.js';
import { CALLBACKS_LINE } from '../domain/billing.js';
import { DATE_RULE, parseDate as parseSharedDate } from '../domain/dates.js';
import { shown } from './terminal-text.js';
import { UsageError, type Command, type ParsedArgs } from './command.js';
import { money } from './numbers.js';
import { ACCOUNT_HELP, accountArg, option, requiredOption, resolveAccountId, when, withDatabase } from './open-db.js';

/** The shared date rule (domain/dates.ts); a bad date is a UsageError here (exit 64). */
export function parseDate(raw: string, name: string): number {
  try {
    return parseSharedDate(raw, name);
  } catch {
    throw new UsageError(`--${name} takes ${DATE_RULE}, not "${raw}"`);
  }
}

function dateOption(args: ParsedArgs, name: string): number | undefined {
  const raw = option(args, name);
  return raw === undefined ? undefined : parseDate(raw, name);
}

/** One ledger entry as `tollbridge usage` prints it; a closed leg says why it ended. */
export function entryLine(e: LedgerEntry): string {
  const duration = e.endedAt === null ? 'in progress' : `${e.seconds ?? 0} s`;
  const amount = e.amountMicros === null ? '-' : money(e.amountMicros);
  const ended = e.endReason === null ? '' : `; ended: ${shown(e.endReason)}`;
  // A callback's number is the one the bridge called, not a caller's.
  const party = e.legKind === 'callback' ? 'called back at' : 'from';
  const what = e.entryKind === 'adjustment' ? `adjustment of entry ${e.correctsId ?? '?'}${e.note === null ? '' : `: ${shown(e.note)}`}` : `${e.role} ${party} ${shown(e.callerNumber ?? 'unknown')}${ended}`;
  return [when(e.answeredAt).padEnd(21), e.dialled.padEnd(16), duration.padStart(11), String(e.billableSeconds ?? '-').padStart(9), amount.padStart(10), ` ${what}`].join(' ');
}

function statementText(s: Statement): string {
  const cb = s.callbacks;
  const late = s.lines.reduce((n, l) => n + l.lateEntries, cb?.lateEntries ?? 0);
  const row = (first: string, kind: string, l: LineFigures) => [first.padEnd(16), kind.padEnd(9), String(l.legs).padStart(5), String(l.adjustments).padStart(5), l.billableMinutes.padStart(10), l.amount.padStart(12)].join(' ');
  const rows = [...s.lines.map((l) => row(l.e164, l.kind, l)), ...(cb === undefined ? [] : [row(CALLBACKS_LINE, 'callback', cb)])];
  return [
    `statement ${s.period} for account ${s.accountId} (${s.status}, generated ${when(s.generatedAt)})`,
    ['number'.padEnd(16), 'kind'.padEnd(9), 'legs'.padStart(5), 'adj'.padStart(5), 'minutes'.padStart(10), 'amount'.padStart(12)].join(' '),
    ...(rows.length === 0 ? ['(no calls)'] : rows),
    ['TOTAL'.padEnd(16), ''.padEnd(9), ''.padStart(5), ''.padStart(5), ''.padStart(10), s.total.padStart(12)].join(' '),
    ...(late > 0 ? [`includes ${late} late entr${late === 1 ? 'y' : 'ies'} of earlier periods`] : []),
    ...(s.openLegs > 0 ? [`${s.openLegs} leg(s) of this period still in progress: they go on a later statement`] : []),
  ].join('\n');
}

export const usageCommands: Command[] = [
  {
    path: ['usage'],
    summary: "an account's ledger entries (one per participant leg, plus corrections), oldest first",
    usage: 'usage ACCOUNT [--from DATE] [--to DATE]',
    optionHelp: [
      ACCOUNT_HELP,
      '--from DATE  entries answered on or after DATE: YYYY-MM-DD (00:00 UTC) or an ISO timestamp like 2026-11-01T09:30:00Z',
      '--to DATE    entries answered before DATE (exclusive), same forms as --from',
    ],
    options: { from: { type: 'string' }, to: { type: 'string' } },
    async run(args, io) {
      const ref = accountArg(args);
      const from = dateOption(args, 'from');
      const to = dateOption(args, 'to');
      if (from !== undefined && to !== undefined && to <= from) throw new UsageError('--to must be after --from');
      const entries = await withDatabase(async (db) =>
        db.ledger.legsFor(await resolveAccountId(db, ref), { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }),
      );
      const total = entries.reduce((sum, e) => sum + (e.amountMicros ?? 0), 0);
      const open = entries.filter((e) => e.endedAt === null).length;
      io.result(
        entries,
        entries.length === 0
          ? 'no usage'
          : [
              ['answered'.padEnd(21), 'dialled'.padEnd(16), 'duration'.padStart(11), 'billable'.padStart(9), 'amount'.padStart(10), ' who'].join(' '),
              ...entries.map(entryLine),
              `${entries.length} entries, total ${money(total)}${open > 0 ? ` (${open} in progress, not yet rated)` : ''}`,
            ].join('\n'),
      );
    },
  },
  {
    path: ['statement'],
    summary: "an account's statement for a calendar month (UTC); a month that has ended is final",
    usage: 'statement ACCOUNT --period YYYY-MM [--format json|csv]',
    optionHelp: [
      ACCOUNT_HELP,
      '--period YYYY-MM  the billing month, e.g. 2026-11',
      '--format FORMAT   csv (for a spreadsheet: one line per number and a TOTAL line) or json (the same as --json); default a readable table',
    ],
    options: { period: { type: 'string' }, format: { type: 'string' } },
    async run(args, io) {
      const ref = accountArg(args);
      const period = requiredOption(args, 'period', 'the billing month, e.g. --period 2026-11').trim();
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) throw new UsageError(`--period takes a month as YYYY-MM, e.g. 2026-11, not "${period}"`);
      const format = option(args, 'format');
      if (format !== undefined && format !== 'json' && format !== 'csv') throw new UsageError(`--format must be json or csv, not "${format}"`);
      if (format === 'csv' && io.json) throw new UsageError('give --format csv or --json, not both');
      const { statement, csv } = await withDatabase(async (db) => {
        const s = await db.statements.build(await resolveAccountId(db, ref), period);
        return { statement: s, csv: db.statements.toCsv(s) };
      });
      if (format === 'csv') process.stdout.write(csv);
      else if (format === 'json') process.stdout.write(JSON.stringify(statement, null, 2) + '\n');
      else io.result(statement, statementText(statement));
    },
  },
];
