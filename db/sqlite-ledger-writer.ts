// On SQLite the ledger's two batch statements run prepared, on knex's own (single) pooled
// connection: building and binding a query through knex costs about three times the statement
// itself. The writer borrows the connection from knex's pool for each group
// (db/ledger-group-commit.ts), so it never runs inside somebody else's transaction, knex's own
// queries get their turn between groups, and there is still exactly one connection to the
// file (no cross-connection locking).
import type { Knex } from 'knex';
import type sqlite3 from 'sqlite3';
import { groupCommitWriter, type GroupCommitDatabase, type GroupSession, type Row } from './ledger-group-commit.js';
import { closeBatchSql, openBatchSql, type LedgerWriter } from './ledger-writer.js';

interface Pool {
  acquireConnection(): Promise<sqlite3.Database>;
  releaseConnection(conn: sqlite3.Database): Promise<void> | void;
}

interface Prepared {
  open: sqlite3.Statement;
  close: sqlite3.Statement;
}

function prepare(conn: sqlite3.Database, sql: string): Promise<sqlite3.Statement> {
  return new Promise((resolve, reject) => {
    const st = conn.prepare(sql, (err) => (err ? reject(err) : resolve(st)));
  });
}

function exec(conn: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => conn.exec(sql, (err) => (err ? reject(err) : resolve())));
}

// all(), not get(): get() steps once and leaves the statement (and so its write transaction)
// open until the next call on it.
function all(st: sqlite3.Statement, batchJson: string): Promise<Row[]> {
  return new Promise((resolve, reject) => st.all([batchJson], (err: Error | null, rows: Row[]) => (err ? reject(err) : resolve(rows))));
}

export function sqliteLedgerWriter(knex: Knex, maxGroup?: number): LedgerWriter {
  return groupCommitWriter(sqliteGroupDatabase(knex), maxGroup);
}

/** The SQLite side of the group commit (exported for tests that watch what it is asked). */
export function sqliteGroupDatabase(knex: Knex): GroupCommitDatabase {
  const pool = knex.client as unknown as Pool;
  const prepared = new WeakMap<sqlite3.Database, Prepared>();
  const live = new Set<Prepared>();

  async function statements(conn: sqlite3.Database): Promise<Prepared> {
    let p = prepared.get(conn);
    if (p === undefined) {
      p = { open: await prepare(conn, openBatchSql('sqlite', '?')), close: await prepare(conn, closeBatchSql('sqlite', '?')) };
      prepared.set(conn, p);
      live.add(p);
    }
    return p;
  }

  return {
    begin: 'BEGIN IMMEDIATE',
    acquire: async () => {
      const conn = await pool.acquireConnection();
      try {
        const p = await statements(conn);
        const session: GroupSession = { exec: (sql) => exec(conn, sql), open: (json) => all(p.open, json), close: (json) => all(p.close, json) };
        return { session, release: async () => pool.releaseConnection(conn) };
      } catch (err) {
        await pool.releaseConnection(conn);
        throw err;
      }
    },
    // Statements must be finalized before knex closes the connection.
    dispose: async () => {
      for (const p of live) {
        await new Promise<void>((resolve) => p.open.finalize(() => resolve()));
        await new Promise<void>((resolve) => p.close.finalize(() => resolve()));
      }
      live.clear();
    },
  };
}
