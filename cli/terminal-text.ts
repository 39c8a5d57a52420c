// Stored strings (names, e-mails, notes, caller numbers) are printed to a terminal: control
// characters in them could move the cursor, clear the screen, rewrite earlier lines or fake a
// line of output. They are shown escaped (\x1b, \n, \u202e) instead. JSON output needs none:
// JSON.stringify escapes C0 controls itself.

// C0 and C1 controls, DEL, and the invisible format characters that reorder or hide text
// (zero-width, bidirectional overrides and isolates, line/paragraph separators, BOM).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;

function escape(ch: string): string {
  if (ch === '\n') return '\\n';
  if (ch === '\t') return '\\t';
  if (ch === '\r') return '\\r';
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One stored value, on one line, with every control or invisible format character escaped. */
export function shown(value: string): string {
  return value.replace(UNSAFE, escape);
}

/** A whole block of output: its own line breaks stay, every other control character is escaped. */
export function safeForTerminal(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escape);
}
