// The ledger's two hot statements, one per call event: open a leg at answer (with the rate
// in force copied in) and close it at hang-up (rated in the same statement). Each takes a
// batch: one parameter, a JSON array with one array per write, so that writes arriving
// together go to the database as one statement (db/ledger-group-commit.ts); a single write is
// a batch of one. The close is domain/billing.ts's rule in integer SQL, identical on SQLite and
// PostgreSQL; a property test checks the two agree (test/ledger/close-rating.test.ts).
//   seconds  = ceil(ms / 1000)
//   billable = 0 if seconds = 0, else max(minimum, ceil(seconds / increment) * increment)
//   amount   = billable * rate / 60, half-up
import type { Knex } from 'knex';
import type { LegKind } from '../domain/legs.js';

export type Dialect = 'sqlite' | 'postgres';

// The batch as rows (ord = position in the batch). json_each and json_array_elements both
// give the element as `value`; `->>` with an integer takes an array element on both.
function batchRows(dialect: Dialect, param: string): string {
  return dialect === 'sqlite'
    ? `SELECT key AS ord, value FROM json_each(${param})`
    : `SELECT ord, value FROM json_array_elements(CAST(${param} AS json)) WITH ORDINALITY AS j(value, ord)`;
}

/**
 * One open, as the open statement's batch takes it. An inbound leg leaves the last element out
 * (the batch an inbound call writes is the same as before callbacks); a callback leg ends with
 * 'callback'.
 */
export type OpenBatchRow =
  | [channel: string, account: number, subscription: number, dialled: string, caller: string | null, answered: number, now: number, number: number]
  | [channel: string, account: number, subscription: number, dialled: string, caller: string | null, answered: number, now: number, number: number, legKind: 'callback'];
/** One close, as the close statement's batch takes it. */
export type CloseBatchRow = [channel: string, end: number, reason: string | null];

/**
 * Opens the legs of a batch; returns one row (id, channel_id, copied rate) per leg inserted.
 * A channel that already has a leg, or a number not in the inventory, gives no row. Rows are
 * inserted in batch order, so ids follow the order the writes arrived in. A callback leg is
 * rated at the rate of kind 'callback' (its leg kind names its rate kind), any other at the
 * dialled number's kind: one lookup by (kind, effective_from) either way.
 */
export function openBatchSql(dialect: Dialect, param: string): string {
  return `WITH j AS (${batchRows(dialect, param)}),
  v AS (SELECT ord, CAST(value ->> 0 AS TEXT) AS channel, CAST(value ->> 1 AS INTEGER) AS account, CAST(value ->> 2 AS INTEGER) AS subscription,
    CAST(value ->> 3 AS TEXT) AS dialled, CAST(value ->> 4 AS TEXT) AS caller, CAST(value ->> 5 AS BIGINT) AS answered,
    CAST(value ->> 6 AS BIGINT) AS created, CAST(value ->> 7 AS INTEGER) AS number_id, CAST(value ->> 8 AS TEXT) AS leg_kind FROM j)
INSERT INTO usage_ledger (entry_kind, channel_id, account_id, subscription_id, number_id, dialled, role, caller_number,
    answered_at, rate_per_minute_micros, rate_increment_seconds, rate_minimum_seconds, created_at, leg_kind)
  SELECT 'leg', v.channel, v.account, v.subscription, n.id, v.dialled, 'unauthenticated', v.caller, v.answered,
    r.per_minute_micros, r.increment_seconds, r.minimum_seconds, v.created, COALESCE(v.leg_kind, 'inbound')
  FROM v JOIN phone_numbers n ON n.id = v.number_id
  JOIN rates r ON r.id = (SELECT q.id FROM rates q WHERE q.kind = COALESCE(v.leg_kind, n.kind) AND q.effective_from <= v.answered
    ORDER BY q.effective_from DESC, q.id DESC LIMIT 1)
  WHERE true
  ORDER BY v.ord
  ON CONFLICT (channel_id) DO NOTHING
  RETURNING id, channel_id, rate_per_minute_micros, rate_increment_seconds, rate_minimum_seconds`;
}

// The rule, for an end time given by the expression `end` (an integer). The end is cast to an
// integer in the batch: node-sqlite3 would bind a large number as REAL, making the divisions
// below real divisions.
function rating(end: string): { END: string; SECONDS: string; BILLABLE: string; AMOUNT: string } {
  const END = `(CASE WHEN ${end} > answered_at THEN ${end} ELSE answered_at END)`;
  const SECONDS = `((${END} - answered_at + 999) / 1000)`;
  const ROUNDED = `(((${SECONDS} + rate_increment_seconds - 1) / rate_increment_seconds) * rate_increment_seconds)`;
  const BILLABLE = `(CASE WHEN ${SECONDS} = 0 THEN 0 WHEN ${ROUNDED} < rate_minimum_seconds THEN rate_minimum_seconds ELSE ${ROUNDED} END)`;
  return { END, SECONDS, BILLABLE, AMOUNT: `(${BILLABLE} * rate_per_minute_micros * 2 + 60) / 120` };
}

