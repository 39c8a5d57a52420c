// PINs: HMAC-SHA-256 keyed with a server secret (kept outside the database) over a per-room
// salt and the PIN. Microseconds per check, on the caller's critical path; a stolen database
// is useless without the secret. Account passwords are another matter: passwords.ts.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

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
