// Group commit for the ledger's writes, whatever the database: writes queue here, and while
// any are waiting the writer takes the queued ones (up to MAX_GROUP) and makes them together:
// all the opens as one statement, all the closes as another (db/ledger-writer.ts), in one
// transaction; a group of one kind is one statement, which commits by itself. Every caller's
// promise settles only after the commit that holds its write, so a resolved open/close is as
// durable as a write committed alone, and one commit and at most two statements serve the
// whole group. (Profiled on SQLite, the cost of a write was not SQLite's work but the hop to
// node-sqlite3's worker thread and back, two thread switches per statement.)
//
// A write that fails fails alone: if a batch statement fails (say, one open names an account
// that does not exist), the group's work is undone (its transaction rolled back; a statement
// that ran by itself changed nothing) and the group is made again one write at a time in one
// transaction, each write inside a savepoint, so the failing write is undone and rejected and
// the others commit. If COMMIT fails, every write of the group rejects.
//
// Writes on one channel keep their order: a group never holds a channel twice (an open and a
// close of the same leg go in successive groups), so the two statements of a group, on
// distinct channels, cannot depend on each other.
import { closeBatchRow, openBatchRow, type CloseValues, type LedgerWriter, type OpenedRow, type OpenValues } from './ledger-writer.js';

export type Row = Record<string, unknown>;

/** A connection the writer holds for one group. */
export interface GroupSession {
  /** BEGIN, COMMIT, ROLLBACK, SAVEPOINT ...: no parameters, no rows. */
  exec(sql: string): Promise<void>;
  /** The open statement on a batch (a JSON array of OpenBatchRow); the rows it returns. */
  open(batchJson: string): Promise<Row[]>;
  /** The close statement on a batch (a JSON array of CloseBatchRow); the rows it returns. */
  close(batchJson: string): Promise<Row[]>;
}

export interface GroupCommitDatabase {
  /** How a write transaction begins (SQLite: BEGIN IMMEDIATE, to take the write lock first). */
  begin: string;
  /** A session for one group; `release` gives the connection back. */
  acquire(): Promise<{ session: GroupSession; release: () => Promise<void> }>;
  /** After the last group: finalize statements, close a dedicated connection. */
  dispose(): Promise<void>;
}

type Job =
  | { kind: 'open'; values: OpenValues; settle: (outcome: PromiseSettledResult<unknown>) => void }
  | { kind: 'close'; values: CloseValues; settle: (outcome: PromiseSettledResult<unknown>) => void };

/** Writes in one group at most: bounds a statement's size and a group's time on the connection. */
export const MAX_GROUP = 256;

/** The longest head of the queue (at most `max`) that names each channel once. */
function takeGroup(queue: Job[], max: number): Job[] {
  const channels = new Set<string>();
  let n = 0;
  while (n < queue.length && n < max) {
    const channel = (queue[n] as Job).values.channel;
    if (channels.has(channel)) break;
    channels.add(channel);
    n++;
  }
  return queue.splice(0, n);
}

const rejected = (reason: unknown): PromiseRejectedResult => ({ status: 'rejected', reason });
const fulfilled = (value: unknown): PromiseFulfilledResult<unknown> => ({ status: 'fulfilled', value });

function byChannel(rows: Row[]): Map<unknown, Row> {
  return new Map(rows.map((r) => [r.channel_id, r]));
}

/** The group's opens in one statement and its closes in another; throws if either fails. */
async function runTogether(s: GroupSession, group: Job[]): Promise<PromiseSettledResult<unknown>[]> {
  const opens = group.filter((j) => j.kind === 'open');
  const closes = group.filter((j) => j.kind === 'close');
  const opened = opens.length > 0 ? byChannel(await s.open(JSON.stringify(opens.map((j) => openBatchRow(j.values))))) : new Map<unknown, Row>();
  const closed = closes.length > 0 ? byChannel(await s.close(JSON.stringify(closes.map((j) => closeBatchRow(j.values))))) : new Map<unknown, Row>();
  return group.map((j) => fulfilled((j.kind === 'open' ? opened : closed).get(j.values.channel)));
}

async function runOne(s: GroupSession, job: Job): Promise<unknown> {
  const rows = job.kind === 'open' ? await s.open(JSON.stringify([openBatchRow(job.values)])) : await s.close(JSON.stringify([closeBatchRow(job.values)]));
  return rows[0];
}

