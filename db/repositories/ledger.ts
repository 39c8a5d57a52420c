// The usage ledger: one entry per participant leg, keyed by Asterisk's channel id. A leg is
// opened at answer (with the rate in force then copied into it), learns its room and role
// while open, and is closed once; closed entries never change (the database refuses it too:
// triggers in the migration). Corrections are new `adjustment` entries.
import { periodBounds, periodOf, rateLeg } from '../../domain/billing.js';
import { InvalidMoney, LegNotFound, NumberNotFound } from '../../domain/errors.js';
import type { LegAssignment, LegEndReason, LegOpening } from '../../domain/legs.js';
import { knexLedgerWriter, type LedgerWriter } from '../ledger-writer.js';
import type { LedgerEntry, RepositoryContext, UsageFigures, UsageSummary } from '../types.js';
import type { LegRole } from '../../domain/roles.js';
import type { SpendEntry } from '../../domain/spend-cap.js';

export interface EntryRow {
  id: number;
  entry_kind: 'leg' | 'adjustment';
  channel_id: string | null;
  corrects_id: number | null;
  account_id: number;
  subscription_id: number | null;
  number_id: number;
  dialled: string;
  room_id: number | null;
  role: LegRole;
  caller_number: string | null;
  answered_at: number;
  ended_at: number | null;
  seconds: number | null;
  billable_seconds: number | null;
  rate_per_minute_micros: number;
  rate_increment_seconds: number;
  rate_minimum_seconds: number;
  amount_micros: number | null;
  note: string | null;
  created_at: number;
  end_reason: string | null;
  rejoin_of: string | null;
  /** Absent only on rows read before migration 019. */
  leg_kind?: string;
}

export const toEntry = (r: EntryRow): LedgerEntry => ({
  id: r.id,
  entryKind: r.entry_kind,
  channelId: r.channel_id,
  correctsId: r.corrects_id,
  accountId: r.account_id,
  subscriptionId: r.subscription_id,
  numberId: r.number_id,
  dialled: r.dialled,
  roomId: r.room_id,
  role: r.role,
  callerNumber: r.caller_number,
  answeredAt: Number(r.answered_at),
  endedAt: r.ended_at === null ? null : Number(r.ended_at),
  seconds: r.seconds,
  billableSeconds: r.billable_seconds,
  ratePerMinuteMicros: Number(r.rate_per_minute_micros),
  rateIncrementSeconds: r.rate_increment_seconds,
  rateMinimumSeconds: r.rate_minimum_seconds,
  amountMicros: r.amount_micros === null ? null : Number(r.amount_micros),
  note: r.note,
  createdAt: Number(r.created_at),
  endReason: r.end_reason ?? null,
  rejoinOf: r.rejoin_of ?? null,
  legKind: r.leg_kind === 'callback' ? 'callback' : 'inbound',
});

const rateOf = (e: LedgerEntry) => ({ perMinuteMicros: e.ratePerMinuteMicros, incrementSeconds: e.rateIncrementSeconds, minimumSeconds: e.rateMinimumSeconds });

/** One entry added to usage figures: closed at its amount, open rated up to now. */
function addTo(figures: UsageFigures, e: LedgerEntry, now: number): void {
  if (e.entryKind === 'leg') figures.legs++;
  if (e.endedAt === null) {
    figures.openLegs++;
    const rated = rateLeg(e.answeredAt, Math.max(now, e.answeredAt), rateOf(e));
    figures.seconds += rated.seconds;
    figures.billableSeconds += rated.billableSeconds;
    figures.amountMicros += rated.amountMicros;
  } else {
    figures.seconds += e.seconds ?? 0;
    figures.billableSeconds += e.billableSeconds ?? 0;
    figures.amountMicros += e.amountMicros ?? 0;
  }
}

export class LedgerRepository {
  constructor(
    private readonly ctx: RepositoryContext,
    /** The two statements on every call's path; prepared on a connection of their own on SQLite. */
    private readonly writer: LedgerWriter = knexLedgerWriter(ctx.knex),
  ) {}

  /** An entry as the repository returns it: the caller number decrypted. */
  private readonly entry = (row: EntryRow): LedgerEntry => {
    const e = toEntry(row);
    return { ...e, callerNumber: this.ctx.cipher.decrypt(e.callerNumber) };
  };

