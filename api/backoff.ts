// Failed password checks counted per key (a client address, an account) with exponential
// backoff: the `freeFailures`-th failure closes the key for base, the next for 2 x base, then
// 4 x base ... up to `maxDelayMs`. A key is forgotten `forgetAfterMs` after its
// last failure, or on success (accounts only: an attacker's own account must not clear the
// address). Kept in this process's memory, bounded to `maxKeys` (the oldest go first).

export interface BackoffLimits {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
  maxKeys: number;
}

interface Entry {
  failures: number;
  lastFailureAt: number;
  closedUntil: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly limits: BackoffLimits, private readonly now: () => number = Date.now) {}

  /** Milliseconds until the key may try again; 0: now. */
  waitMs(key: string): number {
    const entry = this.current(key);
    return entry === undefined ? 0 : Math.max(0, entry.closedUntil - this.now());
  }

  fail(key: string): void {
    const now = this.now();
    const entry = this.current(key) ?? { failures: 0, lastFailureAt: now, closedUntil: 0 };
    entry.failures++;
    entry.lastFailureAt = now;
    const over = entry.failures - this.limits.freeFailures;
    if (over >= 0) entry.closedUntil = now + Math.min(this.limits.maxDelayMs, this.limits.baseDelayMs * 2 ** Math.min(over, 30));
    this.entries.delete(key); // re-insert: the map's order is oldest failure first
    this.entries.set(key, entry);
    while (this.entries.size > this.limits.maxKeys) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  private current(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && this.now() - entry.lastFailureAt > this.limits.forgetAfterMs && this.now() >= entry.closedUntil) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

export interface SigninLimits {
  perAddress: BackoffLimits;
  perAccount: BackoffLimits;
}

export const DEFAULT_SIGNIN_LIMITS: SigninLimits = {
  perAddress: { freeFailures: 10, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 60 * 60_000, maxKeys: 100_000 },
  perAccount: { freeFailures: 5, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 60 * 60_000, maxKeys: 100_000 },
};