/**
 * Closes and rates the open legs of a batch; returns each closed row whole. A channel with
 * no open leg gives no row. A batch must not name a channel twice (which of the two would
 * win is undefined in UPDATE ... FROM): the group commit never puts one channel twice in a batch.
 */
export function closeBatchSql(dialect: Dialect, param: string): string {
  const { END, SECONDS, BILLABLE, AMOUNT } = rating('v.end_at');
  // PostgreSQL keeps one plan for a prepared statement, made when it was prepared (or last
  // invalidated by an ANALYZE). Made on a young ledger, that plan read the whole channel index
  // once per batch and joined the batch to it: the close grew from 1.5 ms to 32 ms per batch of
  // 50 over 100,000 legs (bench/ledger.ts). The channels as an index condition (`= ANY`) leave
  // every plan a lookup per channel, whatever the ledger's size or statistics.
  const byIndex = dialect === 'postgres' ? ' AND l.channel_id = ANY (ARRAY(SELECT channel FROM v))' : '';
  // SQLite's RETURNING * is the updated table's columns only and it refuses `l.*`; on
  // PostgreSQL `*` would add the batch's columns.
  return `WITH j AS (${batchRows(dialect, param)}),
  v AS (SELECT CAST(value ->> 0 AS TEXT) AS channel, CAST(value ->> 1 AS BIGINT) AS end_at, CAST(value ->> 2 AS TEXT) AS reason FROM j)
UPDATE usage_ledger AS l
  SET ended_at = ${END}, seconds = ${SECONDS}, billable_seconds = ${BILLABLE}, amount_micros = ${AMOUNT}, end_reason = v.reason
  FROM v
  WHERE l.channel_id = v.channel AND l.ended_at IS NULL${byIndex}
  RETURNING ${dialect === 'sqlite' ? '*' : 'l.*'}`;
}

export interface OpenValues {
  channel: string;
  account: number;
  subscription: number;
  dialled: string;
  caller: string | null;
  answered: number;
  now: number;
  number: number;
  /** Absent: an inbound leg. */
  legKind?: LegKind;
}

export interface CloseValues {
  end: number;
  channel: string;
  /** Why the leg ended (LegEndReason), or null when not known. */
  reason: string | null;
}

export const openBatchRow = (v: OpenValues): OpenBatchRow =>
  v.legKind === 'callback'
    ? [v.channel, v.account, v.subscription, v.dialled, v.caller, v.answered, v.now, v.number, 'callback']
    : [v.channel, v.account, v.subscription, v.dialled, v.caller, v.answered, v.now, v.number];
export const closeBatchRow = (v: CloseValues): CloseBatchRow => [v.channel, v.end, v.reason];

export interface OpenedRow {
  id: number;
  rate_per_minute_micros: number;
  rate_increment_seconds: number;
  rate_minimum_seconds: number;
}

export interface LedgerWriter {
  /**
   * The new row's id and copied rate (the rest is what was given); undefined when the channel
   * already has a leg or the number is unknown. (RETURNING * costs a fifth of the write rate.)
   */
  open(values: OpenValues): Promise<OpenedRow | undefined>;
  /** The closed row, or undefined when no open leg has that channel. */
  close(values: CloseValues): Promise<Record<string, unknown> | undefined>;
  /** Makes the writes already accepted, refuses later ones, then lets go of the database. */
  dispose(): Promise<void>;
}

// knex.raw gives an array of rows on SQLite and a pg result ({ rows }) on PostgreSQL.
function firstRow(result: unknown): Record<string, unknown> | undefined {
  const rows = Array.isArray(result) ? (result as Array<Record<string, unknown>>) : (result as { rows: Array<Record<string, unknown>> }).rows;
  return rows[0];
}

/** Each write its own statement through knex: the plain reference (no grouping). */
export function knexLedgerWriter(knex: Knex): LedgerWriter {
  const dialect: Dialect = (knex.client as { dialect?: string }).dialect === 'postgresql' ? 'postgres' : 'sqlite';
  const open = openBatchSql(dialect, '?');
  const close = closeBatchSql(dialect, '?');
  return {
    open: async (v) => firstRow(await knex.raw(open, [JSON.stringify([openBatchRow(v)])])) as OpenedRow | undefined,
    close: async (v) => firstRow(await knex.raw(close, [JSON.stringify([closeBatchRow(v)])])),
    dispose: async () => {},
  };
}
