// Accounts and their rooms: creation, e-mail, permanent room numbers, deactivation,
// passwords, PINs (hashed, never stored in clear) and room settings.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import { isValidRoomNumber, luhnCheckDigit, randomRoomNumber } from '../../domain/room-number.js';
import { Clock, openTestDb, rejectsWith } from './helpers.js';

const T0 = Date.UTC(2026, 2, 10, 12);
const num = (body: string) => body + String(luhnCheckDigit(body));

describe('db: accounts and rooms', function () {
  this.timeout(20_000);
  let db: Database;
  let clock: Clock;
  /** Room numbers the next accounts are offered, in order (then random ones). */
  let proposals: string[];
  let proposed: string[];

  beforeEach(async () => {
    clock = new Clock(T0);
    proposals = [];
    proposed = [];
    db = await openTestDb({
      now: clock.now,
      proposeRoomNumber: () => {
        const n = proposals.shift() ?? randomRoomNumber();
        proposed.push(n);
        return n;
      },
    });
  });
  afterEach(async () => {
    await db?.close();
  });

  describe('create', () => {
    it('creates an account with exactly one room whose number is a valid room number', async () => {
      const { account, room } = await db.accounts.create({ name: 'Ada', email: 'ada@example.test' });
      expect(account).to.deep.include({ name: 'Ada', email: 'ada@example.test', hasPassword: false, createdAt: T0, deactivatedAt: null });
      expect(isValidRoomNumber(room.number), room.number).to.equal(true);
      expect(room).to.deep.include({ accountId: account.id, language: 'en', onModeratorLeave: 'continue', locked: false, maxParticipants: 50, pinsSet: false });
      const rooms = await db.rooms.forAccount(account.id);
      expect(rooms).to.have.length(1);
      expect(rooms[0]).to.deep.equal(room);
      expect(await db.rooms.get(room.number)).to.deep.equal(room);
    });

    it('uses the proposed room number when it is free', async () => {
      proposals.push(num('4000001'));
      const { room } = await db.accounts.create({ name: 'Ada', email: 'ada@example.test' });
      expect(room.number).to.equal(num('4000001'));
    });

    it('normalises the e-mail (trimmed, lower case) and finds it case-insensitively', async () => {
      const { account } = await db.accounts.create({ name: 'Ada', email: '  Ada.Lovelace@Example.TEST ' });
      expect(account.email).to.equal('ada.lovelace@example.test');
      expect((await db.accounts.findByEmail('ADA.LOVELACE@example.test'))?.id).to.equal(account.id);
    });

    it('rejects a second account with the same e-mail in other case with EmailTaken, and creates no second account or room', async () => {
      await db.accounts.create({ name: 'Ada', email: 'ada@example.test' });
      await rejectsWith(db.accounts.create({ name: 'Other Ada', email: 'ADA@Example.Test' }), 'EmailTaken');
      expect(await db.accounts.count()).to.equal(1);
      expect(await db.knex('rooms').count<{ n: number | string }[]>({ n: '*' }).then((r) => Number(r[0]?.n))).to.equal(1);
    });

    it('rejects two concurrent creates with the same e-mail: one succeeds, the other gets EmailTaken', async () => {
      const results = await Promise.allSettled([
        db.accounts.create({ name: 'A', email: 'same@example.test' }),
        db.accounts.create({ name: 'B', email: 'SAME@example.test' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected).to.have.length(1);
      expect((rejected[0]!.reason as { code?: string }).code).to.equal('EmailTaken');
    });

    it('rejects a malformed e-mail with InvalidEmail and an empty name with InvalidName', async () => {
      await rejectsWith(db.accounts.create({ name: 'Ada', email: 'not-an-email' }), 'InvalidEmail');
      await rejectsWith(db.accounts.create({ name: '   ', email: 'ada@example.test' }), 'InvalidName');
      expect(await db.accounts.count()).to.equal(0);
    });

    it('gives a new account a different room number when the proposal is already issued', async () => {
      const first = await db.accounts.create({ name: 'First', email: 'first@example.test' });
      proposals.push(first.room.number, num('5000002'));
      const second = await db.accounts.create({ name: 'Second', email: 'second@example.test' });
      expect(second.room.number).to.equal(num('5000002'));
      expect(proposed.slice(-2)).to.deep.equal([first.room.number, num('5000002')]);
    });

    it('never re-issues the room number of a deactivated account', async () => {
      const first = await db.accounts.create({ name: 'First', email: 'first@example.test' });
      await db.accounts.deactivate(first.account.id);
      proposals.push(first.room.number, num('6000003'));
      const second = await db.accounts.create({ name: 'Second', email: 'second@example.test' });
      expect(second.room.number).to.equal(num('6000003'));
      // The old room is still there, still with its number and owner.
      expect((await db.rooms.get(first.room.number)).accountId).to.equal(first.account.id);
    });

    it('gives up with an error when every proposal is already issued, creating no account', async () => {
      const first = await db.accounts.create({ name: 'First', email: 'first@example.test' });
      proposals.push(...Array.from({ length: 50 }, () => first.room.number));
      const err = await db.accounts.create({ name: 'Second', email: 'second@example.test' }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err?.message).to.match(/free room number/);
      expect(await db.accounts.count()).to.equal(1);
    });
  });

  describe('deactivate', () => {
    it('sets deactivatedAt to now; a second deactivate throws AccountDeactivated', async () => {
      const { account } = await db.accounts.create({ name: 'Ada', email: 'ada@example.test' });
      clock.advance(5_000);
      const deactivated = await db.accounts.deactivate(account.id);
      expect(deactivated.deactivatedAt).to.equal(T0 + 5_000);
      await rejectsWith(db.accounts.deactivate(account.id), 'AccountDeactivated');
      expect((await db.accounts.get(account.id)).deactivatedAt).to.equal(T0 + 5_000);
    });

    it('a deactivated account cannot subscribe to a number (AccountDeactivated) and the number stays available', async () => {
      const { account } = await db.accounts.create({ name: 'Ada', email: 'ada@example.test' });
      await db.numbers.add('+18005550100', 'toll_free');
      await db.accounts.deactivate(account.id);
      await rejectsWith(db.numbers.subscribe('+18005550100', account.id), 'AccountDeactivated');
      expect((await db.numbers.get('+18005550100')).state).to.equal('available');
    });

    it('deactivating ends live subscriptions and quarantines their numbers', async () => {
      const { account } = await db.accounts.create({ name: 'Ada', email: 'ada@example.test' });
      await db.numbers.add('+18005550100', 'toll_free');
      await db.numbers.subscribe('+18005550100', account.id);
      clock.advance(1_000);
      await db.accounts.deactivate(account.id);
      expect(await db.numbers.routeFor('+18005550100')).to.equal(null);
      const n = await db.numbers.get('+18005550100');
      expect(n.state).to.equal('quarantined');
      expect(n.availableAt).to.equal(T0 + 1_000 + 30 * 86_400_000);
      const subs = await db.numbers.subscriptionsFor(account.id);
      expect(subs.map((s) => s.endedAt)).to.deep.equal([T0 + 1_000]);
    });

    it('deactivating an unknown account throws AccountNotFound', async () => {
      await rejectsWith(db.accounts.deactivate(9999), 'AccountNotFound');
    });
  });

  describe('verifyPassword', () => {
    it('returns the account for the right password (e-mail in any case) and null for a wrong one', async () => {
      const { account } = await db.accounts.create({ name: 'Ada', email: 'ada@example.test', password: 'correct horse' });
      expect(account.hasPassword).to.equal(true);
      expect((await db.accounts.verifyPassword('ADA@example.test', 'correct horse'))?.id).to.equal(account.id);
      expect(await db.accounts.verifyPassword('ada@example.test', 'Correct horse')).to.equal(null);
      expect(await db.accounts.verifyPassword('nobody@example.test', 'correct horse')).to.equal(null);
    });

    it('returns null for the right password of a deactivated account', async () => {
      const { account } = await db.accounts.create({ name: 'Ada', email: 'ada@example.test', password: 'correct horse' });
      await db.accounts.deactivate(account.id);
      expect(await db.accounts.verifyPassword('ada@example.test', 'correct horse')).to.equal(null);
    });

    it('returns null for an account without a password', async () => {
      await db.accounts.create({ name: 'Ada', email: 'ada@example.test' });
      expect(await db.accounts.verifyPassword('ada@example.test', '')).to.equal(null);
    });

    it('refuses a password shorter than 8 characters with InvalidPassword and creates no account', async () => {
      await rejectsWith(db.accounts.create({ name: 'Ada', email: 'ada@example.test', password: 'short' }), 'InvalidPassword');
      expect(await db.accounts.findByEmail('ada@example.test')).to.equal(null);
    });

    it('does not store the password in clear', async () => {
      await db.accounts.create({ name: 'Ada', email: 'ada@example.test', password: 'correct horse' });
      const row = await db.knex('accounts').first<{ password_hash: string }>('password_hash');
      expect(row.password_hash).to.match(/^scrypt\$/);
      expect(row.password_hash).to.not.contain('correct horse');
    });
  });

  describe('PINs', () => {
    let roomNumber: string;
    let roomId: number;
    beforeEach(async () => {
      const { room } = await db.accounts.create({ name: 'Ada', email: 'ada@example.test' });
      roomNumber = room.number;
      roomId = room.id;
    });

    const badPins: Array<[string, { moderator: string; participant: string }]> = [
      ['a 3-digit moderator PIN', { moderator: '123', participant: '5678' }],
      ['a 9-digit participant PIN', { moderator: '2580', participant: '123456789' }],
      ['letters in a PIN', { moderator: '12a4', participant: '5678' }],
      ['an empty PIN', { moderator: '', participant: '5678' }],
      ['equal moderator and participant PINs', { moderator: '4826', participant: '4826' }],
    ];
    for (const [what, pins] of badPins) {
      it(`rejects ${what} with InvalidPin and leaves the PINs unset`, async () => {
        await rejectsWith(db.rooms.setPins(roomNumber, pins), 'InvalidPin');
        expect((await db.rooms.get(roomNumber)).pinsSet).to.equal(false);
      });
    }

    it('accepts 4- and 8-digit PINs and marks pinsSet', async () => {
      const room = await db.rooms.setPins(roomNumber, { moderator: '2580', participant: '86420975' });
      expect(room.pinsSet).to.equal(true);
    });

    it('with PINs not set, any PIN verifies as invalid and pinsSet is false', async () => {
      expect((await db.rooms.get(roomNumber)).pinsSet).to.equal(false);
      expect(await db.rooms.verifyPin(roomId, '1234')).to.equal('invalid');
      expect(await db.rooms.verifyPin(roomId, '')).to.equal('invalid');
    });

    it('verifyPin returns moderator, participant or invalid', async () => {
      await db.rooms.setPins(roomNumber, { moderator: '4826', participant: '1739' });
      expect(await db.rooms.verifyPin(roomId, '4826')).to.equal('moderator');
      expect(await db.rooms.verifyPin(roomId, '1739')).to.equal('participant');
      expect(await db.rooms.verifyPin(roomId, '1112')).to.equal('invalid');
      expect(await db.rooms.verifyPin(roomId, '43210')).to.equal('invalid');
      expect(await db.rooms.verifyPin(roomId, 'abcd')).to.equal('invalid');
    });

    it('verifyPin of an unknown room is invalid', async () => {
      await db.rooms.setPins(roomNumber, { moderator: '4826', participant: '1739' });
      expect(await db.rooms.verifyPin(roomId + 1000, '4826')).to.equal('invalid');
    });

    it('a PIN change takes effect at once: the old PINs stop working, the new ones work', async () => {
      await db.rooms.setPins(roomNumber, { moderator: '4826', participant: '1739' });
      expect(await db.rooms.verifyPin(roomId, '4826')).to.equal('moderator');
      await db.rooms.setPins(roomNumber, { moderator: '1739', participant: '2961' });
      expect(await db.rooms.verifyPin(roomId, '4826')).to.equal('invalid');
      expect(await db.rooms.verifyPin(roomId, '1739')).to.equal('moderator');
      expect(await db.rooms.verifyPin(roomId, '2961')).to.equal('participant');
    });

    it('stores keyed hashes, not the PINs: no column of the rooms table contains a PIN', async () => {
      await db.rooms.setPins(roomNumber, { moderator: '98765430', participant: '24681357' });
      const rows = await db.knex('rooms').select<Array<Record<string, unknown>>>('*');
      expect(rows).to.have.length(1);
      const row = rows[0]!;
      expect(row.moderator_pin_hash).to.be.a('string').and.not.equal('');
      expect(row.participant_pin_hash).to.be.a('string').and.not.equal(row.moderator_pin_hash);
      for (const [column, value] of Object.entries(row)) {
        expect(String(value), column).to.not.contain('98765430');
        expect(String(value), column).to.not.contain('24681357');
      }
    });

    it('the same PINs in two rooms hash differently (per-room salt)', async () => {
      const other = await db.accounts.create({ name: 'Bob', email: 'bob@example.test' });
      await db.rooms.setPins(roomNumber, { moderator: '4826', participant: '1739' });
      await db.rooms.setPins(other.room.number, { moderator: '4826', participant: '1739' });
      const rows = await db.knex('rooms').orderBy('id').select<Array<{ moderator_pin_hash: string }>>('moderator_pin_hash');
      expect(rows[0]!.moderator_pin_hash).to.not.equal(rows[1]!.moderator_pin_hash);
    });

    it('findByNumber of a mistyped room number (one digit changed) is null without touching the database', async () => {
      const { room } = await db.accounts.create({ name: 'Typo', email: 'typo@example.test' });
      const last = Number(room.number.slice(-1));
      const typo = room.number.slice(0, -1) + String((last + 1) % 10);
      expect(isValidRoomNumber(typo)).to.equal(false);
      await db.close(); // a lookup now would fail: the check digit must reject it first
      expect(await db.rooms.findByNumber(typo)).to.equal(null);
      db = await openTestDb();
    });

    it('setPins on a mistyped room number throws InvalidRoomNumber; on an unissued valid one RoomNotFound', async () => {
      const typo = roomNumber.slice(0, -1) + String((Number(roomNumber.slice(-1)) + 1) % 10);
      await rejectsWith(db.rooms.setPins(typo, { moderator: '4826', participant: '1739' }), 'InvalidRoomNumber');
      const unissued = num('9000000') === roomNumber ? num('9000001') : num('9000000');
      await rejectsWith(db.rooms.setPins(unissued, { moderator: '4826', participant: '1739' }), 'RoomNotFound');
    });
  });

  describe('updateSettings', () => {
    let roomNumber: string;
    beforeEach(async () => {
      roomNumber = (await db.accounts.create({ name: 'Ada', email: 'ada@example.test' })).room.number;
    });

    it('changes policy, lock, language and max participants', async () => {
      const room = await db.rooms.updateSettings(roomNumber, { onModeratorLeave: 'end', locked: true, language: 'fr', maxParticipants: 1000 });
      expect(room).to.deep.include({ onModeratorLeave: 'end', locked: true, language: 'fr', maxParticipants: 1000, number: roomNumber });
      expect(await db.rooms.get(roomNumber)).to.deep.equal(room);
    });

    it('accepts the boundaries 2 and 1000 for max participants', async () => {
      expect((await db.rooms.updateSettings(roomNumber, { maxParticipants: 2 })).maxParticipants).to.equal(2);
      expect((await db.rooms.updateSettings(roomNumber, { maxParticipants: 1000 })).maxParticipants).to.equal(1000);
    });

    const bad: Array<[string, Record<string, unknown>]> = [
      ['an unknown moderator-leave policy', { onModeratorLeave: 'explode' }],
      ['max participants 1', { maxParticipants: 1 }],
      ['max participants 1001', { maxParticipants: 1001 }],
      ['max participants 2.5', { maxParticipants: 2.5 }],
      ['a language that is not a code', { language: 'English' }],
    ];
    for (const [what, settings] of bad) {
      it(`rejects ${what} with InvalidRoomSettings and changes nothing`, async () => {
        const before = await db.rooms.get(roomNumber);
        await rejectsWith(db.rooms.updateSettings(roomNumber, settings), 'InvalidRoomSettings');
        expect(await db.rooms.get(roomNumber)).to.deep.equal(before);
      });
    }

    it('rejects a change of the room number with InvalidRoomSettings; the number stays', async () => {
      const other = num('2000000') === roomNumber ? num('2000001') : num('2000000');
      await rejectsWith(db.rooms.updateSettings(roomNumber, { number: other, locked: true }), 'InvalidRoomSettings');
      const room = await db.rooms.get(roomNumber);
      expect(room.number).to.equal(roomNumber);
      expect(room.locked).to.equal(false);
      expect(await db.rooms.findByNumber(other)).to.equal(null);
    });

    it("accepts the room's own number in the settings as no change", async () => {
      const room = await db.rooms.updateSettings(roomNumber, { number: roomNumber, locked: true });
      expect(room.locked).to.equal(true);
    });
  });
});
