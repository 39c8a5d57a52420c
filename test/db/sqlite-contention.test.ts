// Two processes writing one SQLite file: every transaction on the writer's connection begins
// IMMEDIATE, so one that reads before it writes waits for the other's write (busy_timeout)
// instead of failing at once with SQLITE_BUSY. (SQLite only: PostgreSQL has row locks.)
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../db/index.js';
import { testDatabaseKind } from '../support/db-fixture.js';

describe('db: SQLite write contention between processes', function () {
  this.timeout(30_000);
  let dir: string;
  let one: Database;
  let two: Database;

  before(async function () {
    if (testDatabaseKind() !== 'sqlite') this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-contention-'));
    const cfg = { client: 'sqlite' as const, filename: path.join(dir, 'tb.sqlite') };
    one = await openDatabase(cfg, { pinSecret: 'contention-test' });
    two = await openDatabase(cfg, { pinSecret: 'contention-test' });
  });
  after(async () => {
    await one?.close();
    await two?.close();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a transaction that reads, then writes, while another connection writes: both commit, none gets SQLITE_BUSY', async () => {
    let otherWrote: Promise<unknown> = Promise.resolve();
    await one.knex.transaction(async (trx) => {
      await trx('accounts').count({ n: '*' });
      // The other "process" writes now, between this transaction's read and its write.
      otherWrote = two.accounts.create({ name: 'Other', email: 'other@contention.test' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await trx('phone_numbers').insert({ e164: '+18005550160', kind: 'toll_free', released_at: null, created_at: Date.now() });
    });
    await otherWrote;
    expect(await one.numbers.get('+18005550160')).to.include({ state: 'available' });
    expect(await one.accounts.findByEmail('other@contention.test')).to.not.equal(null);
  });
});
