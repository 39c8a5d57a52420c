// A room's monthly spend cap (issue 25), pure. The owner caps what a room's calls (on toll-free
// numbers, and the callbacks placed to its waiting participants) may cost in a calendar month
// (UTC); the spend is the ledger's running total for the room this month: each
// closed entry at its amount, each leg still open rated as if it ended now (domain/billing.ts:
// seconds rounded up, the billable increment, the rate copied onto the leg), all in integer micros.
//   under    less than 80 % of the cap
//   warning  80 % of the cap or more (moderators hear a warning at entry, the owner gets one e-mail a month)
//   reached  the cap or more (new participants are refused; calls in progress may end after a grace)
import { rateLeg, type AppliedRate } from './billing.js';

export interface SpendCap {
  /** The most the room's calls may cost in a month, in micros (> 0). */
  monthlyMicros: number;
  /** How long calls in progress go on once the cap is reached; null: they finish. */
  graceSeconds: number | null;
}

export type SpendLevel = 'under' | 'warning' | 'reached';

/** One ledger entry of the room this month: closed (its amount) or open (rated up to now). */
export interface SpendEntry {
  answeredAt: number;
  /** Null: the leg is still in progress. */
  endedAt: number | null;
  /** The closed entry's amount (an adjustment's may be negative); ignored while open. */
  amountMicros: number | null;
  rate: AppliedRate;
}

/** The warning begins at this share of the cap: WARNING_PERCENT / 100. */
export const WARNING_PERCENT = 80;
/** Most grace an owner may give (a day): a cap that never bites would be no cap. */
export const MAX_GRACE_SECONDS = 86_400;

/** What the room's entries cost by `now`, exactly. */
export function spentMicros(entries: readonly SpendEntry[], now: number): number {
  let total = 0n;
  for (const e of entries) {
    const amount = e.endedAt === null ? rateLeg(e.answeredAt, Math.max(now, e.answeredAt), e.rate).amountMicros : (e.amountMicros ?? 0);
    total += BigInt(amount);
  }
  return Number(total);
}

/** Where `spent` stands against the cap; compared in integers (no 0.8 in floating point). */
export function spendLevel(spent: number, cap: Pick<SpendCap, 'monthlyMicros'>): SpendLevel {
  const s = BigInt(spent);
  const c = BigInt(cap.monthlyMicros);
  if (s >= c) return 'reached';
  if (s * 100n >= c * BigInt(WARNING_PERCENT)) return 'warning';
  return 'under';
}

/** Why a cap cannot be set, or null when it can. */
export function spendCapProblem(cap: SpendCap): string | null {
  if (!Number.isSafeInteger(cap.monthlyMicros) || cap.monthlyMicros <= 0) return 'the monthly cap must be an amount above 0, e.g. 25.00';
  const grace = cap.graceSeconds;
  if (grace !== null && (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_SECONDS)) {
    return `the grace must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS}, or none (calls in progress finish)`;
  }
  return null;
}
