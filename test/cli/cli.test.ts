// The account/operator commands through the real process boundary: `node dist/cli/main.js`
// spawned with a temporary SQLite file, checked by exit code, stdout (--json) and stderr.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commands } from '../../cli/commands.js';
import { periodOf } from '../../domain/billing.js';
import { loadConfig } from '../../config/config.js';
import { openDatabase, type Account, type LedgerEntry, type PhoneNumber, type Rate, type Room, type Statement, type Subscription } from '../../db/index.js';
import { runCli, type CliRun } from '../support/run-cli.js';

const PIN_SECRET = 'x';

type Run = CliRun;

interface Created {
  id: number;
  roomNumber: string;
  account: Account;
  room: Room;
}

describe('tollbridge account/operator commands (spawned CLI)', function () {
  this.timeout(30_000);
  let dir: string;
  let dbFile: string;
  let env: NodeJS.ProcessEnv;

  function tb(args: string[], stdin = ''): Promise<Run> {
    return runCli(args, env, stdin);
  }

  /** Runs with --json, expects exit 0 and exactly one JSON document on stdout. */
  async function json<T>(args: string[], stdin = ''): Promise<T> {
    const r = await tb([...args, '--json'], stdin);
    expect(r.code, `tollbridge ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return JSON.parse(r.stdout) as T;
  }

  /** Runs with --json, expects exit 2 and the stable error code on stderr. */
  async function domainError(args: string[], code: string): Promise<string> {
    const r = await tb([...args, '--json']);
    expect(r.code, `tollbridge ${args.join(' ')}: ${r.stderr}`).to.equal(2);
    expect(r.stdout).to.equal('');
    const parsed = JSON.parse(r.stderr) as { error: { code: string; message: string } };
    expect(parsed.error.code).to.equal(code);
    return parsed.error.message;
  }

  let serial = 0;
  async function createAccount(name = 'Owner'): Promise<Created> {
    serial++;
    return json<Created>(['accounts', 'create', '--name', name, '--email', `owner${serial}@example.com`]);
  }

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-cli-'));
    dbFile = path.join(dir, 'tb.sqlite');
    const { TOLLBRIDGE_SMTP_URL: _smtp, TOLLBRIDGE_DB: _db, ...rest } = process.env;
    env = { ...rest, TOLLBRIDGE_DB: `sqlite:${dbFile}`, TOLLBRIDGE_PIN_SECRET: PIN_SECRET };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('accounts', () => {
    it('create prints the account id and its 8-digit room number; human output names both', async () => {
      const made = await json<Created>(['accounts', 'create', '--name', 'Ada Lovelace', '--email', 'Ada@Example.com']);
      expect(made.id).to.be.a('number');
      expect(made.roomNumber).to.match(/^\d{8}$/);
      expect(made.account).to.include({ id: made.id, email: 'ada@example.com', hasPassword: false });
      expect(made.room.number).to.equal(made.roomNumber);
      const human = await tb(['accounts', 'create', '--name', 'Grace', '--email', 'grace@example.com']);
      expect(human.code, human.stderr).to.equal(0);
      expect(human.stdout).to.match(/account \d+ created/).and.to.match(/room number \d{8}/);
    });

    it('create --password-stdin reads the password without its final newline', async () => {
      const made = await json<Created>(['accounts', 'create', '--name', 'Pat', '--email', 'pat@example.com', '--password-stdin'], 'long enough password\n');
      expect(made.account.hasPassword).to.equal(true);
      const empty = await tb(['accounts', 'create', '--name', 'Pat', '--email', 'pat2@example.com', '--password-stdin'], '\n');
      expect(empty.code).to.equal(64);
      expect(empty.stderr).to.contain('empty password');
    });

    it('create refuses a missing --email (64) and a taken e-mail (2, EmailTaken)', async () => {
      const missing = await tb(['accounts', 'create', '--name', 'X']);
      expect(missing.code).to.equal(64);
      expect(missing.stderr).to.contain('--email is required').and.to.contain('Usage: tollbridge accounts create');
      await json(['accounts', 'create', '--name', 'Dup', '--email', 'dup@example.com']);
      await domainError(['accounts', 'create', '--name', 'Dup', '--email', 'DUP@example.com'], 'EmailTaken');
    });

    it('show by id and by e-mail: account, room number, settings with pinsSet, never PINs', async () => {
      const made = await createAccount('Shown');
      await json(['rooms', 'set-pins', made.roomNumber, '--moderator', '24680', '--participant', '13579']);
      const byId = await json<{ account: Account; roomNumber: string; room: Room; subscriptions: Subscription[] }>(['accounts', 'show', String(made.id)]);
      const byEmail = await json<typeof byId>(['accounts', 'show', made.account.email.toUpperCase()]);
      expect(byEmail).to.deep.equal(byId);
      expect(byId.account.id).to.equal(made.id);
      expect(byId.roomNumber).to.equal(made.roomNumber);
      expect(byId.room).to.include({ pinsSet: true, onModeratorLeave: 'continue', language: 'en' });
      expect(byId.subscriptions).to.deep.equal([]);
      const human = await tb(['accounts', 'show', made.account.email]);
      expect(human.code).to.equal(0);
      expect(human.stdout).to.contain(made.roomNumber).and.to.contain('PINs:');
      for (const text of [JSON.stringify(byId), human.stdout]) expect(text).not.to.contain('24680').and.not.to.contain('13579');
    });

    it('show of an unknown account is AccountNotFound; a malformed ACCOUNT is a usage error', async () => {
      await domainError(['accounts', 'show', '999999'], 'AccountNotFound');
      await domainError(['accounts', 'show', 'nobody@example.com'], 'AccountNotFound');
      expect((await tb(['accounts', 'show', 'nobody'])).code).to.equal(64);
      expect((await tb(['accounts', 'show'])).code).to.equal(64);
    });

    it('deactivate ends the account and its subscriptions; a second time is AccountDeactivated', async () => {
      const made = await createAccount('Leaving');
      await json(['numbers', 'add', '+18005550190', '--kind', 'toll_free']);
      await json(['numbers', 'subscribe', '+18005550190', '--account', String(made.id)]);
      const gone = await json<Account>(['accounts', 'deactivate', made.account.email]);
      expect(gone.deactivatedAt).to.be.a('number');
      const shown = await json<{ account: Account; subscriptions: Subscription[] }>(['accounts', 'show', String(made.id)]);
      expect(shown.account.deactivatedAt).to.equal(gone.deactivatedAt);
      expect(shown.subscriptions).to.deep.equal([]);
      const numbers = await json<PhoneNumber[]>(['numbers', 'list']);
      expect(numbers.find((n) => n.e164 === '+18005550190')?.state).to.equal('quarantined');
      await domainError(['accounts', 'deactivate', String(made.id)], 'AccountDeactivated');
      await domainError(['numbers', 'subscribe', '+18005550190', '--account', String(made.id)], 'AccountDeactivated');
    });
  });

  describe('rooms', () => {
    it('set-pins: ok, then equal PINs exit 2 with InvalidPin on stderr', async () => {
      const made = await createAccount();
      const room = await json<Room>(['rooms', 'set-pins', made.roomNumber, '--moderator', '4826', '--participant', '1739']);
      expect(room.pinsSet).to.equal(true);
      const message = await domainError(['rooms', 'set-pins', made.roomNumber, '--moderator', '1739', '--participant', '1739'], 'InvalidPin');
      expect(message).to.contain('differ');
      await domainError(['rooms', 'set-pins', made.roomNumber, '--moderator', '12', '--participant', '1739'], 'InvalidPin');
      const human = await tb(['rooms', 'set-pins', made.roomNumber, '--pins-stdin'], '1739\n1739\n');
      expect([human.code, human.stderr]).to.deep.equal([2, 'tollbridge: the moderator and participant PINs must differ\n']);
      expect((await tb(['rooms', 'set-pins', made.roomNumber, '--moderator', '4826'])).code).to.equal(64);
    });

    it('show and set: policy, language, size and lock change; at least one option is required', async () => {
      const made = await createAccount();
      const set = await json<Room>(['rooms', 'set', made.roomNumber, '--on-moderator-leave', 'end', '--max-participants', '12', '--locked', '--language', 'fr']);
      expect(set).to.include({ number: made.roomNumber, onModeratorLeave: 'end', maxParticipants: 12, locked: true, language: 'fr', pinsSet: false });
      const unlocked = await json<Room>(['rooms', 'set', made.roomNumber, '--unlocked', '--on-moderator-leave', 'wait']);
      expect(unlocked).to.include({ locked: false, onModeratorLeave: 'wait', maxParticipants: 12 });
      expect(await json<Room>(['rooms', 'show', made.roomNumber])).to.deep.equal(unlocked);
      const none = await tb(['rooms', 'set', made.roomNumber]);
      expect(none.code).to.equal(64);
      expect(none.stderr).to.contain('at least one');
      const badPolicy = await tb(['rooms', 'set', made.roomNumber, '--on-moderator-leave', 'explode']);
      expect(badPolicy.code).to.equal(64);
      expect(badPolicy.stderr).to.contain('--on-moderator-leave must be end, continue or wait');
      expect((await tb(['rooms', 'set', made.roomNumber, '--locked', '--unlocked'])).code).to.equal(64);
      expect((await tb(['rooms', 'set', made.roomNumber, '--max-participants', 'many'])).code).to.equal(64);
      await domainError(['rooms', 'set', made.roomNumber, '--max-participants', '1'], 'InvalidRoomSettings');
      await domainError(['rooms', 'show', '1234'], 'InvalidRoomNumber');
    });

    it('set: tones, count, music, names, consent and keeping recordings are on|off; anything else is a usage error', async () => {
      const made = await createAccount();
      const set = await json<Room>(['rooms', 'set', made.roomNumber, '--tones', 'off', '--record-names', 'on', '--recording-consent', 'on']);
      expect(set.announcements).to.deep.equal({ joinLeaveTones: false, announceCount: true, aloneMusic: true, recordNames: true, recordingConsent: true, keepRecordings: false });
      const human = await tb(['rooms', 'show', made.roomNumber]);
      expect(human.stdout).to.contain('join/leave tones:    off');
      expect(human.stdout).to.contain('recording consent:   required (press 1)');
      const bad = await tb(['rooms', 'set', made.roomNumber, '--alone-music', 'yes']);
      expect(bad.code).to.equal(64);
      expect(bad.stderr).to.contain('--alone-music must be on or off');
    });

    it('set --callback on|off switches the room\'s callbacks; show says which; anything else is a usage error', async function () {
      this.timeout(60_000); // five spawned commands
      const made = await createAccount();
      expect((await tb(['rooms', 'show', made.roomNumber])).stdout).to.contain('callback:            on (a waiting participant may ask to be called back when the moderator arrives)');
      expect(await json<Room>(['rooms', 'set', made.roomNumber, '--callback', 'off'])).to.include({ callbackEnabled: false, locked: false });
      expect((await tb(['rooms', 'show', made.roomNumber])).stdout).to.match(/^ {2}callback: +off$/m);
      expect(await json<Room>(['rooms', 'set', made.roomNumber, '--callback', 'on'])).to.include({ callbackEnabled: true });
      const bad = await tb(['rooms', 'set', made.roomNumber, '--callback', 'maybe']);
      expect(bad.code).to.equal(64);
      expect(bad.stderr).to.contain('--callback must be on or off, not "maybe"');
    });

    it('set: --spend-cap AMOUNT with --spend-cap-grace SECONDS; a grace alone changes the grace; none removes either', async function () {
      this.timeout(60_000); // eight spawned commands
      const made = await createAccount();
      const graceAlone = await tb(['rooms', 'set', made.roomNumber, '--spend-cap-grace', '60']);
      expect(graceAlone.code).to.equal(64);
      expect(graceAlone.stderr).to.contain('the room has no spend cap');
      const set = await json<Room>(['rooms', 'set', made.roomNumber, '--spend-cap', '25.00', '--spend-cap-grace', '300']);
      expect(set.spendCap).to.deep.equal({ monthlyMicros: 25_000_000, graceSeconds: 300 });
      expect((await tb(['rooms', 'show', made.roomNumber])).stdout).to.contain('spend cap:           25.000000 a month, calls in progress end 300 s after');
      expect((await json<Room>(['rooms', 'set', made.roomNumber, '--spend-cap-grace', 'none'])).spendCap).to.deep.equal({ monthlyMicros: 25_000_000, graceSeconds: null });
      expect((await json<Room>(['rooms', 'set', made.roomNumber, '--spend-cap', 'none'])).spendCap).to.equal(null);
      await domainError(['rooms', 'set', made.roomNumber, '--spend-cap', 'lots'], 'InvalidMoney');
      expect((await tb(['rooms', 'set', made.roomNumber, '--spend-cap', '5', '--spend-cap-grace', 'soon'])).code).to.equal(64);
    });
  });

  describe('numbers and rates', () => {
    it('add and list, with --available and --kind; bad kind and bad number are refused', async () => {
      const added = await json<PhoneNumber>(['numbers', 'add', '+18005550111', '--kind', 'toll_free']);
      expect(added).to.include({ e164: '+18005550111', kind: 'toll_free', state: 'available' });
      await json(['numbers', 'add', '+14155550111', '--kind', 'local']);
      const owner = await createAccount();
      await json(['numbers', 'add', '+18005550112', '--kind', 'toll_free']);
      await json(['numbers', 'subscribe', '+18005550112', '--account', String(owner.id)]);

      const all = (await json<PhoneNumber[]>(['numbers', 'list'])).map((n) => n.e164);
      expect(all).to.include.members(['+18005550111', '+14155550111', '+18005550112']);
      const available = await json<PhoneNumber[]>(['numbers', 'list', '--available']);
      expect(available.every((n) => n.state === 'available')).to.equal(true);
      expect(available.map((n) => n.e164)).to.include.members(['+18005550111', '+14155550111']).and.not.to.include('+18005550112');
      const local = await json<PhoneNumber[]>(['numbers', 'list', '--available', '--kind', 'local']);
      expect(local.every((n) => n.kind === 'local')).to.equal(true);
      expect(local.map((n) => n.e164)).to.include('+14155550111');
      const human = await tb(['numbers', 'list']);
      expect(human.stdout).to.match(/\+18005550112\s+toll_free\s+subscribed by account \d+/);

      const badKind = await tb(['numbers', 'add', '+18005550113', '--kind', 'premium']);
      expect(badKind.code).to.equal(64);
      expect(badKind.stderr).to.contain('--kind must be toll_free or local');
      expect((await tb(['numbers', 'add', '+18005550113'])).code).to.equal(64);
      expect((await tb(['numbers', 'list', '--kind', 'mobile'])).code).to.equal(64);
      await domainError(['numbers', 'add', '18005550113', '--kind', 'local'], 'InvalidPhoneNumber');
      await domainError(['numbers', 'add', '+18005550111', '--kind', 'local'], 'NumberExists');
    });

    it('subscribe; the same number by another account is NumberNotAvailable; unsubscribe prints usage 0 legs and the amount', async () => {
      const first = await createAccount('First');
      const second = await createAccount('Second');
      await json(['numbers', 'add', '+18005550120', '--kind', 'toll_free']);
      const sub = await json<Subscription>(['numbers', 'subscribe', '+18005550120', '--account', first.account.email]);
      expect(sub).to.include({ accountId: first.id, e164: '+18005550120', endedAt: null });
      const shown = await json<{ subscriptions: Subscription[] }>(['accounts', 'show', String(first.id)]);
      expect(shown.subscriptions.map((s) => s.e164)).to.deep.equal(['+18005550120']);

      await domainError(['numbers', 'subscribe', '+18005550120', '--account', String(second.id)], 'NumberNotAvailable');
      await domainError(['numbers', 'subscribe', '+18005550120', '--account', String(first.id)], 'AlreadySubscribed');
      await domainError(['numbers', 'unsubscribe', '+18005550120', '--account', String(second.id)], 'NotSubscribed');
      expect((await tb(['numbers', 'subscribe', '+18005550120'])).code).to.equal(64);

      const gone = await json<{ subscription: Subscription; usage: { legs: number; amountMicros: number; amount: string; period: string }; mailed: boolean }>([
        'numbers', 'unsubscribe', '+18005550120', '--account', String(first.id),
      ]);
      expect(gone.subscription.endedAt).to.be.a('number');
      expect(gone.usage).to.include({ legs: 0, amountMicros: 0, amount: '0.000000', period: periodOf(Date.now()) });
      expect(gone.mailed).to.equal(false); // no SMTP server configured
      // Held a moment and never called: back in the inventory at once, no quarantine.
      await json(['numbers', 'subscribe', '+18005550120', '--account', String(second.id)]);

      await json(['numbers', 'add', '+18005550121', '--kind', 'toll_free']);
      await json(['numbers', 'subscribe', '+18005550121', '--account', String(second.id)]);
      const human = await tb(['numbers', 'unsubscribe', '+18005550121', '--account', second.account.email]);
      expect(human.code, human.stderr).to.equal(0);
      expect(human.stdout).to.contain('0 legs').and.to.contain('charges 0.00').and.to.contain('NOT e-mailed');
    });

    it('rates set 0.015 is 15000 micros exactly; rates show shows it', async () => {
      const set = await json<Rate>(['rates', 'set', '--kind', 'toll_free', '--per-minute', '0.015']);
      expect(set).to.include({ kind: 'toll_free', perMinuteMicros: 15_000, incrementSeconds: 60, minimumSeconds: 0 });
      const shown = await json<Rate[]>(['rates', 'show', '--kind', 'toll_free']);
      expect(shown).to.have.length(1);
      expect(shown[0]).to.include({ kind: 'toll_free', perMinuteMicros: 15_000 });
      const both = await json<Rate[]>(['rates', 'show']);
      expect(both.map((r) => r.kind)).to.deep.equal(['toll_free', 'local', 'callback']);
      const human = await tb(['rates', 'show']);
      expect(human.stdout).to.contain('0.015 per minute').and.to.contain('15000 micros');

      const local = await json<Rate>(['rates', 'set', '--kind', 'local', '--per-minute', '0.001', '--increment', '6', '--minimum', '30']);
      expect(local).to.include({ perMinuteMicros: 1_000, incrementSeconds: 6, minimumSeconds: 30 });
      expect((await tb(['rates', 'set', '--kind', 'premium', '--per-minute', '1'])).code).to.equal(64);
      expect((await tb(['rates', 'set', '--kind', 'local'])).code).to.equal(64);
      expect((await tb(['rates', 'set', '--kind', 'local', '--per-minute', '1', '--increment', 'often'])).code).to.equal(64);
      await domainError(['rates', 'set', '--kind', 'local', '--per-minute', '0.1.2'], 'InvalidMoney');
      await domainError(['rates', 'set', '--kind', 'local', '--per-minute', '1', '--increment', '0'], 'InvalidRate');
      await json(['rates', 'set', '--kind', 'local', '--per-minute', '0']);
    });

    it('rates show lists the callback rate (0.03 at first); rates set --kind callback changes it alone', async () => {
      expect((await json<Rate[]>(['rates', 'show', '--kind', 'callback']))[0]).to.include({ kind: 'callback', perMinuteMicros: 30_000, incrementSeconds: 60 });
      expect((await tb(['rates', 'show'])).stdout).to.match(/^callback +0\.03 per minute \(30000 micros\), billed per 60 s/m);
      expect(await json<Rate>(['rates', 'set', '--kind', 'callback', '--per-minute', '0.05'])).to.include({ kind: 'callback', perMinuteMicros: 50_000 });
      expect((await json<Rate[]>(['rates', 'show', '--kind', 'callback']))[0]).to.include({ perMinuteMicros: 50_000 });
      const bad = await tb(['rates', 'show', '--kind', 'premium']);
      expect(bad.code).to.equal(64);
      expect(bad.stderr).to.contain('--kind must be toll_free, local or callback');
    });
  });

  describe('usage and statement', () => {
    it('a leg written through the db module shows in usage and statement with its amount', async () => {
      const owner = await createAccount('Caller');
      await json(['numbers', 'add', '+18005550130', '--kind', 'toll_free']);
      await json(['rates', 'set', '--kind', 'toll_free', '--per-minute', '0.015']);
      await json(['numbers', 'subscribe', '+18005550130', '--account', String(owner.id)]);

      // A 90-second leg, as the bridge writes it: 2 started minutes at 0.015 = 0.03.
      const t = Date.now() + 1_000; // answered after the rate change
      const db = await openDatabase({ client: 'sqlite', filename: dbFile }, { pinSecret: PIN_SECRET, dataKey: loadConfig(env).dataKey });
      try {
        const route = await db.numbers.routeFor('+18005550130');
        if (route === null) throw new Error('no route for +18005550130');
        await db.ledger.openLeg({ channelId: 'cli-leg-1', accountId: owner.id, subscriptionId: route.subscriptionId, numberId: route.numberId, dialled: '+18005550130', callerNumber: '+15550001', answeredAt: t });
        await db.ledger.assign('cli-leg-1', { roomId: owner.room.id, role: 'moderator' });
        await db.ledger.closeLeg('cli-leg-1', t + 90_000);
      } finally {
        await db.close();
      }

      const entries = await json<LedgerEntry[]>(['usage', owner.account.email]);
      expect(entries).to.have.length(1);
      expect(entries[0]).to.include({ channelId: 'cli-leg-1', seconds: 90, billableSeconds: 120, amountMicros: 30_000, role: 'moderator', ratePerMinuteMicros: 15_000 });
      const humanUsage = await tb(['usage', String(owner.id)]);
      expect(humanUsage.stdout).to.contain('+18005550130').and.to.contain('0.03').and.to.contain('moderator');
      const today = new Date(t).toISOString().slice(0, 10);
      expect(await json<LedgerEntry[]>(['usage', String(owner.id), '--from', today, '--to', new Date(t + 86_400_000).toISOString().slice(0, 10)])).to.have.length(1);
      expect(await json<LedgerEntry[]>(['usage', String(owner.id), '--from', new Date(t + 60_000).toISOString()])).to.deep.equal([]);
      expect(await json<LedgerEntry[]>(['usage', String(owner.id), '--to', today])).to.deep.equal([]);

      const period = periodOf(t);
      const statement = await json<Statement>(['statement', String(owner.id), '--period', period]);
      expect(statement).to.include({ accountId: owner.id, period, totalMicros: 30_000, total: '0.03' });
      expect(statement.lines[0]).to.include({ e164: '+18005550130', legs: 1, billableSeconds: 120, amountMicros: 30_000, amount: '0.03' });
      const asFormat = await tb(['statement', owner.account.email, '--period', period, '--format', 'json']);
      expect((JSON.parse(asFormat.stdout) as Statement).totalMicros).to.equal(30_000);
      const csv = await tb(['statement', owner.account.email, '--period', period, '--format', 'csv']);
      expect(csv.code, csv.stderr).to.equal(0);
      expect(csv.stdout.trim().split('\n')).to.deep.equal([
        'period,number,kind,legs,adjustments,late_entries,billable_seconds,billable_minutes,amount',
        `${period},+18005550130,toll_free,1,0,0,120,2,0.03`,
        `${period},TOTAL,,,,,,,0.03`,
      ]);
      const table = await tb(['statement', owner.account.email, '--period', period]);
      expect(table.stdout).to.match(/\+18005550130\s+toll_free\s+1\s+0\s+2\s+0\.03/).and.to.match(/TOTAL\s+0\.03/);

      const gone = await json<{ usage: { legs: number; amountMicros: number } }>(['numbers', 'unsubscribe', '+18005550130', '--account', String(owner.id)]);
      expect(gone.usage).to.include({ legs: 1, amountMicros: 30_000 });
    });

    it('a callback leg shows in usage as called back, on the statement\'s own Callbacks line (table, CSV, JSON) and in its total; unsubscribe prints the callbacks', async function () {
      this.timeout(60_000); // nine spawned commands
      const owner = await createAccount('Called back');
      await json(['numbers', 'add', '+18005550131', '--kind', 'toll_free']);
      await json(['numbers', 'subscribe', '+18005550131', '--account', String(owner.id)]);
      await json(['rates', 'set', '--kind', 'callback', '--per-minute', '0.04']);
      const t = Date.now() + 1_000; // answered after the rate change
      const db = await openDatabase({ client: 'sqlite', filename: dbFile }, { pinSecret: PIN_SECRET, dataKey: loadConfig(env).dataKey });
      try {
        const route = await db.numbers.routeFor('+18005550131');
        if (route === null) throw new Error('no route for +18005550131');
        await db.ledger.openLeg({ channelId: 'cli-cb-1', accountId: owner.id, subscriptionId: route.subscriptionId, numberId: route.numberId, dialled: route.e164, callerNumber: '+15550002', answeredAt: t, legKind: 'callback' });
        await db.ledger.assign('cli-cb-1', { roomId: owner.room.id, role: 'participant' });
        await db.ledger.closeLeg('cli-cb-1', t + 90_000, 'hangup'); // 2 started minutes at 0.04 = 0.08
      } finally {
        await db.close();
      }
      expect((await tb(['usage', String(owner.id)])).stdout).to.match(/0\.08 +participant called back at \+15550002; ended: hangup/);
      const period = periodOf(t);
      const statement = await json<Statement>(['statement', String(owner.id), '--period', period]);
      expect(statement).to.deep.include({ lines: [], totalMicros: 80_000, total: '0.08' });
      expect(statement.callbacks).to.include({ legs: 1, billableSeconds: 120, amountMicros: 80_000, amount: '0.08' });
      const csv = await tb(['statement', owner.account.email, '--period', period, '--format', 'csv']);
      expect(csv.stdout.trim().split('\n').slice(1)).to.deep.equal([`${period},Callbacks,callback,1,0,0,120,2,0.08`, `${period},TOTAL,,,,,,,0.08`]);
      const table = await tb(['statement', owner.account.email, '--period', period]);
      expect(table.stdout).to.match(/Callbacks\s+callback\s+1\s+0\s+2\s+0\.08/).and.to.match(/TOTAL\s+0\.08/).and.not.to.contain('(no calls)');
      const gone = await tb(['numbers', 'unsubscribe', '+18005550131', '--account', String(owner.id)]);
      expect(gone.stdout).to.contain('of which callbacks: 1 legs, 120 billable s, charges 0.08');
    });

    it('statement --format csv of a quiet month has the header and a TOTAL line', async () => {
      const owner = await createAccount();
      const csv = await tb(['statement', String(owner.id), '--period', '2025-01', '--format', 'csv']);
      expect(csv.code, csv.stderr).to.equal(0);
      const lines = csv.stdout.trim().split('\n');
      expect(lines[0]).to.equal('period,number,kind,legs,adjustments,late_entries,billable_seconds,billable_minutes,amount');
      expect(lines[lines.length - 1]).to.equal('2025-01,TOTAL,,,,,,,0.00');
    });

    it('bad dates, periods and formats are usage errors (exit 64) that say what to type', async () => {
      const owner = await createAccount();
      const badFrom = await tb(['usage', String(owner.id), '--from', 'yesterday']);
      expect(badFrom.code).to.equal(64);
      expect(badFrom.stderr).to.contain('--from takes a date like 2026-11-01').and.to.contain('Usage: tollbridge usage');
      for (const bad of ['2026-02-30', '2026-1-1', '2026-11-01T10:00:00', '1700000000']) {
        expect((await tb(['usage', String(owner.id), '--to', bad])).code, bad).to.equal(64);
      }
      expect((await tb(['usage', String(owner.id), '--from', '2026-11-02', '--to', '2026-11-01'])).code).to.equal(64);
      expect((await tb(['statement', String(owner.id)])).code).to.equal(64);
      expect((await tb(['statement', String(owner.id), '--period', '2026-13'])).code).to.equal(64);
      expect((await tb(['statement', String(owner.id), '--period', '2026-11', '--format', 'xml'])).code).to.equal(64);
    });
  });

  describe('the command line itself', () => {
    it('an unknown command exits 64 and lists the commands', async () => {
      const r = await tb(['frobnicate']);
      expect(r.code).to.equal(64);
      expect(r.stderr).to.contain('Unknown command: frobnicate').and.to.contain('accounts create');
      expect((await tb(['accounts', 'create', '--bogus'])).code).to.equal(64);
    });

    it('--help of every command exits 0 and explains each of its options', async function () {
      this.timeout(120_000); // one spawned process per command
      const overview = await tb(['--help']);
      expect(overview.code).to.equal(0);
      // Four at a time: all at once, a loaded 2-core CI machine took past the limit.
      const runs: Array<{ command: (typeof commands)[number]; help: Awaited<ReturnType<typeof tb>> }> = [];
      for (let i = 0; i < commands.length; i += 4) {
        runs.push(...(await Promise.all(commands.slice(i, i + 4).map(async (command) => ({ command, help: await tb([...command.path, '--help']) })))));
      }
      for (const { command, help } of runs) {
        const name = command.path.join(' ');
        expect(overview.stdout, name).to.contain(command.usage);
        expect(help.code, name).to.equal(0);
        expect(help.stdout, name).to.contain(`Usage: tollbridge ${command.usage}`);
        for (const option of Object.keys(command.options)) {
          const line = help.stdout.split('\n').find((l) => l.trimStart().startsWith(`--${option} `) || l.trimStart() === `--${option}`);
          expect(line, `${name} --help explains --${option}`).to.be.a('string');
          expect((line ?? '').replace(`--${option}`, '').trim().length, `${name} --${option} has a description`).to.be.greaterThan(5);
        }
      }
      const mine = ['accounts create', 'accounts show', 'accounts deactivate', 'rooms show', 'rooms set-pins', 'rooms set', 'numbers add', 'numbers list', 'numbers subscribe', 'numbers unsubscribe', 'rates set', 'rates show', 'usage', 'statement'];
      expect(commands.map((c) => c.path.join(' '))).to.include.members(mine);
    });
  });
});
