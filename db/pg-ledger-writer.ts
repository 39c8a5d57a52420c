// On PostgreSQL the ledger's writes go through a connection of their own (not one of knex's
// pool, so the app's queries can never keep a commit waiting for a connection), with group
// commit (db/ledger-group-commit.ts): the writes that arrive while a group is being made are
// made together in the next one, so a COMMIT serves up to MAX_GROUP writes instead of one.
// The two batch statements are named prepared statements: parsed and planned once per
// connection. A connection that breaks is dropped; the next group opens a new one.
import pg from 'pg';
import { groupCommitWriter, type GroupCommitDatabase, type GroupSession, type Row } from './ledger-group-commit.js';
import { closeBatchSql, openBatchSql, type LedgerWriter } from './ledger-writer.js';

const OPEN = { name: 'tollbridge_ledger_open', text: openBatchSql('postgres', '$1') };
const CLOSE = { name: 'tollbridge_ledger_close', text: closeBatchSql('postgres', '$1') };

// The two statements touch a batch's rows by key, so a nested loop over the batch with index
// lookups is always the right plan. The planner guesses 100 rows for json_array_elements and,
// on a young or unanalysed ledger, then prefers to scan the whole ledger once per batch and
// hash-join it (8 ms per batch of 50 at 20,000 rows instead of 1.4 ms, growing with the ledger).
// This connection runs nothing else, so its planner is told to use the indexes. That alone
// left the close's kept plan reading the whole channel index per batch (closeBatchSql says
// why; test/db/pg-ledger-plan.test.ts plans the close as this connection does).
export const PLAN_BY_KEY = 'SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off';

export function pgLedgerWriter(url: string, maxGroup?: number): LedgerWriter {
  return groupCommitWriter(pgGroupDatabase(url), maxGroup);
}

/** The PostgreSQL side of the group commit (exported for tests that watch what it is asked). */
export function pgGroupDatabase(url: string): GroupCommitDatabase {
  let client: Promise<pg.Client> | undefined;

  function connection(): Promise<pg.Client> {
    if (client === undefined) {
      const c = new pg.Client({ connectionString: url, application_name: 'tollbridge ledger writer' });
      const forget = (): void => {
        if (client === opened) client = undefined;
      };
      // An error on an idle connection (server restart) arrives here; without a listener it
      // would crash the process. The group in flight, if any, rejects through its query.
      c.on('error', forget);
      c.on('end', forget);
      const opened = c
        .connect()
        .then(() => c.query(PLAN_BY_KEY))
        .then(() => c);
      client = opened;
      opened.catch(forget);
    }
    return client;
  }

  async function query(c: pg.Client, statement: { name: string; text: string }, batchJson: string): Promise<Row[]> {
    return (await c.query<Row>({ ...statement, values: [batchJson] })).rows;
  }

  return {
    begin: 'BEGIN',
    acquire: async () => {
      const c = await connection();
      const session: GroupSession = {
        exec: async (sql) => {
          await c.query(sql);
        },
        open: (json) => query(c, OPEN, json),
        close: (json) => query(c, CLOSE, json),
      };
      return { session, release: async () => {} };
    },
    dispose: async () => {
      const c = client;
      client = undefined;
      if (c !== undefined) await (await c.catch(() => undefined))?.end();
    },
  };
}
