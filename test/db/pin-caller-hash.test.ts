// The PIN guard's per-caller counters keep a keyed hash of the calling number, never the number
// (issue 13, "My data"): read raw from pin_failures (and, on SQLite, from the file's bytes),
// the caller lock still engages and is cleared by typing the number, and rows an earlier
// version stored with the plaintext number are hashed when the database is opened. On SQLite
// and, with TOLLBRIDGE_TEST_DB, PostgreSQL.
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { openDatabase, type Database } from '../../db/index.js';
import { PUBLIC_TEST_DATA_KEY } from '../../config/data-key.js';
import type { DatabaseConfig } from '../../config/config.js';
import { createTestDatabase, TEST_PIN_SECRET, TEST_SCRYPT, testDatabaseKind, testDatabaseUrl } from '../support/db-fixture.js';

interface RawRow {
  scope: string;
  subject: string;
  kind: string;
  failures: number | string;
  locked_until: number | string | null;
}

const CALLER = '+15557771234';
const OTHER = '+15557770000';
const POLICY = { roomLockAfter: { moderator: 100, participant: 100 }, callerLockAfter: 3, lockMs: 60_000, windowMs: 60_000 };

/** A second handle on the same database, as a restarted bridge opens it. */
function reopen(db: Database, now: () => number): Promise<Database> {
  const url = testDatabaseUrl(db);
  const cfg: DatabaseConfig = url.startsWith('sqlite:') ? { client: 'sqlite', filename: url.slice('sqlite:'.length) } : { client: 'postgres', url };
  return openDatabase(cfg, { pinSecret: TEST_PIN_SECRET, dataKey: PUBLIC_TEST_DATA_KEY, passwordHashing: { cost: TEST_SCRYPT }, pinLockPolicy: POLICY, now });
}

