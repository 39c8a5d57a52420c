// Statements per account per calendar month (UTC, by the entry's answer time). One line per
// number: legs, billable minutes, amount rounded to cents once (half-up); callbacks (the calls
// the bridge placed back to waiting participants, at the callback rate) on a line of their own,
// absent when there are none; the total is the sum of the rounded lines. A period's statement
// is frozen the first time it is built after the period ended, and never changes afterwards.
// Entries that close after that (a leg a crash left open, a late correction) are carried to the
// next statement built, marked late.
import { divideHalfUp, formatMoney, roundToCents } from '../../domain/money.js';
import { CALLBACKS_LINE, periodBounds, periodOf } from '../../domain/billing.js';
import { InvalidPeriod } from '../../domain/errors.js';
import { FIRST_YEAR, LAST_YEAR } from '../../domain/dates.js';
import { isUniqueViolation, type LedgerEntry, type RepositoryContext } from '../types.js';
import type { NumberKind } from '../../domain/numbers.js';
import { toEntry } from './ledger.js';

/**
 * A line's figures: a number's line, or the callbacks' line (every callback leg, and correction
 * of one, on the statement, whatever number it carries).
 */
export interface LineFigures {
  legs: number;
  adjustments: number;
  lateEntries: number;
  billableSeconds: number;
  /** Billable minutes, exact ("12.5"). */
  billableMinutes: string;
  /** Sum of the entries' exact amounts. */
  unroundedMicros: number;
  /** The line's amount, rounded half-up to cents once; the total is the sum of the lines'. */
  amountMicros: number;
  amount: string;
}

export interface StatementLine extends LineFigures {
  e164: string;
  kind: NumberKind;
  /** People rather than legs: a leg that continues a dropped one (a rejoin, usage_ledger.rejoin_of) is the same participant. */
  participants: number;
}

/** An organization's statement: one line per member room its numbers were used into. */
export interface MemberLine {
  /** The member (owner of the room); null for legs that never entered a room. */
  accountId: number | null;
  roomNumber: string | null;
  legs: number;
  billableSeconds: number;
  unroundedMicros: number;
  /** Rounded half-up to cents once, like the number lines (the total stays the sum of those). */
  amountMicros: number;
  amount: string;
}

export interface Statement {
  accountId: number;
  period: string;
  status: 'provisional' | 'final';
  generatedAt: number;
  /** The calls dialled to the account's numbers, one line per number. */
  lines: StatementLine[];
  /** Callbacks (CSV and PDF: "Callbacks"); absent when the statement has none. */
  callbacks?: LineFigures;
  totalMicros: number;
  total: string;
  /** Legs of this period still open (not yet on any statement). */
  openLegs: number;
  /** For an organization: the same entries by member. */
  members?: MemberLine[];
}

type Row = Parameters<typeof toEntry>[0] & { e164: string; kind: NumberKind; room_account_id: number | null; room_number: string | null };

export class StatementsRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /**
   * The account's statement for a calendar month (UTC). For a period that has ended, the first
   * build freezes it; every later build returns that snapshot. Two builds racing to freeze the
   * same period: the database's unique key lets one win, the other returns the winner's snapshot.
   */
  async build(accountId: number, period: string): Promise<Statement> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.buildOnce(accountId, period);
      } catch (err) {
        if (!isUniqueViolation(err) || attempt >= 3) throw err;
      }
    }
  }

  private async buildOnce(accountId: number, period: string): Promise<Statement> {
    const bounds = periodBounds(period);
    if (bounds === null) throw new InvalidPeriod(`"${period.slice(0, 20)}" is not a period: use YYYY-MM, years ${FIRST_YEAR}-${LAST_YEAR}`);
    if (bounds.start > this.ctx.now()) throw new InvalidPeriod(`${period} has not started yet: a statement covers a month that has begun`);
    const final = this.ctx.now() >= bounds.end;
    if (final) {
      const frozen = await this.ctx.knex('statements').where({ account_id: accountId, period }).first<{ body: string } | undefined>('body');
      if (frozen !== undefined) return JSON.parse(frozen.body) as Statement;
    }
    const frozenPeriods = new Set(
      (await this.ctx.knex('statements').where({ account_id: accountId }).select<{ period: string }[]>('period')).map((r) => r.period),
    );
    // Entries not yet on any statement, answered before the period's end.
    const rows = await this.ctx.knex('usage_ledger as u')
      .join('phone_numbers as n', 'n.id', 'u.number_id')
      .leftJoin('rooms as r', 'r.id', 'u.room_id')
      .leftJoin('statement_entries as se', 'se.entry_id', 'u.id')
      .where('u.account_id', accountId)
      .where('u.answered_at', '<', bounds.end)
      .whereNull('se.entry_id')
      .select<Row[]>('u.*', 'n.e164', 'n.kind', 'r.account_id as room_account_id', 'r.number as room_number');
    const onThis: Array<{ entry: LedgerEntry; e164: string; kind: NumberKind; late: boolean; roomAccountId: number | null; roomNumber: string | null }> = [];
    let openLegs = 0;
    for (const row of rows) {
      const entry = toEntry(row);
      const own = periodOf(entry.answeredAt);
      const late = own < period && frozenPeriods.has(own);
      if (own !== period && !late) continue;
      if (entry.endedAt === null) {
        openLegs++;
        continue;
      }
      onThis.push({ entry, e164: row.e164, kind: row.kind, late, roomAccountId: row.room_account_id, roomNumber: row.room_number });
    }
    const statement = summarise(accountId, period, final ? 'final' : 'provisional', this.ctx.now(), onThis, openLegs);
    const kind = await this.ctx.knex('accounts').where({ id: accountId }).first<{ kind: string } | undefined>('kind');
    if (kind?.kind === 'organization') statement.members = memberLines(onThis);
    if (final) {
      await this.ctx.knex.transaction(async (trx) => {
        const [created] = await trx('statements')
          .insert({ account_id: accountId, period, body: JSON.stringify(statement), created_at: this.ctx.now() })
          .returning<{ id: number }[]>('id');
        const ids = onThis.map((e) => ({ statement_id: created?.id, entry_id: e.entry.id }));
        for (let i = 0; i < ids.length; i += 500) await trx('statement_entries').insert(ids.slice(i, i + 500));
      });
    }
    return statement;
  }

  toCsv(statement: Statement): string {
    const lines = ['period,number,kind,legs,adjustments,late_entries,billable_seconds,billable_minutes,amount'];
    for (const l of statement.lines) {
      lines.push([statement.period, l.e164, l.kind, l.legs, l.adjustments, l.lateEntries, l.billableSeconds, l.billableMinutes, l.amount].join(','));
    }
    const cb = statement.callbacks;
    if (cb !== undefined) lines.push([statement.period, CALLBACKS_LINE, 'callback', cb.legs, cb.adjustments, cb.lateEntries, cb.billableSeconds, cb.billableMinutes, cb.amount].join(','));
    lines.push([statement.period, 'TOTAL', '', '', '', '', '', '', statement.total].join(','));
    for (const m of statement.members ?? []) {
      lines.push([statement.period, `member ${m.accountId ?? 'none'} room ${m.roomNumber ?? 'none'}`, '', m.legs, '', '', m.billableSeconds, minutes(m.billableSeconds), m.amount].join(','));
    }
    return lines.join('\n') + '\n';
  }
}