  /**
   * Opens a leg at answer time, with the rate in force at `answeredAt` copied in (one
   * statement). Idempotent by channel id: opening it again returns the existing leg unchanged.
   */
  async openLeg(leg: LegOpening): Promise<LedgerEntry> {
    const answeredAt = Math.round(leg.answeredAt);
    const now = this.ctx.now();
    const row = await this.writer.open({
      channel: leg.channelId, account: leg.accountId, subscription: leg.subscriptionId, dialled: leg.dialled,
      caller: this.ctx.cipher.encrypt(leg.callerNumber), answered: answeredAt, now, number: leg.numberId,
      ...(leg.legKind === 'callback' ? { legKind: 'callback' as const } : {}),
    });
    if (row !== undefined) {
      // Exactly the row just inserted.
      return toEntry({
        id: row.id, entry_kind: 'leg', channel_id: leg.channelId, corrects_id: null, account_id: leg.accountId, subscription_id: leg.subscriptionId,
        number_id: leg.numberId, dialled: leg.dialled, room_id: null, role: 'unauthenticated', caller_number: leg.callerNumber, answered_at: answeredAt,
        ended_at: null, seconds: null, billable_seconds: null, rejoin_of: null, rate_per_minute_micros: row.rate_per_minute_micros, rate_increment_seconds: row.rate_increment_seconds,
        rate_minimum_seconds: row.rate_minimum_seconds, amount_micros: null, note: null, created_at: now, end_reason: null, leg_kind: leg.legKind ?? 'inbound',
      });
    }
    const existing = await this.findByChannel(leg.channelId);
    if (existing === null) throw new NumberNotFound(`cannot open a leg on number id ${leg.numberId}: it is not in the inventory`);
    return existing;
  }

  /** Room and role of an open leg; a closed or unknown leg is left as it is. */
  async assign(channelId: string, assignment: LegAssignment): Promise<void> {
    await this.ctx.knex('usage_ledger').where({ channel_id: channelId }).whereNull('ended_at').update({ room_id: assignment.roomId, role: assignment.role, rejoin_of: assignment.rejoinOf ?? null });
  }

  /**
   * Closes a leg at its real end time, rating it in the same statement; closing again
   * returns the leg unchanged; null if unknown. The SQL is domain/billing.ts's rule in integer
   * arithmetic (identical on SQLite and PostgreSQL; a property test checks they agree):
   *   seconds  = ceil(ms / 1000)
   *   billable = 0 if seconds = 0, else max(minimum, ceil(seconds / increment) * increment)
   *   amount   = billable * rate / 60, half-up
   * `reason` (domain/legs.ts LegEndReason, e.g. 'hangup', 'rtp-timeout') is written by that
   * same statement: the close is the one update the append-only triggers allow.
   */
  async closeLeg(channelId: string, endedAt: number, reason?: LegEndReason): Promise<LedgerEntry | null> {
    const row = (await this.writer.close({ end: Math.round(endedAt), channel: channelId, reason: reason ?? null })) as EntryRow | undefined;
    return row !== undefined ? this.entry(row) : this.findByChannel(channelId);
  }

  /** A correction: a new signed entry that refers to the one it corrects. */
  async adjust(correctsId: number, amountMicros: number, note: string): Promise<LedgerEntry> {
    if (!Number.isSafeInteger(amountMicros)) throw new InvalidMoney(`an adjustment is a whole number of micros (signed), not ${amountMicros}`);
    const row = await this.ctx.knex<EntryRow>('usage_ledger').where({ id: correctsId }).first();
    if (row === undefined) throw new LegNotFound(`no ledger entry ${correctsId}`);
    const now = this.ctx.now();
    const [inserted] = await this.ctx.knex('usage_ledger')
      .insert({
        entry_kind: 'adjustment', channel_id: null, corrects_id: row.id, account_id: row.account_id, subscription_id: row.subscription_id,
        number_id: row.number_id, dialled: row.dialled, room_id: row.room_id, role: row.role, caller_number: row.caller_number,
        answered_at: now, ended_at: now, seconds: 0, billable_seconds: 0, rate_per_minute_micros: row.rate_per_minute_micros,
        rate_increment_seconds: row.rate_increment_seconds, rate_minimum_seconds: row.rate_minimum_seconds, amount_micros: amountMicros,
        // A correction of a callback is a callback's: it goes on the statement's callbacks.
        note, created_at: now, leg_kind: row.leg_kind ?? 'inbound',
      })
      .returning<EntryRow[]>('*');
    if (inserted === undefined) throw new Error('adjustment insert returned nothing');
    return this.entry(inserted);
  }

  async findByChannel(channelId: string): Promise<LedgerEntry | null> {
    const row = await this.ctx.knex<EntryRow>('usage_ledger').where({ channel_id: channelId }).first();
    return row === undefined ? null : this.entry(row);
  }

  /** Legs a crash left open, for recovery. */
  async openLegs(): Promise<LedgerEntry[]> {
    return (await this.ctx.knex<EntryRow>('usage_ledger').whereNull('ended_at').orderBy('id')).map(this.entry);
  }

