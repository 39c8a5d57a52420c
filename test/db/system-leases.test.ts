// Leases on Asterisk systemnames (migration 013, db/repositories/system-leases.ts, app/calls/system-lease.ts):
// one live bridge process per systemname on a database. On SQLite and, with TOLLBRIDGE_TEST_DB,
// PostgreSQL.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { expect } from 'chai';
import { openDatabase, type Database, type LeaseHolder } from '../../db/index.js';
import { localHolderGone, thisProcess } from '../../app/calls/process-identity.js';
import { SystemNameLease, SystemNameTaken } from '../../app/calls/system-lease.js';
import { PUBLIC_TEST_DATA_KEY } from '../../config/data-key.js';
import { TEST_PIN_SECRET, TEST_SCRYPT, testDatabaseUrl } from '../support/db-fixture.js';
import { silentLog } from '../support/fakes.js';
import { waitFor } from '../support/wait.js';
import { Clock, openTestDb } from './helpers.js';

const T0 = Date.UTC(2026, 11, 6, 20, 0, 0);
const TTL = 20_000;
const holder = (host: string, pid: number, start = '1'): LeaseHolder => ({ id: `${host}/${pid}/${start}`, host, pid });
const A = holder('box-a', 101);
const B = holder('box-b', 202);

/** A pid that belonged to a process of this host that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('db: systemname leases', function () {
  this.timeout(30_000);
  let db: Database;
  let clock: Clock;

  beforeEach(async () => {
    clock = new Clock(T0);
    db = await openTestDb({ now: clock.now });
  });
  afterEach(async () => {
    await db?.close();
  });

  it('claim, renew and release: a second holder is refused and told who holds it since when, until the first releases', async () => {
    const first = await db.systemLeases.claim('pop-a', A, TTL);
    expect(first).to.deep.equal({ won: true, lease: { systemName: 'pop-a', holder: A, since: T0, renewedAt: T0, expiresAt: T0 + TTL } });
    clock.advance(1000);
    expect(await db.systemLeases.claim('pop-a', B, TTL)).to.deep.equal({ won: false, lease: first.lease });
    // Another systemname is free for B.
    expect((await db.systemLeases.claim('pop-b', B, TTL)).won).to.equal(true);

    clock.advance(4000);
    expect(await db.systemLeases.renew('pop-a', B.id, TTL)).to.equal(false);
    expect(await db.systemLeases.renew('pop-a', A.id, TTL)).to.equal(true);
    expect(await db.systemLeases.get('pop-a')).to.deep.include({ since: T0, renewedAt: T0 + 5000, expiresAt: T0 + 5000 + TTL });
    // Claiming again what one holds is a renewal: its `since` stays.
    expect((await db.systemLeases.claim('pop-a', A, TTL)).lease).to.deep.include({ since: T0, expiresAt: T0 + 5000 + TTL });

    await db.systemLeases.release('pop-a', B.id);
    expect((await db.systemLeases.get('pop-a'))?.holder).to.deep.equal(A);
    await db.systemLeases.release('pop-a', A.id);
    expect(await db.systemLeases.get('pop-a')).to.equal(null);
    expect(await db.systemLeases.claim('pop-a', B, TTL)).to.deep.include({ won: true });
  });

  it('an expired lease goes to the next claimer; the old holder then cannot renew it', async () => {
    await db.systemLeases.claim('pop-a', A, TTL);
    clock.advance(TTL - 1);
    expect((await db.systemLeases.claim('pop-a', B, TTL)).won).to.equal(false);
    clock.advance(1);
    const taken = await db.systemLeases.claim('pop-a', B, TTL);
    expect(taken).to.deep.equal({ won: true, lease: { systemName: 'pop-a', holder: B, since: T0 + TTL, renewedAt: T0 + TTL, expiresAt: T0 + 2 * TTL } });
    expect(await db.systemLeases.renew('pop-a', A.id, TTL)).to.equal(false);
  });

  it('replacing a holder found dead takes the lease at once, but not from a holder that took it meanwhile', async () => {
    await db.systemLeases.claim('pop-a', A, TTL);
    expect((await db.systemLeases.claim('pop-a', B, TTL, 'box-c/1/1')).won).to.equal(false);
    expect((await db.systemLeases.claim('pop-a', B, TTL, A.id)).won).to.equal(true);
  });

  it('a process of this host that has ended (kill -9) is taken over at once; a live one, or one on another host, is not', async () => {
    const host = os.hostname();
    const gone = holder(host, deadPid());
    await db.systemLeases.claim('pop-a', gone, TTL);
    const lease = await SystemNameLease.claim(db.systemLeases, 'pop-a', silentLog, { holder: A });
    await lease.release();

    // This very process, alive: refused, with the holder named.
    const me = thisProcess();
    expect(localHolderGone(me)).to.equal(false);
    await db.systemLeases.claim('pop-b', me, TTL);
    let refused: unknown;
    try {
      await SystemNameLease.claim(db.systemLeases, 'pop-b', silentLog, { holder: A });
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(SystemNameTaken);
    expect((refused as Error).message).to.include('pop-b').and.include(`process ${process.pid} on host ${host}`).and.include(new Date(T0).toISOString()).and.include('TOLLBRIDGE_ASTERISK_SYSTEMNAME');

    // The pid alive but another process now (started at another moment): gone.
    expect(localHolderGone(holder(host, process.pid, '1'))).to.equal(true);
    // Another host's holder is never judged from here, whatever its pid.
    const remote = holder('elsewhere.example', deadPid());
    expect(localHolderGone(remote)).to.equal(false);
    await db.systemLeases.claim('pop-c', remote, TTL);
    let remoteRefused: unknown;
    try {
      await SystemNameLease.claim(db.systemLeases, 'pop-c', silentLog, { holder: A });
    } catch (err) {
      remoteRefused = err;
    }
    expect(remoteRefused).to.be.instanceOf(SystemNameTaken);
  });

  it('of two processes claiming one systemname at once, exactly one wins (20 rounds, two connections)', async () => {
    const url = testDatabaseUrl(db);
    const options = { pinSecret: TEST_PIN_SECRET, dataKey: PUBLIC_TEST_DATA_KEY, passwordHashing: { cost: TEST_SCRYPT }, now: clock.now };
    const other = await openDatabase(url.startsWith('sqlite:') ? { client: 'sqlite', filename: url.slice('sqlite:'.length) } : { client: 'postgres', url }, options);
    try {
      for (let round = 0; round < 20; round++) {
        const name = `race-${round}`;
        const [a, b] = await Promise.all([db.systemLeases.claim(name, A, TTL), other.systemLeases.claim(name, B, TTL)]);
        expect([a.won, b.won].filter(Boolean), `round ${round}`).to.have.length(1);
        const holderNow = (await db.systemLeases.get(name))?.holder;
        expect(holderNow, `round ${round}`).to.deep.equal(a.won ? A : B);
        expect(a.lease.holder, `round ${round}: both see the winner`).to.deep.equal(holderNow);
        expect(b.lease.holder).to.deep.equal(holderNow);
      }
    } finally {
      await other.close();
    }
  });

  it('a running holder renews on its timer; once another process takes the lease it reports it lost', async () => {
    const lease = await SystemNameLease.claim(db.systemLeases, 'pop-a', silentLog, { holder: A, renewMs: 20 });
    clock.advance(3000);
    await waitFor('a renewal', async () => (await db.systemLeases.get('pop-a'))?.renewedAt === T0 + 3000, { timeoutMs: 5000, intervalMs: 10 });
    // The holder stalls (the database away); the lease expires and B takes it.
    clock.advance(TTL + 1);
    expect((await db.systemLeases.claim('pop-a', B, TTL, A.id)).won).to.equal(true);
    const lost = await lease.lost;
    expect(lost).to.be.instanceOf(SystemNameTaken);
    expect(lost.message).to.include('taken over by process 202 on host box-b');
    await lease.release();
    expect((await db.systemLeases.get('pop-a'))?.holder).to.deep.equal(B);
  });
});
