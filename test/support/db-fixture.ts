// A fresh, migrated database per call: a temporary SQLite file, or, when TOLLBRIDGE_TEST_DB
// is a PostgreSQL URL, a new database created on that server (dropped again on close).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { openDatabase, type Database, type DatabaseOptions } from '../../db/index.js';

export const TEST_PIN_SECRET = 'test-pin-secret';

export function testDatabaseKind(): 'sqlite' | 'postgres' {
  return (process.env.TOLLBRIDGE_TEST_DB ?? '').startsWith('postgres') ? 'postgres' : 'sqlite';
}

export async function createTestDatabase(options: Partial<DatabaseOptions> = {}): Promise<Database> {
  const opts: DatabaseOptions = { pinSecret: TEST_PIN_SECRET, ...options };
  const url = process.env.TOLLBRIDGE_TEST_DB ?? '';
  if (url.startsWith('postgres')) {
    const name = `tollbridge_test_${randomBytes(6).toString('hex')}`;
    const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
    await admin.raw(`CREATE DATABASE ${name}`);
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${name}`;
    const db = await openDatabase({ client: 'postgres', url: dbUrl.toString() }, opts);
    const closeDb = db.close.bind(db);
    db.close = async () => {
      await closeDb();
      await admin.raw(`DROP DATABASE IF EXISTS ${name}`);
      await admin.destroy();
    };
    return db;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-db-'));
  const db = await openDatabase({ client: 'sqlite', filename: path.join(dir, 'test.sqlite') }, opts);
  const closeDb = db.close.bind(db);
  db.close = async () => {
    await closeDb();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return db;
}
