// Phone numbers as the operator holds them and callers dial them.
import { InvalidPhoneNumber } from './errors.js';

export type NumberKind = 'toll_free' | 'local';

/** A dialled number that answers: held by an account through a live subscription. */
export interface NumberRoute {
  numberId: number;
  e164: string;
  kind: NumberKind;
  accountId: number;
  subscriptionId: number;
}

const E164 = /^\+[1-9]\d{7,14}$/;

/** The number trimmed, or InvalidPhoneNumber: E.164 is '+' then 8 to 15 digits. */
export function validateE164(e164: string): string {
  const n = e164.trim();
  if (!E164.test(n)) throw new InvalidPhoneNumber(`"${e164}" is not an E.164 number: + then 8 to 15 digits, e.g. +18005550100`);
  return n;
}
