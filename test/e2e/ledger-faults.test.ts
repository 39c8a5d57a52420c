// Database trouble over real SIP: a failed number lookup is refused with 503 (the carrier may
// try another route), and a database locked for 10 s while callers are answered and hang up
// costs no caller and no billed second: the journal holds the legs and applies them after.
// Also: both ends of a leg are Asterisk's times, and channel ids carry Asterisk's systemname.
import { expect } from 'chai';
import knexFactory, { type Knex } from 'knex';
import { spawn, type ChildProcess } from 'node:child_process';
import { placeCall, startCall, type CallHandle, type CallOptions, type CallResult, type Step } from '../../sipp/caller.js';
import { enterRoom as enter } from '../support/caller-steps.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, type SeededRoom } from '../support/bridge-fixture.js';
import { testDatabaseKind, testDatabaseUrl } from '../support/db-fixture.js';
import { waitFor } from '../support/wait.js';

const target = () => ({ host: '127.0.0.1', port: testAsteriskConfig().sipPort });


function call(seeded: SeededRoom, steps: Step[], hangup: CallOptions['hangup'], callerNumber?: string): CallOptions {
  return { target: target(), dialled: seeded.tollFree, steps, hangup, ...(callerNumber === undefined ? {} : { callerNumber }) };
}

/** Holds SQLite's write lock from another connection (the sqlite3 shell) until released. */
class SqliteWriteLock {
  private constructor(private readonly child: ChildProcess) {}

  static async take(file: string): Promise<SqliteWriteLock> {
    const child = spawn('sqlite3', [file], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    // A write inside the transaction makes the lock real at once (WAL: BEGIN EXCLUSIVE = IMMEDIATE).
    child.stdin?.write(".timeout 10000\nBEGIN EXCLUSIVE;\nCREATE TABLE IF NOT EXISTS lock_probe(x);\nSELECT 'locked';\n");
    await waitFor('the sqlite3 shell to hold the lock', () => out.includes('locked'), { timeoutMs: 10_000 });
    return new SqliteWriteLock(child);
  }

  async release(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin?.end('ROLLBACK;\n.quit\n');
    await exited;
  }
}

/**
 * PostgreSQL: the ledger table locked by another connection (ACCESS EXCLUSIVE, as a long
 * migration would); writes to it wait, lookups of numbers and PINs do not.
 */
class PostgresLedgerLock {
  private constructor(
    private readonly knex: Knex,
    private readonly release_: () => void,
    private readonly done: Promise<unknown>,
  ) {}

  static async take(url: string): Promise<PostgresLedgerLock> {
    const knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
    let release = () => {};
    let locked = () => {};
    const isLocked = new Promise<void>((r) => (locked = r));
    const done = knex.transaction(async (trx) => {
      await trx.raw('LOCK TABLE usage_ledger IN ACCESS EXCLUSIVE MODE');
      locked();
      await new Promise<void>((r) => (release = r));
      await trx.rollback();
    }).catch(() => undefined);
    await isLocked;
    return new PostgresLedgerLock(knex, () => release(), done);
  }

