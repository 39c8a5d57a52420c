// A fresh, migrated database per call: SQLite by default, PostgreSQL when TOLLBRIDGE_TEST_DB
// is a postgres:// URL (the same suite runs on both in CI).
import { createScratchDatabase } from '../../db/scratch.js';
import { openDatabase, type Database, type DatabaseOptions } from '../../db/index.js';
import { PUBLIC_TEST_DATA_KEY } from '../../config/data-key.js';

export const TEST_PIN_SECRET = 'test-pin-secret';
/** A cheap scrypt cost for tests (the recommended one takes 0.4 s a hash). */
export const TEST_SCRYPT = { N: 2 ** 12, r: 8, p: 1 };

export function testDatabaseKind(): 'sqlite' | 'postgres' {
  return (process.env.TOLLBRIDGE_TEST_DB ?? '').startsWith('postgres') ? 'postgres' : 'sqlite';
}

export function createTestDatabase(options: Partial<DatabaseOptions> = {}): Promise<Database> {
  const url = process.env.TOLLBRIDGE_TEST_DB ?? '';
  return createScratchDatabase({ pinSecret: TEST_PIN_SECRET, dataKey: PUBLIC_TEST_DATA_KEY, passwordHashing: { cost: TEST_SCRYPT }, ...options }, url.startsWith('postgres') ? url : undefined);
}

/** The test database as `--db` and another connection take it: sqlite:FILE or its postgres:// URL. */
export function testDatabaseUrl(db: Database): string {
  const connection = (db.knex.client as { config: { connection: { filename?: string; database?: string } } }).config.connection;
  if (connection.filename !== undefined) return `sqlite:${connection.filename}`;
  const url = new URL(process.env.TOLLBRIDGE_TEST_DB ?? '');
  url.pathname = `/${connection.database ?? ''}`;
  return url.toString();
}

/** Another handle on the same test database, as another process on it opens it (its own connections). */
export function openSecondHandle(db: Database, options: Partial<DatabaseOptions> = {}): Promise<Database> {
  const url = testDatabaseUrl(db);
  const cfg = url.startsWith('sqlite:') ? { client: 'sqlite' as const, filename: url.slice('sqlite:'.length) } : { client: 'postgres' as const, url };
  return openDatabase(cfg, { pinSecret: TEST_PIN_SECRET, dataKey: PUBLIC_TEST_DATA_KEY, passwordHashing: { cost: TEST_SCRYPT }, ...options });
}
