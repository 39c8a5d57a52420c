// PIN rules where PINs are set and the guessing counts and locks (pin_failures), on SQLite and,
// with TOLLBRIDGE_TEST_DB, PostgreSQL (the pure rules: test/domain/). And the README's figure:
// the expected time to guess a PIN by redialling under the default configuration is at least a year.
import { expect } from 'chai';
import { loadConfig } from '../../config/config.js';
import { expectedTimeToGuess } from '../../app/accounts/guess-time.js';
import type { Database } from '../../db/index.js';
import { createTestDatabase } from '../support/db-fixture.js';

describe('PIN guessing time', () => {
  it('the default limits make guessing a PIN by redialling take more than a year (the README figure)', () => {
    const t = expectedTimeToGuess(loadConfig({}).pinGuessing);
    expect(t.keyspace).to.equal(9886);
    expect(t.guessesPerDay).to.equal(5); // 10 per 48 h lock
    expect(Math.round(t.expectedGuesses)).to.equal(3296); // (9886 + 1) / 3: two 4-digit PINs
    expect(Math.round(t.days)).to.equal(659);
    expect(t.years).to.be.greaterThan(1);
    expect(expectedTimeToGuess(loadConfig({}).pinGuessing, { processes: 4 }).years).to.be.greaterThan(1);
    expect(expectedTimeToGuess(loadConfig({ TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS: '6' }).pinGuessing).days).to.be.greaterThan(980);
  });
});

describe('PIN rules where PINs are set (repository: the CLI and the API go through it) @db', () => {
  let db: Database;
  afterEach(async () => db?.close());

  it('refuses a trivial PIN and a moderator PIN under the minimum, saying why; accepts a good pair', async () => {
    db = await createTestDatabase({ moderatorPinMinDigits: 6 });
    const { room } = await db.accounts.create({ name: 'Rules', email: `rules-${Date.now()}@example.test` });
    const refused = async (pins: { moderator: string; participant: string }) => {
      try {
        await db.rooms.setPins(room.number, pins);
      } catch (err) {
        return `${(err as Error).name}: ${(err as Error).message}`;
      }
      return 'accepted';
    };
    expect(await refused({ moderator: '123456', participant: '4826' })).to.equal('InvalidPin: the moderator PIN is too easy to guess (digits counting up): choose digits with no pattern');
    expect(await refused({ moderator: '482619', participant: '0000' })).to.equal('InvalidPin: the participant PIN is too easy to guess (one digit repeated): choose digits with no pattern');
    expect(await refused({ moderator: '4826', participant: '1739' })).to.equal('InvalidPin: the moderator PIN must have at least 6 digits (TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS)');
    expect((await db.rooms.get(room.number)).pinsSet).to.equal(false);
    expect(await refused({ moderator: '482619', participant: '1739' })).to.equal('accepted');
  });
});

describe('PIN guessing counts (repository) @db', () => {
  let db: Database;
  let now = 1_000_000;
  afterEach(async () => db?.close());

  it('per room and kind and per caller; one lock begins once; a success writes nothing; another handle sees it', async () => {
    db = await createTestDatabase({ now: () => now, pinLockPolicy: { roomLockAfter: { moderator: 2, participant: 3 }, callerLockAfter: 4, lockMs: 60_000, windowMs: 60_000 } });
    const keys = { roomId: 5, callerNumber: '+15550001' };
    expect(await db.pinFailures.state(keys)).to.deep.equal({
      room: { moderator: { failures: 0, locked: false, lockedUntil: null }, participant: { failures: 0, locked: false, lockedUntil: null } },
      caller: { failures: 0, locked: false, lockedUntil: null },
    });
    const first = await db.pinFailures.recordFailure({ ...keys, kinds: ['moderator', 'participant'] });
    expect(first.lockBegan).to.deep.equal([]);
    const second = await db.pinFailures.recordFailure({ ...keys, kinds: ['moderator', 'participant'] });
    expect(second.lockBegan).to.deep.equal(['moderator']);
    expect(second.room.moderator).to.deep.include({ locked: true, lockedUntil: now + 60_000 });
    const third = await db.pinFailures.recordFailure({ roomId: 5, callerNumber: null, kinds: ['participant'] });
    expect(third.lockBegan).to.deep.equal(['participant']);
    expect(third.caller.failures).to.equal(1); // the withheld caller is another caller
    // Concurrent failures: all counted, the caller's lock begins exactly once.
    const many = await Promise.all([1, 2, 3].map((r) => db.pinFailures.recordFailure({ roomId: 100 + r, callerNumber: '+15550001', kinds: ['participant'] })));
    expect(many.flatMap((m) => m.lockBegan.filter((k) => k === 'caller'))).to.have.length(1);
    expect((await db.pinFailures.state({ roomId: 999, callerNumber: '+15550001' })).caller).to.deep.include({ locked: true, failures: 5 });
    now += 60_001;
    expect((await db.pinFailures.state(keys)).room.moderator).to.deep.equal({ failures: 0, locked: false, lockedUntil: null });
  });
});