  async release(): Promise<void> {
    this.release_();
    await this.done;
    await this.knex.destroy();
  }
}

interface HeldLock {
  release(): Promise<void>;
}

async function lockDatabase(bridge: BridgeUnderTest): Promise<HeldLock> {
  const url = testDatabaseUrl(bridge.db);
  return url.startsWith('sqlite:') ? SqliteWriteLock.take(url.slice('sqlite:'.length)) : PostgresLedgerLock.take(url);
}

describe('ledger under database faults, over real SIP @asterisk', function () {
  this.timeout(180_000);
  let bridge: BridgeUnderTest;

  before(async () => {
    bridge = await BridgeUnderTest.start();
  });
  after(async () => {
    await bridge?.stop();
  });
  afterEach(async () => {
    await bridge.waitForNothingLeft();
  });

  it('the number lookup fails (database error): SIP 503, never answered, never metered', async () => {
    const room = await bridge.seedRoom();
    const routeFor = bridge.db.numbers.routeFor.bind(bridge.db.numbers);
    bridge.db.numbers.routeFor = async () => {
      throw new Error('SQLITE_BUSY: database is locked');
    };
    try {
      const result = await placeCall(call(room, [], { by: 'far-end', maxWaitMs: 10_000 }));
      expect(result.finalStatus).to.equal(503);
      expect(result.answered).to.equal(false);
    } finally {
      bridge.db.numbers.routeFor = routeFor;
    }
    expect(await bridge.db.ledger.legsFor(room.accountId, {})).to.have.length(0);
  });

  it("a leg's both ends are Asterisk's times, and its channel id starts with Asterisk's systemname", async () => {
    const room = await bridge.seedRoom();
    const result = await placeCall(call(room, [{ pauseMs: 300 }], { by: 'caller', afterMs: 2500 }));
    expect(result).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
    const [leg] = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(leg?.channelId).to.match(new RegExp(`^${testAsteriskConfig().systemName}-\\d+\\.\\d+$`));
    // SIPp's clock and Asterisk's are the same host's here: the ends agree to transit time.
    expect(Math.abs((leg?.answeredAt ?? 0) - (result.answeredAt ?? 0))).to.be.below(250);
    expect(Math.abs((leg?.endedAt ?? 0) - (result.endedAt ?? 0))).to.be.below(250);
  });

  it('the database locked for 10 s while callers are answered and hang up: nobody refused, no leg lost, seconds as SIPp saw them', async function () {
    const room = await bridge.seedRoom();
    // Callers already in the room before the lock: they hang up during it.
    const early: CallHandle[] = [1, 2, 3].map(() => startCall(call(room, enter(room.roomNumber, room.participantPin), { by: 'far-end', maxWaitMs: 60_000 })));
    await Promise.all(early.map((c) => c.answered));
    await bridge.waitForHold(room.roomNumber, 3);
    const lock = await lockDatabase(bridge);
    const lockedAt = Date.now();
    let late: CallHandle[] = [];
    try {
      // Answered during the lock, and one of them hangs up during it too.
      late = [1, 2, 3].map((i) => startCall(call(room, [{ pauseMs: 300 }], { by: 'caller', afterMs: i === 1 ? 2000 : 14_000 })));
      await Promise.all(late.map((c) => c.answered));
      await Promise.all(early.map((c) => c.hangUpNow()));
      await waitFor('the journal to hold the records the database refused', () => bridge.journal.backlog() > 0);
      const left = 10_000 - (Date.now() - lockedAt);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
    } finally {
      await lock.release();
    }
    const results: CallResult[] = await Promise.all([...early, ...late].map((c) => c.result));
    for (const r of results) expect(r, r.log).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft(30_000);
    const legs = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(legs).to.have.length(6);
    // SQLite refuses a locked write (SQLITE_BUSY after 5 s); PostgreSQL makes it wait.
    if (testDatabaseKind() === 'sqlite') expect(bridge.journal.counts.failedAttempts, 'the database really refused writes').to.be.greaterThan(0);
    // Every leg matches a SIPp call to 1 s: answer, end and whole seconds.
    const unmatched = [...legs];
    for (const r of results) {
      const i = unmatched.findIndex((l) => Math.abs(l.answeredAt - (r.answeredAt ?? 0)) < 1000 && l.endedAt !== null && Math.abs(l.endedAt - (r.endedAt ?? 0)) < 1000);
      expect(i, `a leg for the call answered at ${new Date(r.answeredAt ?? 0).toISOString()}`).to.be.at.least(0);
      const [leg] = unmatched.splice(i, 1);
      const seconds = ((r.endedAt ?? 0) - (r.answeredAt ?? 0)) / 1000;
      expect(leg?.seconds).to.be.within(Math.floor(seconds), Math.ceil(seconds) + 1);
    }
    expect(legs.filter((l) => l.role === 'participant')).to.have.length(3);
  });
});
