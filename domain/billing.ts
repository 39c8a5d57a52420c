// The billing rules, pure (README "Billing rules" says the same in plain words):
//  - seconds: the leg's duration rounded UP to a whole second (60.2 s is 61 s); 0 ms is 0 s.
//  - billable seconds: 0 for a 0-second leg; otherwise the seconds rounded up to the rate's
//    increment (60: every started minute counts), and at least the rate's minimum.
//  - amount: billable seconds x price per minute / 60, in micros, rounded half-up to a micro.
import { FIRST_YEAR, LAST_YEAR } from './dates.js';
import { divideHalfUp } from './money.js';
import type { NumberKind } from './numbers.js';

/**
 * What a rate is for (rates.kind): a kind of number, for the legs of calls dialled to it, or
 * 'callback', for the calls the bridge places back to waiting participants (domain/legs.ts LegKind).
 */
export type RateKind = NumberKind | 'callback';
export const RATE_KINDS: readonly RateKind[] = ['toll_free', 'local', 'callback'];
/** What statements call their line of callbacks (CSV, PDF, the pages, the command line). */
export const CALLBACKS_LINE = 'Callbacks';

export interface AppliedRate {
  perMinuteMicros: number;
  incrementSeconds: number;
  minimumSeconds: number;
}

export function legSeconds(answeredAt: number, endedAt: number): number {
  return Math.max(0, Math.ceil((endedAt - answeredAt) / 1000));
}

export function billableSeconds(seconds: number, rate: AppliedRate): number {
  if (seconds <= 0) return 0;
  const rounded = Math.ceil(seconds / rate.incrementSeconds) * rate.incrementSeconds;
  return Math.max(rounded, rate.minimumSeconds);
}

export function legAmount(billable: number, rate: AppliedRate): number {
  return Number(divideHalfUp(BigInt(billable) * BigInt(rate.perMinuteMicros), 60n));
}

export function rateLeg(answeredAt: number, endedAt: number, rate: AppliedRate): { seconds: number; billableSeconds: number; amountMicros: number } {
  const seconds = legSeconds(answeredAt, endedAt);
  const billable = billableSeconds(seconds, rate);
  return { seconds, billableSeconds: billable, amountMicros: legAmount(billable, rate) };
}

/** 'YYYY-MM' -> [start, end) in epoch ms, UTC. */
export function periodBounds(period: string): { start: number; end: number } | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]) - 1;
  if (year < FIRST_YEAR || year > LAST_YEAR) return null; // no statements for year 0 or 9999
  return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
}

export function periodOf(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}
