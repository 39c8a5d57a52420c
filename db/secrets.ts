// PINs: HMAC-SHA-256 keyed with a server secret (kept outside the database) over a per-room
// salt and the PIN. Microseconds per check, on the caller's critical path; a stolen database
// is useless without the secret. Account passwords are another matter: scrypt, slow on purpose.
import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;

export function newSalt(): string {
  return randomBytes(16).toString('base64');
}

export function pinHash(secret: string, salt: string, pin: string): string {
  return createHmac('sha256', secret).update(salt).update('\u0000').update(pin).digest('base64');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const SCRYPT = { N: 16384, r: 8, p: 1 };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), 32, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(actual, Buffer.from(hash, 'base64'));
}
