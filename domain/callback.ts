// "Call me back when the moderator arrives": which waiting callers may ask, and which numbers
// the bridge will dial. The number is always the one the caller called from, never one typed:
// a callback cannot be turned into a free call to anywhere.

/** The key a waiting participant presses (free in the in-call key map, ivr/in-call-keys.ts). */
export const CALLBACK_KEY = '7';

export interface CallbackPolicy {
  /** Where the outbound trunk sends calls (host:port); null: callbacks are off on this bridge. */
  trunk: string | null;
  /** Numbers starting with one of these (E.164 with '+') are never dialled: premium ranges. */
  denyPrefixes: readonly string[];
  /** Numbers the operator blocks (E.164 with '+'). */
  blocked: readonly string[];
  /** A callback nobody answers within this long is given up. */
  answerTimeoutMs: number;
}

export const NO_CALLBACKS: CallbackPolicy = { trunk: null, denyPrefixes: [], blocked: [], answerTimeoutMs: 30_000 };

/** Why a caller may not be called back (null: they may). */
export type CallbackRefusal = 'off' | 'withheld' | 'not-dialable' | 'blocked' | 'premium';

/** What callers send when they withhold their number (Asterisk passes it on as the caller id). */
const WITHHELD = new Set(['', 'anonymous', 'unknown', 'restricted', 'private', 'unavailable', 'withheld']);

/** The number to dial back in E.164 with '+', or null when it is withheld or not a phone number. */
export function dialBackNumber(callerNumber: string | null): string | null {
  if (callerNumber === null) return null;
  const digits = callerNumber.startsWith('+') ? callerNumber.slice(1) : callerNumber;
  // E.164: a country code (no leading 0) and at most 15 digits; shorter than 7 is an extension.
  return /^[1-9][0-9]{6,14}$/.test(digits) ? `+${digits}` : null;
}

export function callbackRefusal(callerNumber: string | null, policy: CallbackPolicy): CallbackRefusal | null {
  if (policy.trunk === null) return 'off';
  if (callerNumber === null || WITHHELD.has(callerNumber.trim().toLowerCase())) return 'withheld';
  const number = dialBackNumber(callerNumber);
  if (number === null) return 'not-dialable';
  if (policy.blocked.includes(number)) return 'blocked';
  if (policy.denyPrefixes.some((prefix) => number.startsWith(prefix))) return 'premium';
  return null;
}
