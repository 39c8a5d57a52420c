// Pure matching of collected DTMF against an entry rule, in the manner of CyCoreSystems/ari
// ext/play (MatchLenOrTerminator): each new digit gives Incomplete, Complete or Invalid.
// Digits after the terminator are kept as `rest`: a caller who types ahead (barge-in) into
// the next prompt loses nothing.

export const TERMINATOR = '#';

export interface EntryRule {
  /** Most digits an entry may have before the terminator. */
  maxDigits: number;
}

export type EntryMatch =
  | { kind: 'incomplete' }
  | { kind: 'complete'; value: string; rest: string }
  | { kind: 'invalid'; rest: string };

const DIGITS = /^[0-9]+$/;

export function matchEntry(buffer: string, rule: EntryRule): EntryMatch {
  const end = buffer.indexOf(TERMINATOR);
  if (end === -1) {
    // Too long already: no terminator can make it valid, so say so now instead of waiting.
    if (buffer.length > rule.maxDigits) return { kind: 'invalid', rest: '' };
    return { kind: 'incomplete' };
  }
  const value = buffer.slice(0, end);
  const rest = buffer.slice(end + 1);
  if (!DIGITS.test(value) || value.length > rule.maxDigits) return { kind: 'invalid', rest };
  return { kind: 'complete', value, rest };
}

/**
 * What an inter-digit timeout means: callers often forget the `#`, so digits typed and then
 * left alone count as the entry; nothing typed is no input.
 */
export function matchOnTimeout(buffer: string, rule: EntryRule): EntryMatch | { kind: 'no-input' } {
  if (buffer === '') return { kind: 'no-input' };
  if (DIGITS.test(buffer) && buffer.length <= rule.maxDigits) return { kind: 'complete', value: buffer, rest: '' };
  return { kind: 'invalid', rest: '' };
}
