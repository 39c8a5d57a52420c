// The ledger's group-commit writer on the database under test (SQLite, or PostgreSQL with
// TOLLBRIDGE_TEST_DB): writes that arrive together share a COMMIT, each is committed when its
// promise resolves, a failing write fails alone, writes on one channel keep their order, and
// closing the writer makes the accepted writes and refuses later ones at once.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import { groupCommitWriter, MAX_GROUP, type GroupCommitDatabase } from '../../db/ledger-group-commit.js';
import type { LedgerWriter, OpenValues } from '../../db/ledger-writer.js';
import { pgGroupDatabase } from '../../db/pg-ledger-writer.js';
import { sqliteGroupDatabase } from '../../db/sqlite-ledger-writer.js';
import type { Subscription } from '../../db/types.js';
import { accountWithNumber, openTestDb, rejects } from './helpers.js';

const T0 = Date.UTC(2026, 2, 10, 12);
const TF = '+18005550100';

/** What the writer asked of the database: transaction control statements and batch sizes. */
interface Watched {
  execs: string[];
  batches: number[];
}

/** The URL of the scratch PostgreSQL database: the server under test, that database's name. */
async function scratchUrl(db: Database): Promise<string> {
  const url = new URL(process.env.TOLLBRIDGE_TEST_DB ?? '');
  const { rows } = await db.knex.raw<{ rows: Array<{ name: string }> }>('SELECT current_database() AS name');
  url.pathname = `/${rows[0]?.name ?? ''}`;
  return url.toString();
}

/** The database's own group-commit side, with every request it gets written down. */
async function watched(db: Database, seen: Watched): Promise<GroupCommitDatabase> {
  const inner = db.client === 'sqlite' ? sqliteGroupDatabase(db.knex) : pgGroupDatabase(await scratchUrl(db));
  const size = (json: string): number => (JSON.parse(json) as unknown[]).length;
  return {
    begin: inner.begin,
    dispose: () => inner.dispose(),
    acquire: async () => {
      const held = await inner.acquire();
      return {
        release: held.release,
        session: {
          exec: (sql) => {
            seen.execs.push(sql);
            return held.session.exec(sql);
          },
          open: (json) => {
            seen.batches.push(size(json));
            return held.session.open(json);
          },
          close: (json) => {
            seen.batches.push(size(json));
            return held.session.close(json);
          },
        },
      };
    },
  };
}