describe('PIN guessing locks the room owner sees and lifts (repository) @db', () => {
  let db: Database;
  let now = 5_000_000;
  afterEach(async () => db?.close());

  it('shows a lock (kind, since, until, failures); a lift lets the right PIN in, keeps the caller\'s lock and the failures (one more wrong PIN locks again); nothing locked lifts nothing', async () => {
    db = await createTestDatabase({ now: () => now, pinLockPolicy: { roomLockAfter: { moderator: 3, participant: 3 }, callerLockAfter: 3, lockMs: 60_000, windowMs: 60_000 } });
    const { room } = await db.accounts.create({ name: 'Lift', email: `lift-${Date.now()}@example.test` });
    const keys = { roomId: room.id, callerNumber: '+15550002' };
    expect(await db.pinFailures.liftRoomLock(room.id, ['moderator', 'participant'])).to.deep.equal([]);
    const first = now;
    for (let i = 0; i < 3; i++) {
      await db.pinFailures.recordFailure({ ...keys, kinds: ['moderator'] });
      now += 1000;
    }
    const lockedAt = now - 1000;
    const locks = await db.pinFailures.roomLocks(room.id);
    expect(locks.moderator).to.deep.equal({ kind: 'moderator', locked: true, lockedSince: lockedAt, lockedUntil: lockedAt + 60_000, liftedAt: null, relocksUntil: null, failures: 3, firstFailureAt: first, lastFailureAt: lockedAt });
    expect(locks.participant).to.deep.include({ locked: false, failures: 0, lockedUntil: null });

    expect(await db.pinFailures.liftRoomLock(room.id, ['moderator', 'participant'])).to.deep.equal(['moderator']);
    expect(await db.pinFailures.liftRoomLock(room.id, ['moderator'])).to.deep.equal([]);
    const after = await db.pinFailures.state(keys);
    expect(after.room.moderator).to.deep.equal({ failures: 3, locked: false, lockedUntil: null });
    expect(after.caller.locked).to.equal(true); // the guesser's own number stays locked
    expect((await db.pinFailures.roomLocks(room.id)).moderator).to.deep.include({ locked: false, liftedAt: now, relocksUntil: lockedAt + 60_000, failures: 3 });

    now += 1000;
    const relock = await db.pinFailures.recordFailure({ roomId: room.id, callerNumber: '+15550003', kinds: ['moderator'] });
    expect(relock.lockBegan).to.deep.equal(['moderator']);
    expect(relock.room.moderator).to.deep.equal({ failures: 4, locked: true, lockedUntil: now + 60_000 });
    expect((await db.pinFailures.roomLocks(room.id)).moderator).to.deep.include({ locked: true, lockedSince: now, liftedAt: null });
  });

  it('a PIN change lifts the lock of the kind it changes and forgets its failures; a PIN set again unchanged keeps them', async () => {
    db = await createTestDatabase({ now: () => now, pinLockPolicy: { roomLockAfter: { moderator: 2, participant: 2 }, callerLockAfter: 10, lockMs: 60_000, windowMs: 60_000 } });
    const { room } = await db.accounts.create({ name: 'Change', email: `change-${Date.now()}@example.test` });
    await db.rooms.setPins(room.number, { moderator: '482619', participant: '1739' });
    for (let i = 0; i < 2; i++) await db.pinFailures.recordFailure({ roomId: room.id, callerNumber: `+1555000700${i}`, kinds: ['moderator', 'participant'] });
    expect((await db.pinFailures.state({ roomId: room.id, callerNumber: null })).room).to.deep.include({ moderator: { failures: 2, locked: true, lockedUntil: now + 60_000 } });

    await db.rooms.setPins(room.number, { moderator: '591730', participant: '1739' });
    const state = await db.pinFailures.state({ roomId: room.id, callerNumber: null });
    expect(state.room.moderator).to.deep.equal({ failures: 0, locked: false, lockedUntil: null });
    expect(state.room.participant).to.deep.include({ locked: true, failures: 2 });
    expect(await db.rooms.verifyPin(room.id, '591730')).to.equal('moderator');

    await db.rooms.setPins(room.number, { moderator: '591730', participant: '2864' });
    expect((await db.pinFailures.roomLocks(room.id)).participant).to.deep.include({ locked: false, failures: 0 });
  });
});