describe('PIN guard: calling numbers hashed at rest @db', () => {
  let db: Database;
  let second: Database | undefined;
  const now = 5_000_000;
  const clock = () => now;
  beforeEach(async () => {
    db = await createTestDatabase({ now: clock, pinLockPolicy: POLICY });
  });
  afterEach(async () => {
    await second?.close();
    second = undefined;
    await db.close();
  });

  const raw = async (handle: Database = db) => handle.knex<RawRow>('pin_failures').orderBy(['scope', 'subject']).select('scope', 'subject', 'kind', 'failures', 'locked_until');

  it('stores no calling number: the caller row holds h1:<keyed hash>, the same for the same number', async () => {
    for (const roomId of [11, 12]) await db.pinFailures.recordFailure({ roomId, callerNumber: CALLER, kinds: ['participant'] });
    const rows = await raw();
    const callers = rows.filter((r) => r.scope === 'caller');
    expect(callers).to.have.length(1); // two rooms, one caller: the hash is stable
    expect(callers[0]?.subject).to.match(/^h1:[A-Za-z0-9_-]{43}$/);
    expect(Number(callers[0]?.failures)).to.equal(2);
    expect(JSON.stringify(rows)).not.to.contain('5557771234');
    expect(db.pinFailures.callerSubject(CALLER)).to.equal(callers[0]?.subject);
    expect(db.pinFailures.callerSubject(OTHER)).not.to.equal(callers[0]?.subject);
    if (testDatabaseKind() === 'sqlite') {
      await db.knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
      const file = testDatabaseUrl(db).slice('sqlite:'.length);
      const bytes = Buffer.concat([readFileSync(file), existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`) : Buffer.alloc(0)]).toString('latin1');
      expect(bytes.includes('5557771234'), 'plaintext caller number in the SQLite file').to.equal(false);
      expect(bytes.includes(callers[0]?.subject ?? '?'), 'the hash is in the file').to.equal(true);
    }
  });

  it('the caller lock engages across rooms, lists the caller hashed, and clears by the number typed', async () => {
    let last = await db.pinFailures.recordFailure({ roomId: 1, callerNumber: CALLER, kinds: ['participant'] });
    for (const roomId of [2, 3]) last = await db.pinFailures.recordFailure({ roomId, callerNumber: CALLER, kinds: ['moderator'] });
    expect(last.lockBegan).to.deep.equal(['caller']);
    expect((await db.pinFailures.state({ roomId: 99, callerNumber: CALLER })).caller).to.deep.include({ locked: true, failures: 3 });
    expect((await db.pinFailures.state({ roomId: 99, callerNumber: OTHER })).caller.locked).to.equal(false);
    await db.pinFailures.recordFailure({ roomId: 1, callerNumber: null, kinds: ['participant'] });

    const locks = await db.pinFailures.counters();
    expect(locks).to.have.length(1);
    expect(locks[0]).to.deep.include({ scope: 'caller', caller: db.pinFailures.callerSubject(CALLER), failures: 3, lockedUntil: now + 60_000 });
    const all = await db.pinFailures.counters({ all: true });
    expect(all.map((c) => c.caller)).to.include('withheld');
    expect(JSON.stringify(all)).not.to.contain('5557771234');

    expect(await db.pinFailures.clearCaller(OTHER)).to.equal(0);
    expect(await db.pinFailures.clearCaller(CALLER)).to.equal(1);
    expect((await db.pinFailures.state({ roomId: 99, callerNumber: CALLER })).caller).to.deep.equal({ failures: 0, locked: false, lockedUntil: null });
    expect(await db.pinFailures.counters()).to.deep.equal([]);
    // The listed hash clears too, and withheld callers are one counter.
    await db.pinFailures.recordFailure({ roomId: 1, callerNumber: OTHER, kinds: ['participant'] });
    expect(await db.pinFailures.clearCaller({ hash: db.pinFailures.callerSubject(OTHER) })).to.equal(1);
    expect(await db.pinFailures.clearCaller(null)).to.equal(1);
    expect((await raw()).filter((r) => r.scope === 'caller')).to.deep.equal([]);
  });

  it('hashes calling numbers stored before (plaintext rows) when the database is opened, keeping their counts and locks', async () => {
    const row = (subject: string, failures: number, lockedUntil: number | null) => ({
      scope: 'caller', subject, kind: 'any', failures, window_started_at: now - 1000, last_failure_at: now - 500, locked_until: lockedUntil,
    });
    // As a bridge before this change left them: a locked number, a counting one, the withheld
    // count, and a number also written since under its hash (a process not yet upgraded).
    await db.knex('pin_failures').insert([
      row(CALLER, 3, now + 30_000),
      row('+15557775555', 1, null),
      row('anonymous', 2, null),
      row(OTHER, 2, now + 10_000),
      row(db.pinFailures.callerSubject(OTHER), 1, null),
      { scope: 'room', subject: '42', kind: 'moderator', failures: 1, window_started_at: now - 1000, last_failure_at: now - 500, locked_until: null },
    ]);
    second = await reopen(db, clock);
    const rows = await raw(second);
    expect(JSON.stringify(rows)).not.to.match(/5557771234|5557775555|5557770000/);
    expect(rows.filter((r) => r.scope === 'caller').map((r) => r.subject).sort()).to.deep.equal(
      [second.pinFailures.callerSubject(CALLER), second.pinFailures.callerSubject('+15557775555'), second.pinFailures.callerSubject(OTHER), 'anonymous'].sort(),
    );
    expect(rows.find((r) => r.scope === 'room')?.subject).to.equal('42');
    // The counts and locks go with the hash: the same numbers are still locked / counted.
    expect((await second.pinFailures.state({ roomId: 1, callerNumber: CALLER })).caller).to.deep.include({ locked: true, failures: 3, lockedUntil: now + 30_000 });
    expect((await second.pinFailures.state({ roomId: 1, callerNumber: '+15557775555' })).caller).to.deep.include({ locked: false, failures: 1 });
    expect((await second.pinFailures.state({ roomId: 1, callerNumber: OTHER })).caller).to.deep.include({ locked: true, failures: 2, lockedUntil: now + 10_000 });
    expect((await second.pinFailures.state({ roomId: 1, callerNumber: null })).caller.failures).to.equal(2);
    expect(await second.pinFailures.hashPlaintextCallers()).to.equal(0);
    expect(await second.pinFailures.clearCaller(CALLER)).to.equal(1);
  });
});
