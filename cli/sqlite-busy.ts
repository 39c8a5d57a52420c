// SQLite's "database is locked": another process held the write lock longer than the bounded
// wait (busy_timeout, TOLLBRIDGE_SQLITE_BUSY_MS). Recognised so it is reported as the domain
// error DatabaseBusy, never as SQL.
export function isSqliteBusy(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  return (typeof e.code === 'string' && e.code.startsWith('SQLITE_BUSY')) || (typeof e.message === 'string' && /SQLITE_BUSY|database is locked/.test(e.message));
}