export function summarise(
  accountId: number,
  period: string,
  status: Statement['status'],
  generatedAt: number,
  entries: Array<{ entry: LedgerEntry; e164: string; kind: NumberKind; late: boolean }>,
  openLegs: number,
): Statement {
  const byNumber = new Map<string, StatementLine>();
  let callbacks: LineFigures | undefined;
  for (const { entry, e164, kind, late } of entries) {
    if (entry.legKind === 'callback') {
      callbacks ??= { legs: 0, adjustments: 0, lateEntries: 0, billableSeconds: 0, billableMinutes: '0', unroundedMicros: 0, amountMicros: 0, amount: '0.00' };
      count(callbacks, entry, late);
      continue;
    }
    const line = byNumber.get(e164) ?? { e164, kind, legs: 0, participants: 0, adjustments: 0, lateEntries: 0, billableSeconds: 0, billableMinutes: '0', unroundedMicros: 0, amountMicros: 0, amount: '0.00' };
    count(line, entry, late);
    if (entry.entryKind === 'leg' && entry.rejoinOf === null) line.participants++;
    byNumber.set(e164, line);
  }
  const lines = [...byNumber.values()].sort((a, b) => a.e164.localeCompare(b.e164));
  let totalMicros = 0;
  for (const line of [...lines, ...(callbacks === undefined ? [] : [callbacks])]) {
    line.amountMicros = roundToCents(line.unroundedMicros);
    line.amount = formatMoney(line.amountMicros, 2);
    line.billableMinutes = minutes(line.billableSeconds);
    totalMicros += line.amountMicros;
  }
  return { accountId, period, status, generatedAt, lines, ...(callbacks === undefined ? {} : { callbacks }), totalMicros, total: formatMoney(totalMicros, 2), openLegs };
}

/** One entry added to a line's figures (a number's or the callbacks'). */
function count(line: LineFigures, entry: LedgerEntry, late: boolean): void {
  if (entry.entryKind === 'leg') line.legs++;
  else line.adjustments++;
  if (late) line.lateEntries++;
  line.billableSeconds += entry.billableSeconds ?? 0;
  line.unroundedMicros += entry.amountMicros ?? 0;
}

function memberLines(entries: Array<{ entry: LedgerEntry; roomAccountId: number | null; roomNumber: string | null }>): MemberLine[] {
  const byMember = new Map<string, MemberLine>();
  for (const { entry, roomAccountId, roomNumber } of entries) {
    const key = String(roomAccountId);
    const line = byMember.get(key) ?? { accountId: roomAccountId, roomNumber, legs: 0, billableSeconds: 0, unroundedMicros: 0, amountMicros: 0, amount: '0.00' };
    if (entry.entryKind === 'leg') line.legs++;
    line.billableSeconds += entry.billableSeconds ?? 0;
    line.unroundedMicros += entry.amountMicros ?? 0;
    byMember.set(key, line);
  }
  const lines = [...byMember.values()].sort((a, b) => (a.accountId ?? 0) - (b.accountId ?? 0));
  for (const line of lines) {
    line.amountMicros = roundToCents(line.unroundedMicros);
    line.amount = formatMoney(line.amountMicros, 2);
  }
  return lines;
}

/** Billable minutes as a decimal with up to 4 places (display only; amounts use seconds). */
function minutes(seconds: number): string {
  const tenThousandths = divideHalfUp(BigInt(seconds) * 10_000n, 60n);
  const whole = tenThousandths / 10_000n;
  const frac = (tenThousandths % 10_000n).toString().padStart(4, '0').replace(/0+$/, '');
  return frac === '' ? whole.toString() : `${whole.toString()}.${frac}`;
}