  /** Entries of an account answered in [from, to), oldest first. */
  async legsFor(accountId: number, range: { from?: number; to?: number; after?: { answeredAt: number; id: number }; limit?: number } = {}): Promise<LedgerEntry[]> {
    let q = this.ctx.knex<EntryRow>('usage_ledger').where({ account_id: accountId });
    if (range.from !== undefined) q = q.where('answered_at', '>=', range.from);
    if (range.to !== undefined) q = q.where('answered_at', '<', range.to);
    const after = range.after;
    if (after !== undefined) {
      q = q.where((w) => {
        void w.where('answered_at', '>', after.answeredAt).orWhere((e) => {
          void e.where('answered_at', '=', after.answeredAt).where('id', '>', after.id);
        });
      });
    }
    if (range.limit !== undefined) q = q.limit(range.limit);
    return (await q.orderBy([{ column: 'answered_at' }, { column: 'id' }])).map(this.entry);
  }

  /** Entries of calls into this room billed to another account (an organization the room's owner belongs or belonged to). */
  async legsInRoomBilledElsewhere(roomId: number, ownerId: number): Promise<LedgerEntry[]> {
    const rows = await this.ctx.knex<EntryRow>('usage_ledger').where({ room_id: roomId }).whereNot({ account_id: ownerId }).orderBy([{ column: 'answered_at' }, { column: 'id' }]);
    return rows.map(this.entry);
  }

  /**
   * A room's entries answered in [from, to) on toll-free numbers, and its callbacks (the room's
   * calls too, whatever number they carry), closed and open, as its spend cap reads them
   * (domain/spend-cap.ts). Through the (account_id, answered_at) index: the room's owner and
   * the organization its numbers may also be billed to.
   */
  async roomSpendEntries(room: { id: number; accountIds: number[] }, from: number, to: number): Promise<SpendEntry[]> {
    const rows = await this.ctx.knex<EntryRow>('usage_ledger as l')
      .join('phone_numbers as n', 'n.id', 'l.number_id')
      .whereIn('l.account_id', room.accountIds)
      .where('l.answered_at', '>=', from)
      .where('l.answered_at', '<', to)
      .where('l.room_id', room.id)
      .where((w) => void w.where('n.kind', 'toll_free').orWhere('l.leg_kind', 'callback'))
      .select<Pick<EntryRow, 'answered_at' | 'ended_at' | 'amount_micros' | 'rate_per_minute_micros' | 'rate_increment_seconds' | 'rate_minimum_seconds'>[]>(
        'l.answered_at', 'l.ended_at', 'l.amount_micros', 'l.rate_per_minute_micros', 'l.rate_increment_seconds', 'l.rate_minimum_seconds',
      );
    return rows.map((r) => ({
      answeredAt: Number(r.answered_at),
      endedAt: r.ended_at === null ? null : Number(r.ended_at),
      amountMicros: r.amount_micros === null ? null : Number(r.amount_micros),
      rate: { perMinuteMicros: Number(r.rate_per_minute_micros), incrementSeconds: r.rate_increment_seconds, minimumSeconds: r.rate_minimum_seconds },
    }));
  }

  /** Legs (not adjustments) of every account answered in [from, to), oldest first: for reconciliation. */
  async legsAnsweredBetween(from: number, to: number): Promise<LedgerEntry[]> {
    const rows = await this.ctx.knex<EntryRow>('usage_ledger').where({ entry_kind: 'leg' }).where('answered_at', '>=', from).where('answered_at', '<', to).orderBy([{ column: 'answered_at' }, { column: 'id' }]);
    return rows.map(this.entry);
  }

  /** Usage so far in a period (default: the current one); open legs are rated up to now. */
  async usage(accountId: number, filter: { numberId?: number; period?: string } = {}): Promise<UsageSummary> {
    const period = filter.period ?? periodOf(this.ctx.now());
    const bounds = periodBounds(period);
    if (bounds === null) throw new Error(`bad period ${period}`);
    let q = this.ctx.knex<EntryRow>('usage_ledger').where({ account_id: accountId }).where('answered_at', '>=', bounds.start).where('answered_at', '<', bounds.end);
    if (filter.numberId !== undefined) q = q.where({ number_id: filter.numberId });
    const entries = (await q).map(this.entry);
    const now = this.ctx.now();
    const summary: UsageSummary = { period, legs: 0, openLegs: 0, seconds: 0, billableSeconds: 0, amountMicros: 0 };
    let callbacks: UsageFigures | undefined;
    for (const e of entries) {
      if (e.legKind === 'callback') {
        callbacks ??= { legs: 0, openLegs: 0, seconds: 0, billableSeconds: 0, amountMicros: 0 };
        addTo(callbacks, e, now);
      }
      addTo(summary, e, now);
    }
    if (callbacks !== undefined) summary.callbacks = callbacks;
    return summary;
  }
}
