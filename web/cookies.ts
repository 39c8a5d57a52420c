// The web pages' cookies: the session (an API session token, HttpOnly, SameSite=Strict) and,
// before sign-in, a random value for the double-submit CSRF check of the anonymous forms.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const SESSION_COOKIE = 'tb_session';
export const FORM_COOKIE = 'tb_form';

export function readCookies(headers: IncomingHttpHeaders): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at < 1) continue;
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    if (/^[A-Za-z0-9_-]{1,200}$/.test(value)) cookies.set(name, value);
  }
  return cookies;
}

/** A Set-Cookie value; Secure when the request came over HTTPS (through a proxy saying so). */
export function cookie(name: string, value: string, secure: boolean, maxAgeSeconds?: number): string {
  return [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : []), ...(maxAgeSeconds === undefined ? [] : [`Max-Age=${maxAgeSeconds}`])].join('; ');
}

export const newFormNonce = (): string => randomBytes(18).toString('base64url');

/**
 * The CSRF token of a signed-in page: a keyed hash of the session token. Only someone who can
 * read the HttpOnly session cookie (the server) can compute it; it changes with the session.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('tollbridge web csrf').digest('base64url');
}

export function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
