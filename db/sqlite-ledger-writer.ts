// On SQLite the ledger's two hot statements run prepared, on knex's own (single) pooled
// connection: building and binding a query through knex costs about three times the statement
// itself (bench/ledger.ts: ~1,300 legs/s through knex.raw, ~5,000+ prepared). The writer borrows
// the connection from knex's pool for each statement, so it never runs inside somebody else's
// transaction and there is still exactly one connection to the file (no cross-connection
// locking). Each open and each close is its own autocommitted, durable write.
import type { Knex } from 'knex';
import type sqlite3 from 'sqlite3';
import { CLOSE_SQL, OPEN_SQL, type LedgerWriter, type OpenedRow, type OpenValues } from './ledger-writer.js';

type Row = Record<string, unknown>;

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

// all(), not get(): get() steps once and leaves the statement (and so its write transaction)
// open until the next call on it.
function all(st: sqlite3.Statement, params: Record<string, unknown>): Promise<Row[]> {
  return new Promise((resolve, reject) => st.all(params, (err: Error | null, rows: Row[]) => (err ? reject(err) : resolve(rows))));
}

export function sqliteLedgerWriter(knex: Knex): LedgerWriter {
  const pool = knex.client as unknown as Pool;
  const prepared = new WeakMap<sqlite3.Database, Prepared>();
  const live = new Set<Prepared>();

  // Writes queue here. While any are waiting, the writer keeps the connection borrowed and hands
  // each to node-sqlite3 as it arrives (it runs them back to back on its thread, each its own
  // statement and commit); after BATCH writes, or when none is left, it gives the connection
  // back so knex's own queries get their turn. Borrowing per statement halves the write rate.
  const BATCH = 256;
  const queue: Array<{ run: (p: Prepared) => Promise<void>; fail: (err: unknown) => void }> = [];
  let borrowed: { conn: sqlite3.Database; p: Prepared; started: number; inFlight: number } | null = null;
  let borrowing = false;

  async function statements(conn: sqlite3.Database): Promise<Prepared> {
    let p = prepared.get(conn);
    if (p === undefined) {
      p = { open: await prepare(conn, OPEN_SQL), close: await prepare(conn, CLOSE_SQL) };
      prepared.set(conn, p);
      live.add(p);
    }
    return p;
  }

  function pump(): void {
    const b = borrowed;
    if (b === null) {
      if (!borrowing && queue.length > 0) void borrow();
      return;
    }
    while (queue.length > 0 && b.started < BATCH) {
      const job = queue.shift();
      if (job === undefined) break;
      b.started++;
      b.inFlight++;
      void job.run(b.p).finally(() => {
        b.inFlight--;
        pump();
      });
    }
    if (b.inFlight === 0 && (queue.length === 0 || b.started >= BATCH)) {
      borrowed = null;
      void Promise.resolve(pool.releaseConnection(b.conn)).catch(() => undefined).then(pump);
    }
  }

  async function borrow(): Promise<void> {
    borrowing = true;
    try {
      const conn = await pool.acquireConnection();
      try {
        borrowed = { conn, p: await statements(conn), started: 0, inFlight: 0 };
      } catch (err) {
        await pool.releaseConnection(conn);
        throw err;
      }
    } catch (err) {
      // Could not borrow the connection or prepare the statements: fail everything waiting.
      for (const job of queue.splice(0)) job.fail(err);
    } finally {
      borrowing = false;
    }
    pump();
  }

  function withStatements<T>(fn: (p: Prepared) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ run: (p) => fn(p).then(resolve, reject), fail: reject });
      pump();
    });
  }

  return {
    // node-sqlite3 wants named parameters with their prefix.
    open: (v: OpenValues) =>
      withStatements(async (p) => {
        const rows = await all(p.open, {
          ':channel': v.channel, ':account': v.account, ':subscription': v.subscription, ':dialled': v.dialled,
          ':caller': v.caller, ':answered': v.answered, ':now': v.now, ':number': v.number,
        });
        return rows[0] as OpenedRow | undefined;
      }),
    close: (v) => withStatements(async (p) => (await all(p.close, { ':end': v.end, ':channel': v.channel }))[0]),
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
