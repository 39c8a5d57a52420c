// A fresh, migrated database per call: SQLite by default, PostgreSQL when TOLLBRIDGE_TEST_DB
// is a postgres:// URL (the same suite runs on both in CI).
import { createScratchDatabase } from '../../db/scratch.js';
import type { Database, DatabaseOptions } from '../../db/index.js';

export const TEST_PIN_SECRET = 'test-pin-secret';

export function testDatabaseKind(): 'sqlite' | 'postgres' {
  return (process.env.TOLLBRIDGE_TEST_DB ?? '').startsWith('postgres') ? 'postgres' : 'sqlite';
}

export function createTestDatabase(options: Partial<DatabaseOptions> = {}): Promise<Database> {
  const url = process.env.TOLLBRIDGE_TEST_DB ?? '';
  return createScratchDatabase({ pinSecret: TEST_PIN_SECRET, ...options }, url.startsWith('postgres') ? url : undefined);
}
