// On SQLite the ledger's two hot statements run prepared, on knex's own (single) pooled
// connection: building and binding a query through knex costs about three times the statement
// itself (bench/ledger.ts: ~1,300 legs/s through knex.raw, ~5,000+ prepared). The writer borrows
// the connection from knex's pool for each statement, so it never runs inside somebody else's
// transaction and there is still exactly one connection to the file (no cross-connection
// locking). Writes that queue up together commit together (see BATCH below).
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

function exec(conn: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => conn.exec(sql, (err) => (err ? reject(err) : resolve())));
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

  // Writes queue here. While any are waiting, the writer borrows the connection and runs what
  // has queued (up to BATCH) as one transaction: group commit. Every caller's promise settles
  // only after COMMIT, so a resolved open/close is durable as before, and one commit serves the
  // whole group instead of one each. A statement that fails (say, a constraint) fails alone:
  // SQLite rolls back that statement, not the transaction. If COMMIT fails, the group is rolled
  // back and every write in it rejects. Then the connection goes back, so knex's own queries
  // get their turn between groups.
  const BATCH = 256;
  interface Job {
    run: (p: Prepared) => Promise<unknown>;
    settle: (outcome: PromiseSettledResult<unknown>) => void;
  }
  const queue: Job[] = [];
  let draining = false;
  let disposed = false;

  async function statements(conn: sqlite3.Database): Promise<Prepared> {
    let p = prepared.get(conn);
    if (p === undefined) {
      p = { open: await prepare(conn, OPEN_SQL), close: await prepare(conn, CLOSE_SQL) };
      prepared.set(conn, p);
      live.add(p);
    }
    return p;
  }

  async function runGroup(conn: sqlite3.Database, p: Prepared, group: Job[]): Promise<void> {
    if (group.length === 1) {
      const [job] = group as [Job];
      const [outcome] = await Promise.allSettled([job.run(p)]);
      job.settle(outcome);
      return;
    }
    await exec(conn, 'BEGIN IMMEDIATE');
    const outcomes = await Promise.allSettled(group.map((job) => job.run(p)));
    try {
      await exec(conn, 'COMMIT');
    } catch (err) {
      await exec(conn, 'ROLLBACK').catch(() => undefined);
      for (const job of group) job.settle({ status: 'rejected', reason: err });
      return;
    }
    group.forEach((job, i) => job.settle(outcomes[i] as PromiseSettledResult<unknown>));
  }

  async function drain(): Promise<void> {
    if (draining) return;
    draining = true;
    try {
      while (queue.length > 0) {
        const conn = await pool.acquireConnection();
        try {
          await runGroup(conn, await statements(conn), queue.splice(0, BATCH));
        } finally {
          await pool.releaseConnection(conn);
        }
      }
    } catch (err) {
      // Could not borrow the connection, prepare the statements or begin: fail what is waiting.
      for (const job of queue.splice(0)) job.settle({ status: 'rejected', reason: err });
    } finally {
      draining = false;
    }
    if (queue.length > 0) void drain();
  }

  function withStatements<T>(fn: (p: Prepared) => Promise<T>): Promise<T> {
    if (disposed) return Promise.reject(new Error('the database is closed: the ledger write was not made'));
    return new Promise<T>((resolve, reject) => {
      queue.push({ run: fn, settle: (o) => (o.status === 'fulfilled' ? resolve(o.value as T) : reject(o.reason instanceof Error ? o.reason : new Error(String(o.reason)))) });
      void drain();
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
    close: (v) => withStatements(async (p) => (await all(p.close, { ':end': v.end, ':channel': v.channel, ':reason': v.reason }))[0]),
    // Statements must be finalized before knex closes the connection.
    dispose: async () => {
      // Writes already queued are made (nothing accepted is lost); later ones are refused.
      disposed = true;
      while (draining || queue.length > 0) await new Promise((r) => setTimeout(r, 5));
      for (const p of live) {
        await new Promise<void>((resolve) => p.open.finalize(() => resolve()));
        await new Promise<void>((resolve) => p.close.finalize(() => resolve()));
      }
      live.clear();
    },
  };
}