describe('db: ledger group-commit writer', function () {
  this.timeout(60_000);
  let db: Database;
  let sub: Subscription;
  let accountId: number;
  let seen: Watched;
  let writer: LedgerWriter;
  let disposed: boolean;

  beforeEach(async () => {
    db = await openTestDb({ now: () => T0 });
    ({ accountId, sub } = await accountWithNumber(db, TF));
    seen = { execs: [], batches: [] };
    writer = groupCommitWriter(await watched(db, seen));
    disposed = false;
  });
  afterEach(async () => {
    if (!disposed) await writer?.dispose();
    await db?.close();
  });

  const opening = (channel: string, i: number, account = accountId): OpenValues => ({
    channel, account, subscription: sub.id, dialled: TF, caller: null, answered: T0 + i, now: T0, number: sub.numberId,
  });
  const rowOf = async (channel: string) => db.knex('usage_ledger').where({ channel_id: channel }).first<Record<string, unknown> | undefined>();
  const count = async (): Promise<number> => Number((await db.knex('usage_ledger').count<{ n: number | string }[]>({ n: '*' }))[0]?.n);
  const commits = (): number => seen.execs.filter((s) => s === 'COMMIT').length;

  it(`${MAX_GROUP + 44} opens at once share a few statements, each committed (seen by knex's own connection) when its promise resolves`, async () => {
    const n = MAX_GROUP + 44;
    const visible = await Promise.all(
      Array.from({ length: n }, (_, i) => writer.open(opening(`g-${i}`, i)).then(async (row) => ({ row, stored: await rowOf(`g-${i}`) }))),
    );
    expect(visible.every((v) => v.row !== undefined && v.stored !== undefined && v.stored.id === v.row.id)).to.equal(true);
    expect(await count()).to.equal(n);
    // At most MAX_GROUP writes per group; a group of opens only is one statement.
    expect(Math.max(...seen.batches)).to.equal(MAX_GROUP);
    expect(seen.batches.reduce((a, b) => a + b, 0)).to.equal(n);
    expect(seen.batches.length).to.be.at.most(4);
    // Ids follow the order the writes arrived in.
    const ids = visible.map((v) => Number(v.row?.id));
    expect([...ids].sort((a, b) => a - b)).to.deep.equal(ids);
  });

  it('a failing open in a group fails alone: the others commit, a duplicate open and a close of an unknown channel are no failures', async () => {
    await writer.open(opening('already', 0));
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 40 }, (_, i) => writer.open(opening(`f-${i}`, i, i === 17 ? 999_999 : accountId))),
      writer.open(opening('already', 99)),
      writer.close({ channel: 'unknown', end: T0 + 5_000, reason: null }),
    ]);
    expect(outcomes.map((o, i) => (o.status === 'rejected' ? i : -1)).filter((i) => i >= 0)).to.deep.equal([17]);
    expect(outcomes.slice(40).map((o) => (o.status === 'fulfilled' ? o.value : 'rejected'))).to.deep.equal([undefined, undefined]);
    expect(await rowOf('f-17')).to.equal(undefined);
    expect(await count()).to.equal(40); // 'already' and 39 of the 40
    expect(Number((await rowOf('already'))?.answered_at)).to.equal(T0);
    // The group was tried together, rolled back, then made one write at a time.
    expect(seen.execs).to.include('ROLLBACK TO SAVEPOINT ledger_write');
  });

  it('a failing open among opens only (one statement, no transaction) fails alone: the statement changed nothing, the others commit', async () => {
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => writer.open(opening(`o-${i}`, i, i === 29 ? 999_999 : accountId))));
    expect(outcomes.map((o) => o.status).lastIndexOf('fulfilled')).to.equal(28);
    expect(outcomes[29]?.status).to.equal('rejected');
    expect(await count()).to.equal(29);
    expect(seen.execs.filter((e) => e === 'COMMIT')).to.have.length(1);
    expect(seen.execs).to.include('ROLLBACK TO SAVEPOINT ledger_write');
  });

  it('closes that share a group with a failing open commit, rated, when the group is made again one by one', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => writer.open(opening(`c-${i}`, i))));
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, i) => writer.close({ channel: `c-${i}`, end: T0 + i + 61_000, reason: null })),
      writer.open(opening('bad', 0, 999_999)),
    ]);
    expect(outcomes.slice(0, 20).every((o) => o.status === 'fulfilled' && (o.value as { billable_seconds?: unknown }).billable_seconds === 120)).to.equal(true);
    expect(outcomes[20]?.status).to.equal('rejected');
    const closed = await db.knex('usage_ledger').whereNotNull('ended_at').count<{ n: number | string }[]>({ n: '*' });
    expect(Number(closed[0]?.n)).to.equal(20);
  });

  it('opens and closes sent together are one transaction: two statements, one COMMIT', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => writer.open(opening(`old-${i}`, i))));
    seen.execs.length = 0;
    seen.batches.length = 0;
    const results = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => writer.close({ channel: `old-${i}`, end: T0 + i + 1_000, reason: null })),
      ...Array.from({ length: 20 }, (_, i) => writer.open(opening(`new-${i}`, i))),
    ]);
    expect(results.every((r) => r !== undefined)).to.equal(true);
    expect(seen.batches).to.deep.equal([20, 20]);
    expect(seen.execs).to.deep.equal([db.client === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN', 'COMMIT']);
  });

  it('an open and a close of the same channel sent together keep their order', async () => {
    const [opened, closed] = await Promise.all([writer.open(opening('same', 0)), writer.close({ channel: 'same', end: T0 + 61_000, reason: null })]);
    expect(opened).to.not.equal(undefined);
    expect(closed).to.deep.include({ channel_id: 'same', seconds: 61, billable_seconds: 120 });
    expect(commits()).to.equal(0); // two groups of one: each statement commits by itself
    expect(seen.batches).to.deep.equal([1, 1]);
  });

  it('closing the writer makes the writes it accepted, and refuses later ones at once', async () => {
    const accepted = Array.from({ length: 100 }, (_, i) => writer.open(opening(`d-${i}`, i)));
    let closed = false;
    const closing = writer.dispose().then(() => (closed = true));
    disposed = true;
    const refused = await rejects(writer.open(opening('late', 0)));
    expect(refused.message).to.match(/database is closed/);
    expect(closed, 'refused before the accepted writes were made').to.equal(false);
    await closing;
    expect((await Promise.all(accepted)).every((row) => row !== undefined)).to.equal(true);
    expect(await count()).to.equal(100);
    expect(await rowOf('late')).to.equal(undefined);
  });
});