/** Each write alone inside a savepoint, so that one failing is undone without the others. */
async function runEachAlone(s: GroupSession, group: Job[]): Promise<PromiseSettledResult<unknown>[]> {
  const outcomes: PromiseSettledResult<unknown>[] = [];
  for (const job of group) {
    await s.exec('SAVEPOINT ledger_write');
    try {
      outcomes.push(fulfilled(await runOne(s, job)));
    } catch (err) {
      await s.exec('ROLLBACK TO SAVEPOINT ledger_write');
      outcomes.push(rejected(err));
    }
    await s.exec('RELEASE SAVEPOINT ledger_write');
  }
  return outcomes;
}

/** Runs `work` in a transaction and commits it; throws if any of it fails. */
async function inTransaction<T>(db: GroupCommitDatabase, s: GroupSession, work: () => Promise<T>): Promise<T> {
  await s.exec(db.begin);
  const result = await work();
  await s.exec('COMMIT');
  return result;
}

/** Makes a group and settles each of its writes after the COMMIT (or the failure). */
async function runGroup(db: GroupCommitDatabase, s: GroupSession, group: Job[]): Promise<void> {
  if (group.length === 1) {
    // Alone: one statement, committed by itself.
    const [job] = group as [Job];
    const [outcome] = await Promise.allSettled([runOne(s, job)]);
    job.settle(outcome);
    return;
  }
  let outcomes: PromiseSettledResult<unknown>[];
  try {
    if (group.every((j) => j.kind === group[0]?.kind)) {
      // One statement, which commits by itself (no BEGIN and COMMIT round trips). If it
      // fails it has changed nothing: make the group again one write at a time.
      try {
        outcomes = await runTogether(s, group);
      } catch {
        outcomes = await inTransaction(db, s, () => runEachAlone(s, group));
      }
    } else {
      outcomes = await inTransaction(db, s, async () => {
        try {
          return await runTogether(s, group);
        } catch {
          // Which write failed is not known: undo the group and make it one write at a time.
          await s.exec('ROLLBACK');
          await s.exec(db.begin);
          return runEachAlone(s, group);
        }
      });
    }
  } catch (err) {
    await s.exec('ROLLBACK').catch(() => undefined);
    for (const job of group) job.settle(rejected(err));
    return;
  }
  group.forEach((job, i) => job.settle(outcomes[i] as PromiseSettledResult<unknown>));
}

export function groupCommitWriter(db: GroupCommitDatabase, maxGroup = MAX_GROUP): LedgerWriter {
  const queue: Job[] = [];
  let draining: Promise<void> | undefined;
  let disposed = false;

  async function drainQueue(): Promise<void> {
    while (queue.length > 0) {
      let held: Awaited<ReturnType<GroupCommitDatabase['acquire']>>;
      try {
        held = await db.acquire();
      } catch (err) {
        // No connection: fail what is waiting rather than hold it forever.
        for (const job of queue.splice(0)) job.settle(rejected(err));
        return;
      }
      try {
        await runGroup(db, held.session, takeGroup(queue, maxGroup));
      } finally {
        await held.release();
      }
    }
  }

  function drain(): void {
    if (draining !== undefined) return;
    draining = drainQueue()
      .catch((err: unknown) => {
        // Giving the connection back failed: fail what is waiting; the next write starts afresh.
        for (const job of queue.splice(0)) job.settle(rejected(err));
      })
      .finally(() => {
        draining = undefined;
        if (queue.length > 0) drain();
      });
  }

  function enqueue<T>(job: (settle: Job['settle']) => Job): Promise<T> {
    if (disposed) return Promise.reject(new Error('the database is closed: the ledger write was not made'));
    return new Promise<T>((resolve, reject) => {
      queue.push(job((o) => (o.status === 'fulfilled' ? resolve(o.value as T) : reject(o.reason instanceof Error ? o.reason : new Error(String(o.reason))))));
      drain();
    });
  }

  return {
    open: (values) => enqueue<OpenedRow | undefined>((settle) => ({ kind: 'open', values, settle })),
    close: (values) => enqueue<Row | undefined>((settle) => ({ kind: 'close', values, settle })),
    dispose: async () => {
      // Writes already accepted are made (nothing accepted is lost); later ones are refused.
      disposed = true;
      while (draining !== undefined) await draining;
      await db.dispose();
    },
  };
}
