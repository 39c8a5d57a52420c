// A fresh, migrated, throw-away database: a SQLite file in a temporary directory, or a new
// database on a PostgreSQL server (created, then dropped on close). Tests and benchmarks use it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { openDatabase, type Database, type DatabaseOptions } from './index.js';

/** `postgresUrl`: a server to create the database on; otherwise SQLite. */
export async function createScratchDatabase(options: DatabaseOptions, postgresUrl?: string): Promise<Database> {
  if (postgresUrl !== undefined && postgresUrl !== '') {
    const name = `tollbridge_scratch_${randomBytes(6).toString('hex')}`;
    const admin = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } });
    await admin.raw(`CREATE DATABASE ${name}`);
    const dbUrl = new URL(postgresUrl);
    dbUrl.pathname = `/${name}`;
    const db = await openDatabase({ client: 'postgres', url: dbUrl.toString() }, options);
    const closeDb = db.close.bind(db);
    db.close = async () => {
      await closeDb();
      await admin.raw(`DROP DATABASE IF EXISTS ${name}`);
      await admin.destroy();
    };
    return db;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-db-'));
  const db = await openDatabase({ client: 'sqlite', filename: path.join(dir, 'scratch.sqlite') }, options);
  const closeDb = db.close.bind(db);
  db.close = async () => {
    await closeDb();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return db;
}
