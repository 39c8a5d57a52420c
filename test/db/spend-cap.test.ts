// A room's monthly spend cap over the database (SQLite, or PostgreSQL with TOLLBRIDGE_TEST_DB):
// the owner's setting (migration 016), the room's entries this month from the ledger (toll-free
// and callbacks only, open legs rated up to now), the boundary to the cent, the once-a-month warning claim,
// and the bridge's side (app/calls/spend-caps.ts): one e-mail, the grace that ends a conference.
import { expect } from 'chai';
import { pino } from 'pino';
import type { Mail, Mailer } from '../../app/accounts/mailer.js';
import { roomSpend } from '../../app/accounts/room-spend.js';
import { SpendCaps, type CappedRooms } from '../../app/calls/spend-caps.js';
import type { Database, Room, Subscription } from '../../db/index.js';
import { MICROS_PER_CENT, parseMoney } from '../../domain/money.js';
import type { RoomControl } from '../../flows/room-controls.js';
import type { LegKind } from '../../domain/legs.js';
import { accountWithNumber, Clock, DAY_MS, openLeg, openTestDb, rejectsWith } from './helpers.js';

const T0 = Date.UTC(2026, 11, 10, 12);
const TF = '+18005550142';
const LOCAL = '+15555550142';
const MINUTE = 60_000;
const log = pino({ level: 'silent' });

class SentMail implements Mailer {
  readonly sent: Mail[] = [];
  async send(mail: Mail): Promise<boolean> {
    this.sent.push(mail);
    return true;
  }
}

