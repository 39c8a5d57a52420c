// Organizations (an administrator account that pays and has no room; members by code or
// invitation; their room's calls on the organization's numbers on its statement, a line per
// member; leaving and removal) and the owner's own data (export, deletion for good, caller-number
// retention, encryption at rest, the ledger guard's one exception). SQLite and PostgreSQL.
import { expect } from 'chai';
import { readFileSync, existsSync } from 'node:fs';
import type { Database } from '../../db/index.js';
import { randomRoomNumber } from '../../domain/room-number.js';
import type { Subscription } from '../../db/types.js';
import type { LegKind } from '../../domain/legs.js';
import { testDatabaseKind, testDatabaseUrl } from '../support/db-fixture.js';
import { Clock, DAY_MS, openTestDb, rejects, rejectsWith } from './helpers.js';

const MARCH = Date.UTC(2026, 2, 10, 12);
const CALLER = '+15557654321';

describe('db: organizations and personal data', function () {
  this.timeout(30_000);
  let db: Database;
  let clock: Clock;
  let seq = 0;

  /** Room numbers the next accounts get, in order (random once empty). */
  let proposed: string[] = [];

  beforeEach(async () => {
    clock = new Clock(MARCH);
    proposed = [];
    db = await openTestDb({ now: clock.now, proposeRoomNumber: () => proposed.shift() ?? randomRoomNumber() });
  });
  afterEach(async () => {
    await db?.close();
  });

  const orgWithNumber = async (email = `admin-${++seq}@acme.example`) => {
    const org = await db.organizations.create({ name: 'Acme Ltd', email, password: 'admin password 1' });
    await db.numbers.add(`+1800555${String(1000 + seq).slice(-4)}`, 'toll_free');
    const sub = await db.numbers.subscribe(`+1800555${String(1000 + seq).slice(-4)}`, org.account.id);
    return { org, sub };
  };
  const member = async (name = 'Grace') => db.accounts.create({ name, email: `${name.toLowerCase()}-${++seq}@example.com`, password: 'member password 1' });
  /** A closed leg on the subscription into a room, `seconds` long, answered at `at`. */
  const legInto = async (sub: Subscription, roomId: number | null, at: number, seconds: number, caller: string | null = CALLER, legKind: LegKind = 'inbound') => {
    const channelId = `org-${++seq}`;
    await db.ledger.openLeg({ channelId, accountId: sub.accountId, subscriptionId: sub.id, numberId: sub.numberId, dialled: sub.e164, callerNumber: caller, answeredAt: at, legKind });
    if (roomId !== null) await db.ledger.assign(channelId, { roomId, role: 'moderator' });
    return (await db.ledger.closeLeg(channelId, at + seconds * 1000, 'hangup'))!;
  };

  describe('organizations', () => {
    it('an organization account has no room, so no room lookup can ever admit it', async () => {
      const { org } = await orgWithNumber();
      expect(org.account.kind).to.equal('organization');
      expect(await db.rooms.forAccount(org.account.id)).to.deep.equal([]);
      expect(await db.knex('rooms').where({ account_id: org.account.id }).count<{ n: number | string }[]>({ n: '*' })).to.satisfy((r: Array<{ n: number | string }>) => Number(r[0]?.n) === 0);
      expect(org.joinCode).to.match(/^[A-Z2-9]{10}$/);
    });

    it('a member joins by code: the room row names the organization; a second join is refused; an organization cannot join', async () => {
      const { org } = await orgWithNumber();
      const { account, room } = await member();
      const joined = await db.organizations.joinByCode(account.id, org.joinCode.toLowerCase());
      expect(joined.members.map((m) => [m.accountId, m.roomNumber])).to.deep.equal([[account.id, room.number]]);
      expect((await db.rooms.findByNumber(room.number))?.organizationId).to.equal(org.account.id);
      expect((await db.accounts.get(account.id)).organizationId).to.equal(org.account.id);
      const other = await orgWithNumber();
      await rejectsWith(db.organizations.joinByCode(account.id, other.org.joinCode), 'AlreadyMember');
      await rejectsWith(db.organizations.joinByCode(other.org.account.id, org.joinCode), 'NotAMember');
      await rejectsWith(db.organizations.joinByCode(account.id, 'NOSUCHCODE'), 'InvalidJoinCode');
    });

    it('joining and leaving move the rooms change counter (008\'s trigger survives the later migrations), so every process\'s room cache lets go', async () => {
      const version = async () => Number((await db.knex('rooms_version').where({ id: 1 }).first<{ version: number | string }>('version'))?.version);
      const { org } = await orgWithNumber();
      const { account } = await member();
      const before = await version();
      await db.organizations.joinByCode(account.id, org.joinCode);
      const joined = await version();
      expect(joined).to.be.above(before);
      await db.organizations.leave(account.id);
      expect(await version()).to.be.above(joined);
    });

    it('an invitation joins only the invited address, once', async () => {
      const { org } = await orgWithNumber();
      const invited = await member('Invited');
      const stranger = await member('Stranger');
      const { token } = await db.organizations.invite(org.account.id, invited.account.email.toUpperCase());
      await rejectsWith(db.organizations.acceptInvite(stranger.account.id, token), 'InvalidJoinCode');
      await db.organizations.acceptInvite(invited.account.id, token);
      expect(await db.organizations.isMember(org.account.id, invited.account.id)).to.equal(true);
      await db.organizations.leave(invited.account.id);
      await rejectsWith(db.organizations.acceptInvite(invited.account.id, token), 'InvalidJoinCode');
    });

    it("a member's calls on the organization's number are on its statement, a line per member; after leaving they stay there", async () => {
      const { org, sub } = await orgWithNumber();
      const grace = await member('Grace');
      const alan = await member('Alan');
      await db.organizations.joinByCode(grace.account.id, org.joinCode);
      await db.organizations.joinByCode(alan.account.id, org.joinCode);
      await legInto(sub, grace.room.id, MARCH + 1_000, 61); // 120 s -> 40000
      await legInto(sub, alan.room.id, MARCH + 2_000, 30); // 60 s -> 20000
      await legInto(sub, null, MARCH + 3_000, 5); // never entered a room: 60 s -> 20000
      await db.organizations.leave(grace.account.id);
      expect((await db.rooms.findByNumber(grace.room.number))?.organizationId).to.equal(null);
      const st = await db.statements.build(org.account.id, '2026-03');
      expect(st.totalMicros).to.equal(80_000);
      expect(st.members?.map((m) => [m.accountId, m.roomNumber, m.legs, m.amountMicros])).to.deep.equal([
        [null, null, 1, 20_000],
        [grace.account.id, grace.room.number, 1, 40_000],
        [alan.account.id, alan.room.number, 1, 20_000],
      ].sort((a, b) => Number(a[0] ?? 0) - Number(b[0] ?? 0)));
      expect(db.statements.toCsv(st)).to.include(`member ${grace.account.id} room ${grace.room.number},,1,,,120,2,0.04`);
      expect(await db.organizations.memberUsage(org.account.id, grace.account.id, '2026-03')).to.deep.include({ legs: 1, billableSeconds: 120, amountMicros: 40_000 });
      // Her own statement has none of it: she did not pay.
      expect((await db.statements.build(grace.account.id, '2026-03')).totalMicros).to.equal(0);
    });

    it('a callback into a member\'s room billed to the organization: its own Callbacks line on the statement (CSV too), in the member\'s line, in the total; the export lists it as a callback', async () => {
      const { org, sub } = await orgWithNumber();
      const grace = await member('Grace');
      await db.organizations.joinByCode(grace.account.id, org.joinCode);
      await legInto(sub, grace.room.id, MARCH + 1_000, 61); // 120 s at 0.02 -> 40000
      const callback = await legInto(sub, grace.room.id, MARCH + 2_000, 61, CALLER, 'callback'); // 120 s at 0.03 -> 60000
      const st = await db.statements.build(org.account.id, '2026-03');
      expect(st.lines.map((l) => [l.e164, l.legs, l.amountMicros])).to.deep.equal([[sub.e164, 1, 40_000]]);
      expect(st.callbacks).to.deep.include({ legs: 1, billableSeconds: 120, amountMicros: 60_000, amount: '0.06' });
      expect(st.totalMicros).to.equal(100_000);
      expect(st.members?.map((m) => [m.accountId, m.legs, m.amountMicros])).to.deep.equal([[grace.account.id, 2, 100_000]]);
      const csv = db.statements.toCsv(st);
      expect(csv).to.include('2026-03,Callbacks,callback,1,0,0,120,2,0.06\n2026-03,TOTAL,,,,,,,0.10\n');
      expect(csv).to.include(`member ${grace.account.id} room ${grace.room.number},,2,,,240,4,0.10`);
      const doc = await db.personalData.exportAccount(grace.account.id);
      expect(doc.legs.map((l) => [l.id, l.legKind])).to.deep.include([callback.id, 'callback']);
      expect(doc.room?.callbackEnabled).to.equal(true);
    });

    it('an administrator reaches only their own members', async () => {
      const a = await orgWithNumber();
      const b = await orgWithNumber();
      const grace = await member();
      await db.organizations.joinByCode(grace.account.id, b.org.joinCode);
      await rejectsWith(db.organizations.remove(a.org.account.id, grace.account.id), 'NotAMember');
      await rejectsWith(db.organizations.memberUsage(a.org.account.id, grace.account.id), 'NotAMember');
      const newCode = await db.organizations.remove(b.org.account.id, grace.account.id);
      expect(await db.organizations.members(b.org.account.id)).to.deep.equal([]);
      // The removed member knew the code: it is replaced, and theirs joins nobody.
      expect(newCode).to.match(/^[A-Z2-9]{10}$/).and.not.equal(b.org.joinCode);
      expect((await db.organizations.get(b.org.account.id)).joinCode).to.equal(newCode);
      await rejectsWith(db.organizations.joinByCode(grace.account.id, b.org.joinCode), 'InvalidJoinCode');
      // Usage of a former member stays visible to their former organization.
      expect((await db.organizations.memberUsage(b.org.account.id, grace.account.id)).legs).to.equal(0);
    });
  });

  describe('my data', () => {
    it('the export holds the account, room, subscriptions and every leg with its caller number', async () => {
      const { org, sub } = await orgWithNumber();
      const grace = await member();
      await db.organizations.joinByCode(grace.account.id, org.joinCode);
      const leg = await legInto(sub, grace.room.id, MARCH + 1_000, 10);
      const doc = await db.personalData.exportAccount(grace.account.id);
      expect(doc.account.email).to.equal(grace.account.email);
      expect(doc.room?.number).to.equal(grace.room.number);
      expect(doc.organization).to.deep.equal({ id: org.account.id, name: 'Acme Ltd' });
      expect(doc.legs.map((l) => [l.id, l.callerNumber, l.amountMicros])).to.deep.equal([[leg.id, CALLER, leg.amountMicros]]);
      expect(doc.recordings).to.deep.equal([]);
      const orgDoc = await db.personalData.exportAccount(org.account.id);
      expect(orgDoc.subscriptions.map((s) => s.e164)).to.deep.equal([sub.e164]);
      expect(orgDoc.legs.map((l) => l.id)).to.deep.equal([leg.id]);
    });

    it('a deleted account cannot sign in, its room number stays retired, its legs stay billable without caller numbers', async () => {
      const { org, sub } = await orgWithNumber();
      const grace = await member();
      await db.organizations.joinByCode(grace.account.id, org.joinCode);
      const inRoom = await legInto(sub, grace.room.id, MARCH + 1_000, 61);
      await db.numbers.add('+18005550177', 'toll_free');
      const own = await db.numbers.subscribe('+18005550177', grace.account.id);
      const ownLeg = await legInto(own, grace.room.id, MARCH + 2_000, 30);
      const before = await db.statements.build(org.account.id, '2026-03');

      const erased = await db.personalData.eraseAccount(grace.account.id);
      expect(erased).to.deep.include({ email: '', hasPassword: false });
      expect(erased.erasedAt).to.equal(MARCH);
      expect(await db.accounts.verifyPassword(grace.account.email, 'member password 1')).to.equal(null);
      expect(await db.accounts.findByEmail(grace.account.email)).to.equal(null);
      expect(await db.rooms.verifyPin(grace.room.id, '1234')).to.equal('invalid');
      expect(await db.organizations.members(org.account.id)).to.deep.equal([]);
      // The room row stays: its number is never drawn again.
      proposed = [grace.room.number, '12345674'];
      expect((await db.accounts.create({ name: 'Next', email: 'next@example.com' })).room.number).to.equal('12345674');
      expect((await db.rooms.findByNumber(grace.room.number))?.accountId).to.equal(grace.account.id);

      for (const id of [inRoom.id, ownLeg.id]) {
        const row = await db.knex('usage_ledger').where({ id }).first<{ caller_number: string | null; amount_micros: number | string; billable_seconds: number }>();
        expect(row?.caller_number).to.equal(null);
      }
      const after = await db.statements.build(org.account.id, '2026-03');
      expect(after.totalMicros).to.equal(before.totalMicros);
      expect(after.members?.[0]).to.deep.include({ accountId: grace.account.id, legs: 1, amountMicros: inRoom.amountMicros });
      expect((await db.statements.build(grace.account.id, '2026-03')).totalMicros).to.equal(ownLeg.amountMicros);
      // A new account may use the address again.
      await db.accounts.create({ name: 'New Grace', email: grace.account.email });
    });

    it('retention erases the caller numbers of old legs only', async () => {
      const { sub } = await orgWithNumber();
      const old = await legInto(sub, null, MARCH - 800 * DAY_MS, 10);
      const recent = await legInto(sub, null, MARCH - 100 * DAY_MS, 10);
      const erased = await db.personalData.eraseCallerNumbersBefore(MARCH - 730 * DAY_MS);
      expect(erased).to.equal(1);
      expect((await db.ledger.findByChannel(old.channelId!))?.callerNumber).to.equal(null);
      expect((await db.ledger.findByChannel(recent.channelId!))?.callerNumber).to.equal(CALLER);
      expect((await db.ledger.findByChannel(old.channelId!))?.amountMicros).to.equal(old.amountMicros);
    });
  });

  describe('the ledger guard', () => {
    it('lets a closed leg lose its caller number and nothing else; billing fields and caller numbers stay unchangeable', async () => {
      const { sub } = await orgWithNumber();
      const leg = await legInto(sub, null, MARCH, 10);
      await rejects(db.knex('usage_ledger').where({ id: leg.id }).update({ amount_micros: 1 }));
      await rejects(db.knex('usage_ledger').where({ id: leg.id }).update({ caller_number: null, amount_micros: 1 }));
      await rejects(db.knex('usage_ledger').where({ id: leg.id }).update({ caller_number: null, billable_seconds: 0 }));
      await rejects(db.knex('usage_ledger').where({ id: leg.id }).update({ caller_number: 'v1:forged' })); // already encrypted: no re-encryption
      await rejects(db.knex('usage_ledger').where({ id: leg.id }).delete());
      await db.knex('usage_ledger').where({ id: leg.id }).update({ caller_number: null });
      await rejects(db.knex('usage_ledger').where({ id: leg.id }).update({ caller_number: '+15550000000' }));
      expect((await db.ledger.findByChannel(leg.channelId!))).to.deep.include({ callerNumber: null, amountMicros: leg.amountMicros, seconds: 10 });
    });
  });

  describe('encryption at rest', () => {
    it('stores e-mail addresses and caller numbers encrypted, and finds accounts by e-mail through the blind index', async () => {
      const { org, sub } = await orgWithNumber('boss@acme.example');
      await legInto(sub, null, MARCH, 10, '+15553332222');
      const raw = await db.knex('accounts').where({ id: org.account.id }).first<{ email: string; email_index: string }>();
      expect(raw?.email.startsWith('v1:')).to.equal(true);
      expect(raw?.email_index).to.match(/^[0-9a-f]{64}$/);
      const rawLeg = await db.knex('usage_ledger').first<{ caller_number: string }>();
      expect(rawLeg?.caller_number.startsWith('v1:')).to.equal(true);
      expect((await db.accounts.verifyPassword(' Boss@ACME.example ', 'admin password 1'))?.id).to.equal(org.account.id);
      await rejectsWith(db.accounts.create({ name: 'Twin', email: 'BOSS@acme.example' }), 'EmailTaken');
      if (testDatabaseKind() === 'sqlite') {
        await db.knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
        const file = testDatabaseUrl(db).slice('sqlite:'.length);
        const bytes = Buffer.concat([readFileSync(file), existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`) : Buffer.alloc(0)]).toString('latin1');
        expect(bytes.includes('boss@acme.example'), 'plaintext e-mail in the SQLite file').to.equal(false);
        expect(bytes.includes('5553332222'), 'plaintext caller number in the SQLite file').to.equal(false);
        expect(bytes.includes('Acme Ltd'), 'the file is readable (names are not encrypted)').to.equal(true);
      }
    });

    it('encrypts rows stored before encryption, once', async () => {
      const { sub } = await orgWithNumber();
      await db.knex('accounts').insert({ name: 'Old', email: 'old@example.com', password_hash: null, created_at: MARCH, deactivated_at: null });
      const leg = await legInto(sub, null, MARCH, 10);
      // As a pre-009 bridge left it: a plaintext caller number on a closed leg. Only the guard's
      // plaintext->ciphertext exception can change it now, so write it while the leg is open.
      await db.knex('usage_ledger').insert({
        entry_kind: 'leg', channel_id: 'plain-1', account_id: sub.accountId, subscription_id: sub.id, number_id: sub.numberId, dialled: sub.e164, role: 'unauthenticated',
        caller_number: '+15551112222', answered_at: MARCH, ended_at: null, rate_per_minute_micros: 0, rate_increment_seconds: 60, rate_minimum_seconds: 0, created_at: MARCH,
      });
      await db.ledger.closeLeg('plain-1', MARCH + 5_000);
      expect(await db.personalData.encryptPlaintext()).to.equal(2);
      expect(await db.personalData.encryptPlaintext()).to.equal(0);
      expect((await db.accounts.findByEmail('OLD@example.com'))?.name).to.equal('Old');
      expect((await db.ledger.findByChannel('plain-1'))?.callerNumber).to.equal('+15551112222');
      expect((await db.knex('usage_ledger').where({ channel_id: 'plain-1' }).first<{ caller_number: string }>())?.caller_number.startsWith('v1:')).to.equal(true);
      expect((await db.ledger.findByChannel(leg.channelId!))?.callerNumber).to.equal(CALLER);
    });
  });
});
