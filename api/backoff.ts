// Failed password checks counted per key (a client address, an account) with exponential
// backoff: the `freeFailures`-th failure closes the key for base, the next for 2 x base, then
// 4 x base ... up to `maxDelayMs`. A key is forgotten `forgetAfterMs` after its
// last failure, or on success (accounts only: an attacker's own account must not clear the
// address). Kept in the database (db/repositories/signin-failures.ts), so every API process on
// it counts the same failures; bounded to `maxKeys` per kind of key (the oldest go first, at
// the prune that follows a failure at most every PRUNE_EVERY_MS).
import type { Logger } from 'pino';
import type { FailureRule, SigninKey, SigninScope } from '../db/index.js';
import type { SigninFailuresRepository } from '../db/repositories/signin-failures.js';

export interface BackoffLimits {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
  maxKeys: number;
}

export interface SigninLimits {
  perAddress: BackoffLimits;
  perAccount: BackoffLimits;
}

export const DEFAULT_SIGNIN_LIMITS: SigninLimits = {
  perAddress: { freeFailures: 10, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 60 * 60_000, maxKeys: 100_000 },
  perAccount: { freeFailures: 5, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 60 * 60_000, maxKeys: 100_000 },
};

/** Least time between two prunes of forgotten keys (by this process). */
export const PRUNE_EVERY_MS = 60_000;

/** How long the `failures`-th failure in a row closes a key (0: not at all). */
export function closeForMs(limits: BackoffLimits, failures: number): number {
  const over = failures - limits.freeFailures;
  return over < 0 ? 0 : Math.min(limits.maxDelayMs, limits.baseDelayMs * 2 ** Math.min(over, 30));
}

const ruleOf = (limits: BackoffLimits): FailureRule => ({ forgetAfterMs: limits.forgetAfterMs, closeForMs: (failures) => closeForMs(limits, failures) });

export class SigninBackoff {
  private lastPrune = Number.NEGATIVE_INFINITY;
  private readonly rules: Record<SigninScope, FailureRule>;

  constructor(
    private readonly failures: SigninFailuresRepository,
    readonly limits: SigninLimits,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.rules = { address: ruleOf(limits.perAddress), account: ruleOf(limits.perAccount) };
  }

  /** Milliseconds until none of the keys is closed; 0: now. */
  async waitMs(address: string, account: string): Promise<number> {
    const until = await this.failures.closedUntil([{ scope: 'address', key: address }, { scope: 'account', key: account }]);
    return Math.max(0, until - this.now());
  }

  /** A wrong password from `address` for `account`. */
  async fail(address: string, account: string): Promise<void> {
    const now = this.now();
    const keys: SigninKey[] = [{ scope: 'address', key: address }, { scope: 'account', key: account }];
    for (const key of keys) await this.failures.recordFailure(key, this.rules[key.scope], now);
    if (now - this.lastPrune >= PRUNE_EVERY_MS || now < this.lastPrune) {
      this.lastPrune = now;
      void this.prune(now).catch((err: unknown) => this.log.warn({ err }, 'sign-in failures: forgotten keys not pruned; tried again a minute later'));
    }
  }

  /** A right password for `account`: its count is cleared (the address's is not). */
  async succeed(account: string): Promise<void> {
    await this.failures.forget({ scope: 'account', key: account });
  }

  async prune(now = this.now()): Promise<void> {
    await this.failures.prune('address', this.limits.perAddress.forgetAfterMs, this.limits.perAddress.maxKeys, now);
    await this.failures.prune('account', this.limits.perAccount.forgetAfterMs, this.limits.perAccount.maxKeys, now);
  }
}
