// The one date parser of the API and the CLI: YYYY-MM-DD (midnight UTC) or an ISO timestamp
// with its zone, a real calendar day, in a sane range of years. Nothing lenient: Date.parse
// alone takes "1", "March 7" or year 0.
import { InvalidDate } from './errors.js';

/** Dates before or after these years are refused: nothing in a ledger is older, and the far future is a typo. */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2999;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?(Z|[+-](0\d|1[0-4]):[0-5]\d)$/;

export const DATE_RULE = `a date like 2026-11-01 (UTC) or an ISO timestamp with its zone like 2026-11-01T09:30:00Z, years ${FIRST_YEAR}-${LAST_YEAR}`;

/** Epoch ms, or InvalidDate naming `name`. */
export function parseDate(raw: string, name: string): number {
  const text = raw.trim();
  const m = DAY.exec(text) ?? TIMESTAMP.exec(text);
  if (m !== null) {
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const midnight = Date.UTC(year, month - 1, day);
    const realDay = new Date(midnight).toISOString().slice(0, 10) === text.slice(0, 10); // refuses 2026-02-30
    const ms = m.length > 4 ? Date.parse(text) : midnight;
    if (realDay && year >= FIRST_YEAR && year <= LAST_YEAR && !Number.isNaN(ms)) return ms;
  }
  throw new InvalidDate(`"${name}" takes ${DATE_RULE}, not ${JSON.stringify(raw.slice(0, 40))}`);
}
