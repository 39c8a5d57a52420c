// The ledger's two hot statements, one per call event: open a leg at answer (with the rate
// in force copied in) and close it at hang-up (rated in the same statement). The close is
// billing.ts's rule in integer SQL, identical on SQLite and PostgreSQL; a property test
// checks the two agree.
//   seconds  = ceil(ms / 1000)
//   billable = 0 if seconds = 0, else max(minimum, ceil(seconds / increment) * increment)
//   amount   = billable * rate / 60, half-up
import type { Knex } from 'knex';

export const OPEN_SQL = `INSERT INTO usage_ledger (entry_kind, channel_id, account_id, subscription_id, number_id, dialled, role, caller_number,
    answered_at, rate_per_minute_micros, rate_increment_seconds, rate_minimum_seconds, created_at)
  SELECT 'leg', :channel, :account, :subscription, n.id, :dialled, 'unauthenticated', :caller, CAST(:answered AS BIGINT),
    r.per_minute_micros, r.increment_seconds, r.minimum_seconds, CAST(:now AS BIGINT)
  FROM phone_numbers n JOIN rates r ON r.kind = n.kind
  WHERE n.id = :number AND r.effective_from <= CAST(:answered AS BIGINT)
  ORDER BY r.effective_from DESC, r.id DESC LIMIT 1
  ON CONFLICT (channel_id) DO NOTHING
  RETURNING id, rate_per_minute_micros, rate_increment_seconds, rate_minimum_seconds`;

// The end is cast to an integer: node-sqlite3 binds large numbers as REAL, which would make
// the divisions below real divisions.
const END = `(CASE WHEN CAST(:end AS BIGINT) > answered_at THEN CAST(:end AS BIGINT) ELSE answered_at END)`;
const SECONDS = `((${END} - answered_at + 999) / 1000)`;
const ROUNDED = `(((${SECONDS} + rate_increment_seconds - 1) / rate_increment_seconds) * rate_increment_seconds)`;
const BILLABLE = `(CASE WHEN ${SECONDS} = 0 THEN 0 WHEN ${ROUNDED} < rate_minimum_seconds THEN rate_minimum_seconds ELSE ${ROUNDED} END)`;
export const CLOSE_SQL = `UPDATE usage_ledger
  SET ended_at = ${END}, seconds = ${SECONDS}, billable_seconds = ${BILLABLE},
      amount_micros = (${BILLABLE} * rate_per_minute_micros * 2 + 60) / 120, end_reason = :reason
  WHERE channel_id = :channel AND ended_at IS NULL
  RETURNING *`;

export interface OpenValues {
  channel: string;
  account: number;
  subscription: number;
  dialled: string;
  caller: string | null;
  answered: number;
  now: number;
  number: number;
}

export interface CloseValues {
  end: number;
  channel: string;
  /** Why the leg ended (LegEndReason), or null when not known. */
  reason: string | null;
}

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
  dispose(): Promise<void>;
}

// knex.raw gives an array of rows on SQLite and a pg result ({ rows }) on PostgreSQL.
function firstRow(result: unknown): Record<string, unknown> | undefined {
  const rows = Array.isArray(result) ? (result as Array<Record<string, unknown>>) : (result as { rows: Array<Record<string, unknown>> }).rows;
  return rows[0];
}

/** Through knex (PostgreSQL; and SQLite when no dedicated connection is wanted). */
export function knexLedgerWriter(knex: Knex): LedgerWriter {
  return {
    open: async (values) => firstRow(await knex.raw(OPEN_SQL, { ...values })) as OpenedRow | undefined,
    close: async (values) => firstRow(await knex.raw(CLOSE_SQL, { ...values })),
    dispose: async () => {},
  };
}
