// Account passwords: scrypt, slow on purpose, run on a bounded worker pool (scrypt-pool.ts) so
// sign-ins never take the thread pool SQLite needs. Stored as scrypt$N$r$p$salt$hash; a hash of
// an older cost still verifies and is reported stale, so the caller rehashes it at today's cost.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ScryptPool, type ScryptCost, type ScryptPoolOptions } from './scrypt-pool.js';

/** OWASP's recommendation for scrypt (2023–): N=2^17, r=8, p=1 (128 MiB, about 0.4 s here). */
export const RECOMMENDED_SCRYPT: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };
/** Longest password accepted (scrypt's cost grows with it; nobody types more). */
export const MAX_PASSWORD_LENGTH = 1024;
export const MIN_PASSWORD_LENGTH = 8;

const KEY_LENGTH = 32;
const HIGHEST_N = 2 ** 20;

export interface PasswordCheck {
  ok: boolean;
  /** Verified, but hashed at another cost than today's: store a new hash. */
  stale: boolean;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<PasswordCheck>;
  /** The same work as verify() against a hash nobody has: an unknown account costs as much as a known one. */
  verifyNothing(password: string): Promise<void>;
  /** scrypt runs finished so far, and those running or waiting now. */
  stats(): { finished: number; load: number };
  /** Jobs it takes at once: running plus waiting. */
  readonly capacity: number;
  close(): Promise<void>;
}

interface ParsedHash {
  cost: ScryptCost;
  salt: Buffer;
  hash: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const [scheme, n, r, p, salt, hash, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined || rest.length > 0) return null;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  const sane = Number.isInteger(cost.N) && cost.N >= 2 && cost.N <= HIGHEST_N && (cost.N & (cost.N - 1)) === 0
    && Number.isInteger(cost.r) && cost.r >= 1 && cost.r <= 32 && Number.isInteger(cost.p) && cost.p >= 1 && cost.p <= 16;
  return sane ? { cost, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') } : null;
}

const sameCost = (a: ScryptCost, b: ScryptCost) => a.N === b.N && a.r === b.r && a.p === b.p;

export interface PasswordHasherOptions extends ScryptPoolOptions {
  /** Today's cost (default RECOMMENDED_SCRYPT); tests pass a cheap one. */
  cost?: ScryptCost;
}

export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher & { pool: ScryptPool; cost: ScryptCost } {
  const cost = options.cost ?? RECOMMENDED_SCRYPT;
  const pool = new ScryptPool(options);
  const hash = async (password: string): Promise<string> => {
    const salt = randomBytes(16);
    const key = await pool.derive(password, salt, KEY_LENGTH, cost);
    return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
  };
  // Computed once, at today's cost: what an unknown account is checked against.
  let dummy: Promise<string> | null = null;
  const verify = async (password: string, stored: string): Promise<PasswordCheck> => {
    const parsed = parseHash(stored);
    if (parsed === null) return { ok: false, stale: false };
    const key = await pool.derive(password, parsed.salt, KEY_LENGTH, parsed.cost);
    const ok = key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash);
    return { ok, stale: ok && !sameCost(parsed.cost, cost) };
  };
  return {
    pool,
    cost,
    hash,
    verify,
    async verifyNothing(password: string): Promise<void> {
      if (dummy === null) {
        const made = hash(randomBytes(16).toString('base64'));
        dummy = made;
        made.catch(() => { if (dummy === made) dummy = null; }); // busy: make it next time
      }
      await verify(password, await dummy);
    },
    stats: () => ({ finished: pool.finished, load: pool.load }),
    capacity: pool.workers + pool.maxQueued,
    close: () => pool.close(),
  };
}
