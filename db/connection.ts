// A knex instance for the configured database. SQLite: WAL, foreign keys on, a busy timeout,
// synchronous=NORMAL (durable across application crashes; a power cut may lose the last
// transactions), one connection. PostgreSQL: int8 comes back as a JavaScript number.
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { DatabaseConfig } from '../config/config.js';
import { makePrivateDir, makePrivateFile, tightenFile } from '../config/private-files.js';

interface SqliteConnection {
  run(sql: string, callback: (err: Error | null) => void): void;
}

// Checkpoint the WAL every 10,000 pages (~40 MB) instead of SQLite's 1,000: each checkpoint
// syncs the file, and at the default they cost a fifth of the ledger's write rate.
const WAL_CHECKPOINT_PAGES = 10_000;

/**
 * SQLite only: a second connection for the caller's lookups, read-only (query_only), so it
 * runs beside the writer's connection instead of behind it. PostgreSQL's pool already does.
 */
export function connectReader(cfg: DatabaseConfig & { client: 'sqlite' }, busyMs = DEFAULT_BUSY_MS): Knex {
  return sqliteKnex(cfg.filename, ['PRAGMA query_only = ON', `PRAGMA busy_timeout = ${busyMs}`]);
}

// knex prints its own warnings with console.log; on stdout they would break `--json` output.
const toStderr = (message: unknown): void => {
  process.stderr.write(`knex: ${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
};
const KNEX_LOG = { warn: toStderr, error: toStderr, deprecate: toStderr, debug: toStderr };

/** SQLite: how long a statement waits for another process's write lock before SQLITE_BUSY. */
const DEFAULT_BUSY_MS = 5000;

export function connect(cfg: DatabaseConfig, busyMs = DEFAULT_BUSY_MS): Knex {
  if (cfg.client === 'postgres') {
    // Epoch-ms timestamps and micros fit in 2^53; parse int8 (20) as a number.
    pg.types.setTypeParser(20, (v: string) => Number(v));
    return knexFactory({ client: 'pg', connection: cfg.url, pool: { min: 0, max: 10 }, log: KNEX_LOG });
  }
  privateSqliteFiles(cfg.filename);
  return beginImmediate(sqliteKnex(cfg.filename, ['PRAGMA journal_mode = WAL', 'PRAGMA foreign_keys = ON', `PRAGMA busy_timeout = ${Math.trunc(busyMs)}`, 'PRAGMA synchronous = NORMAL', `PRAGMA wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`]));
}

/**
 * The database file exists 0600 before SQLite opens it, in a directory created 0700: SQLite
 * gives its -wal and -shm files the database file's mode. Files an earlier version left
 * readable by others are tightened.
 */
function privateSqliteFiles(filename: string): void {
  if (filename === ':memory:' || filename === '' || filename.startsWith('file:')) return;
  makePrivateDir(path.dirname(filename));
  makePrivateFile(filename);
  for (const suffix of ['-wal', '-shm', '-journal']) tightenFile(`${filename}${suffix}`);
}

interface SqliteTransaction {
  begin(conn: unknown): Promise<unknown>;
  query(conn: unknown, sql: string): Promise<unknown>;
}

/**
 * Every transaction on the writer's connection starts with BEGIN IMMEDIATE instead of knex's
 * BEGIN: it takes the write lock at once, waiting for another process's write within
 * busy_timeout. With a plain (deferred) BEGIN, a transaction that reads first and writes after
 * fails at its first write with SQLITE_BUSY, without waiting, whenever another process
 * committed in between (two CLI commands at once). knex creates the transaction object and
 * calls its begin() only after acquiring the connection, so begin() is replaced here.
 */
function beginImmediate(knex: Knex): Knex {
  const client = knex.client as { transaction: (...args: unknown[]) => SqliteTransaction };
  const create = client.transaction.bind(client);
  client.transaction = (...args: unknown[]) => {
    const trx = create(...args);
    trx.begin = (conn: unknown) => trx.query(conn, 'BEGIN IMMEDIATE;');
    return trx;
  };
  return knex;
}

function sqliteKnex(filename: string, pragmas: string[]): Knex {
  return knexFactory({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    log: KNEX_LOG,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: SqliteConnection, done: (err: Error | null, conn: SqliteConnection) => void) => {
        const next = (i: number): void => {
          const sql = pragmas[i];
          if (sql === undefined) return done(null, conn);
          conn.run(sql, (err) => (err ? done(err, conn) : next(i + 1)));
        };
        next(0);
      },
    },
  });
}