async function settled(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

describe('db: room spend cap', function () {
  this.timeout(20_000);
  let db: Database;
  let clock: Clock;
  let sub: Subscription;
  let room: Room;
  let seq = 0;

  beforeEach(async () => {
    // 0.06 a minute, by the minute (each started minute 6 cents), in force since long before.
    clock = new Clock(T0 - 60 * DAY_MS);
    db = await openTestDb({ now: clock.now });
    await db.rates.set('toll_free', { perMinuteMicros: 60_000, incrementSeconds: 60 });
    await db.rates.set('local', { perMinuteMicros: 60_000, incrementSeconds: 60 });
    clock.t = T0;
    let accountId: number;
    ({ accountId, sub } = await accountWithNumber(db, TF));
    room = (await db.rooms.forAccount(accountId))[0]!;
  });
  afterEach(async () => {
    await db?.close();
  });

  /** A leg in the room answered at `at`, closed after `ms` (open when null). */
  const leg = async (at: number, ms: number | null, on: Subscription = sub, roomId: number | null = room.id, legKind?: LegKind): Promise<string> => {
    const channel = `ch-${++seq}`;
    await openLeg(db, on, channel, at, '+15551230000', legKind);
    if (roomId !== null) await db.ledger.assign(channel, { roomId, role: 'participant' });
    if (ms !== null) await db.ledger.closeLeg(channel, at + ms, 'hangup');
    return channel;
  };
  const capAt = async (monthly: string, graceSeconds: number | null = null) =>
    (room = await db.rooms.updateSettings(room.number, { spendCap: { monthlyMicros: parseMoney(monthly), graceSeconds } }));

  describe('the setting', () => {
    it('a new room has no cap; one set is read back; null removes it', async () => {
      expect(room.spendCap).to.equal(null);
      await capAt('25.00', 300);
      expect((await db.rooms.get(room.number)).spendCap).to.deep.equal({ monthlyMicros: 25_000_000, graceSeconds: 300 });
      await db.rooms.updateSettings(room.number, { spendCap: null });
      expect((await db.rooms.get(room.number)).spendCap).to.equal(null);
    });

    it('refuses a cap of 0 and a grace out of range (InvalidRoomSettings)', async () => {
      await rejectsWith(db.rooms.updateSettings(room.number, { spendCap: { monthlyMicros: 0, graceSeconds: null } }), 'InvalidRoomSettings');
      await rejectsWith(db.rooms.updateSettings(room.number, { spendCap: { monthlyMicros: 1, graceSeconds: -5 } }), 'InvalidRoomSettings');
    });
  });

  describe('the room\'s spend this month', () => {
    it('counts the room\'s toll-free legs of this month, closed and open; not other rooms, local numbers, or last month', async () => {
      await leg(T0 - 5 * MINUTE, 90_000); // 2 minutes: 0.12
      await leg(Date.UTC(2026, 10, 30, 23, 59), 30_000); // November
      await leg(T0 - MINUTE, 10_000, sub, null); // never entered the room
      await db.numbers.add(LOCAL, 'local');
      const local = await db.numbers.subscribe(LOCAL, room.accountId, { asOperator: true });
      await leg(T0 - MINUTE, 10_000, local); // the owner's local number into this room
      expect((await db.ledger.findByChannel(`ch-${seq}`))?.amountMicros).to.equal(60_000);
      await leg(T0 - 30_000, null); // in progress: 30 s so far -> 1 minute: 0.06
      expect((await roomSpend(db, room, clock.now())).spentMicros).to.equal(180_000);
      clock.advance(MINUTE); // the open leg now 90 s: 2 minutes
      expect((await roomSpend(db, room, clock.now())).spentMicros).to.equal(240_000);
    });

    it('counts the room\'s callbacks at the callback rate, closed and in progress, whatever number they carry; a callback in no room does not count', async () => {
      await leg(T0 - 5 * MINUTE, 90_000); // toll-free, 2 minutes at 0.06: 0.12
      await leg(T0 - 5 * MINUTE, 90_000, sub, room.id, 'callback'); // 2 minutes at 0.03: 0.06
      await db.numbers.add(LOCAL, 'local');
      const local = await db.numbers.subscribe(LOCAL, room.accountId, { asOperator: true });
      await leg(T0 - MINUTE, 10_000, local, room.id, 'callback'); // on a local number, still the room's callback: 0.03
      await leg(T0 - MINUTE, 10_000, sub, null, 'callback'); // not (yet) in the room
      await leg(T0 - 30_000, null, sub, room.id, 'callback'); // in progress: 30 s so far -> 1 minute: 0.03
      expect((await roomSpend(db, room, clock.now())).spentMicros).to.equal(240_000);
      clock.advance(MINUTE); // the open callback now 90 s: 2 minutes
      expect((await roomSpend(db, room, clock.now())).spentMicros).to.equal(270_000);
      await capAt('0.27');
      expect((await roomSpend(db, room, clock.now())).level).to.equal('reached');
    });

    it('to the cent: one cent under the cap is still under it (admitted), at the cap it is reached (refused)', async () => {
      // 25 legs of 10 minutes at 0.06: 15.00; then 1 cent less than 10.00 more via adjustment.
      await capAt('25.00');
      for (let i = 0; i < 25; i++) await leg(T0 - 20 * MINUTE, 10 * MINUTE);
      const last = await db.ledger.findByChannel(`ch-${seq}`);
      const adjustment = await db.ledger.adjust(last!.id, parseMoney('10.00') - MICROS_PER_CENT, 'test: up to a cent under the cap');
      expect(adjustment.roomId).to.equal(room.id);
      let spend = await roomSpend(db, room, clock.now());
      expect(spend.spentMicros).to.equal(parseMoney('24.99'));
      expect(spend.level).to.equal('warning');
      await db.ledger.adjust(last!.id, MICROS_PER_CENT, 'test: the last cent');
      spend = await roomSpend(db, room, clock.now());
      expect(spend.spentMicros).to.equal(parseMoney('25.00'));
      expect(spend.level).to.equal('reached');
    });
  });

  describe('the 80 % warning claim', () => {
    it('is won once per room and month, whoever asks; a new month may claim again', async () => {
      expect(await db.rooms.claimSpendWarning(room.id, '2026-12')).to.equal(true);
      expect(await db.rooms.claimSpendWarning(room.id, '2026-12')).to.equal(false);
      const claims = await Promise.all([db.rooms.claimSpendWarning(room.id, '2027-01'), db.rooms.claimSpendWarning(room.id, '2027-01')]);
      expect(claims.filter(Boolean)).to.have.length(1);
    });
  });

  describe('the bridge\'s spend caps (app/calls/spend-caps.ts)', () => {
    class Rooms implements CappedRooms {
      readonly controls: Array<{ room: string; control: RoomControl }> = [];
      numbers: string[] = [];
      roomNumbers(): string[] {
        return this.numbers;
      }
      control(roomNumber: string, control: RoomControl): boolean {
        this.controls.push({ room: roomNumber, control });
        return true;
      }
    }

    it('at 80 % the owner gets exactly one e-mail, however many joins ask; below, none', async () => {
      await capAt('1.00');
      const mailer = new SentMail();
      const caps = new SpendCaps(db, mailer, log, { now: clock.now });
      await leg(T0 - 20 * MINUTE, 13 * MINUTE); // 0.78
      expect(await caps.levelOf(room)).to.equal('under');
      await leg(T0 - 5 * MINUTE, MINUTE); // 0.84
      expect(await caps.levelOf(room)).to.equal('warning');
      expect(await caps.levelOf(room)).to.equal('warning');
      await settled();
      // Another bridge process on the same database: the claim is taken, no second mail.
      const other = new SpendCaps(db, mailer, log, { now: clock.now });
      expect(await other.levelOf(room)).to.equal('warning');
      await settled();
      expect(mailer.sent).to.have.length(1);
      expect(mailer.sent[0]?.subject).to.equal(`Room ${room.number}: 80 % of this month's spend cap used`);
      expect(mailer.sent[0]?.text).to.include('0.84').and.include('1.00');
    });

    it('at the cap with a grace: the conference is ended once the grace has passed, not before', async () => {
      await capAt('0.12', 60);
      const rooms = new Rooms();
      rooms.numbers = [room.number];
      const caps = new SpendCaps(db, null, log, { now: clock.now, watchMs: 3_600_000 });
      caps.watch(rooms);
      try {
        await leg(T0 - 2 * MINUTE, null); // in progress, 2 minutes: 0.12
        await caps.check();
        expect(rooms.controls).to.deep.equal([]);
        clock.advance(59_000);
        await caps.check();
        expect(rooms.controls).to.deep.equal([]);
        clock.advance(1_000);
        await caps.check();
        expect(rooms.controls).to.deep.equal([{ room: room.number, control: { type: 'END', by: 'spend-cap' } }]);
      } finally {
        caps.close();
      }
    });

    it('at the cap without a grace, calls in progress finish; a room without callers is not touched', async () => {
      await capAt('0.06');
      const rooms = new Rooms();
      rooms.numbers = [room.number];
      const caps = new SpendCaps(db, null, log, { now: clock.now, watchMs: 3_600_000 });
      caps.watch(rooms);
      try {
        await leg(T0 - 2 * MINUTE, null);
        clock.advance(86_400_000);
        await caps.check();
        expect(rooms.controls).to.deep.equal([]);
        await capAt('0.06', 0);
        rooms.numbers = [];
        await caps.check();
        expect(rooms.controls).to.deep.equal([]);
        rooms.numbers = [room.number];
        await caps.check();
        expect(rooms.controls).to.have.length(1);
      } finally {
        caps.close();
      }
    });
  });
});
