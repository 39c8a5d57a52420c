// Calendar months (UTC) as statements name them (YYYY-MM).
const PERIOD_PATTERN = /^\d{4}-\d{2}$/;

/** The last `count` calendar months (UTC), newest first. */
export function recentPeriods(nowMs: number, count: number): string[] {
  const d = new Date(nowMs);
  const periods: string[] = [];
  for (let i = 0; i < count; i++) {
    const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - i, 1));
    periods.push(m.toISOString().slice(0, 7));
  }
  return periods;
}

/** The ?period= of a page's query when it is a month, else the current one. */
export function periodOfQuery(raw: string | null, nowMs: number): string {
  const given = (raw ?? '').slice(0, 7);
  return PERIOD_PATTERN.test(given) ? given : new Date(nowMs).toISOString().slice(0, 7);
}
