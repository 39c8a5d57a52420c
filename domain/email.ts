// E-mail addresses as accounts take them: one RFC 5322 addr-spec in its dot-atom form, ASCII
// only (so no control, zero-width or look-alike characters), no quoted local part, no comments,
// no address lists, no IP-literal domain. Lower-cased: the address is the sign-in name.
import { InvalidEmail } from './errors.js';

const ATEXT = "[a-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LOCAL = new RegExp(`^${ATEXT}(\\.${ATEXT})*$`);
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TLD = /^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** The address, trimmed of surrounding spaces and lower-cased; anything else is InvalidEmail. */
export function normaliseEmail(raw: string): string {
  const email = raw.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase();
  const refuse = (why: string): never => {
    throw new InvalidEmail(`that is not an e-mail address (${why}): write one address like ada@example.com`);
  };
  if (email.length > 254) refuse('longer than 254 characters');
  if (!/^[\x21-\x7e]+$/.test(email)) refuse('only printable ASCII characters, no spaces');
  const at = email.lastIndexOf('@');
  if (at <= 0 || email.indexOf('@') !== at) refuse('exactly one @ with a name before it');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) refuse('the part before @ has characters or dots an address cannot have');
  const labels = domain.split('.');
  if (domain.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || !TLD.test(labels[labels.length - 1] ?? '')) {
    refuse('the domain after @ must be a host name like example.com');
  }
  return email;
}

/** For logs: the first character of the name and the domain, e.g. a…@example.com. */
export function maskEmail(raw: string): string {
  const text = raw.slice(0, 254);
  const at = text.lastIndexOf('@');
  if (at < 0) return text.length === 0 ? '(empty)' : `${JSON.stringify(text.slice(0, 1))}…`;
  return `${JSON.stringify(text.slice(0, 1)).slice(1, -1)}…@${JSON.stringify(text.slice(at + 1, at + 64)).slice(1, -1)}`;
}
