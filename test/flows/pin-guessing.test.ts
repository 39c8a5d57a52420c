// PIN guessing by redialling, over the real call machine and the real database (fakes only for
// ARI): the script got in as moderator on call 2,464. Here a guesser whose list holds
// the right PIN at guess 15 is locked out at guess 10, the lock is seen by a second router on
// its own connection to the same database (another bridge process), the owner gets one e-mail
// and the log one warning with room and caller (never the digits).
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger } from '../../config/logger.js';
import { CallRouter } from '../../flows/call-router.js';
import type { CallOutcome } from '../../flows/call-machine.js';
import type { PinGuard, RoomInfo } from '../../flows/ports.js';
import type { Role } from '../../domain/roles.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { databasePorts } from '../../app/calls/database-ports.js';
import { databasePinGuard } from '../../app/calls/pin-guard.js';
import type { Mail, Mailer } from '../../app/accounts/mailer.js';
import type { Database } from '../../db/index.js';
import { createTestDatabase, openSecondHandle } from '../support/db-fixture.js';
import { FakeChannel, FakeLedger } from '../support/fakes.js';
import { waitFor } from '../support/wait.js';

const GUESSING = { pauseMs: 5, maxPauseMs: 40, maxUnauthenticatedPerNumber: 50, maxUnauthenticatedPerCaller: 10 };
const MODERATOR_PIN = '482619';
const PARTICIPANT_PIN = '1739';

class MailBox implements Mailer {
  readonly sent: Mail[] = [];
  async send(mail: Mail): Promise<boolean> {
    this.sent.push(mail);
    return true;
  }
}

/** One bridge process: a router with fake ARI and the real database ports. */
class Process {
  readonly channel = new FakeChannel();
  readonly ledger = new FakeLedger();
  readonly outcomes = new Map<string, CallOutcome>();
  readonly joins: Array<{ channelId: string; role: Role }> = [];
  readonly logLines: string[] = [];
  readonly mail = new MailBox();
  readonly router: CallRouter;

  /** Reads of the guessing limits this process made. */
  reads = 0;

  constructor(readonly db: Database) {
    const lines = this.logLines;
    // The process's own logger (config/logger.ts): what its redaction lets through is what is checked.
    const log = createLogger('info', new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }));
    this.router = new CallRouter(
      {
        channel: this.channel,
        directory: databasePorts(db).directory,
        ledger: this.ledger,
        rooms: { join: (_room: RoomInfo, channelId: string, role: Role) => this.joins.push({ channelId, role }), leave: () => undefined, replace: () => undefined, admitted: () => true },
        clock: { now: () => Date.now() },
        timing: DEFAULT_IVR_TIMING,
        log,
        pinGuard: this.counting(databasePinGuard(db, this.mail, log)),
        guessing: GUESSING,
      },
      { onFinished: (id, outcome) => this.outcomes.set(id, outcome) },
    );
  }

  private counting(guard: PinGuard): PinGuard {
    return {
      status: (attempt) => {
        this.reads++;
        return guard.status(attempt);
      },
      recordFailure: (attempt) => guard.recordFailure(attempt),
    };
  }

  private pinPrompts(ch: string): number {
    return this.channel.plays(ch).filter((p) => p.split(',').includes('sound:conf-getpin')).length;
  }

  /**
   * One call as a guesser places it: the room number and the first guess typed at once, then a
   * guess at each PIN prompt, until the bridge ends the call (its hang-up is answered with the
   * channel's end, as Asterisk would). Returns how the call ended and the guesses it used.
   */
  async call(ch: string, callerNumber: string, dialled: string, room: string, guesses: string[]): Promise<{ outcome: CallOutcome; used: number }> {
    this.router.callStarted({ channelId: ch, dialled, callerNumber });
    let used = 0;
    const type = (digits: string) => {
      for (const d of digits) this.router.digit(ch, d);
    };
    type(`${room}#`);
    let typed = 0;
    let ended = false;
    const outcome = await waitFor(`call ${ch} to end`, () => {
      this.channel.finishPrompts();
      const prompts = this.pinPrompts(ch);
      if (prompts > typed && used < guesses.length && !ended) {
        type(`${guesses[used]}#`);
        used++;
        typed = prompts;
      }
      // Hung up by the bridge, or in the room (the caller then hangs up: this test is about getting in).
      if (!ended && (this.channel.ops.some((o) => o.startsWith(`hangup ${ch}`)) || this.joins.some((j) => j.channelId === ch))) {
        ended = true;
        this.router.callEnded(ch, Date.now());
      }
      return this.outcomes.get(ch) ?? null;
    }, { timeoutMs: 15_000, intervalMs: 2 }).catch((err: unknown) => { throw new Error(`${String(err)} ops=${JSON.stringify(this.channel.ops.filter((o) => o.includes(ch)))} log=${this.logLines.slice(-3).join("")}`); });
    return { outcome, used };
  }
}

describe('PIN guessing by redialling (real call machine, real database, fake ARI)', function () {
  this.timeout(60_000);
  let db: Database;
  let other: Database;
  let room: string;
  let ownerEmail: string;
  let ownerId: number;
  const tollFree = '+18005550177';

  beforeEach(async () => {
    db = await createTestDatabase();
    other = await openSecondHandle(db);
    const made = await db.accounts.create({ name: 'Victim', email: `victim-${Date.now()}@example.test` });
    ownerEmail = made.account.email;
    ownerId = made.account.id;
    room = made.room.number;
    await db.rooms.setPins(room, { moderator: MODERATOR_PIN, participant: PARTICIPANT_PIN });
    await db.numbers.add(tollFree, 'toll_free');
    await db.numbers.subscribe(tollFree, made.account.id);
  });

  afterEach(async () => {
    await other.close();
    await db.close();
  });

  it('a guesser rotating caller ids, with the right PIN at guess 15, is locked out at guess 10 and never gets in; a second process sees the lock', async () => {
    const guesses = Array.from({ length: 14 }, (_, i) => String(2000 + i * 37)).concat([PARTICIPANT_PIN]);
    expect(guesses.indexOf(PARTICIPANT_PIN)).to.equal(14);
    const a = new Process(db);
    let next = 0;
    const outcomes: CallOutcome[] = [];
    for (let call = 0; call < 12; call++) {
      const result = await a.call(`guess-${call}`, `+1555010${String(call).padStart(4, '0')}`, tollFree.slice(1), room, guesses.slice(next));
      next += result.used;
      outcomes.push(result.outcome);
    }
    expect(a.joins, 'nobody got in').to.deep.equal([]);
    expect(next, 'PINs checked before the lock').to.equal(10);
    // 3 per call: calls 1-3 used 9 guesses, call 4 the 10th (which locked the room), every later call none.
    expect(outcomes.slice(0, 3)).to.deep.equal(['failed-pin', 'failed-pin', 'failed-pin']);
    expect(outcomes.slice(3)).to.deep.equal(Array(9).fill('locked-out'));
    expect(a.channel.plays('guess-11')).to.deep.equal(['sound:conf-locked,sound:vm-goodbye']);
    expect(a.ledger.opened.length).to.equal(a.ledger.closed.length);

    // Another bridge process, its own connection: a fresh caller id is refused PIN entry at once.
    const b = new Process(other);
    const fresh = await b.call('other-1', '+15559990000', tollFree.slice(1), room, [PARTICIPANT_PIN]);
    expect(fresh).to.deep.equal({ outcome: 'locked-out', used: 0 });
    expect(b.channel.plays('other-1')).to.deep.equal(['sound:conf-locked,sound:vm-goodbye']);
    expect(b.joins).to.deep.equal([]);

    // One e-mail per lock to the owner, one warning with room and caller, never the PIN digits.
    await waitFor('the owner e-mail', () => a.mail.sent.length === 1);
    expect(a.mail.sent[0]?.to).to.equal(ownerEmail);
    expect(a.mail.sent[0]?.text).to.contain(room);
    // How the owner gets back in: the web page, the API, the CLI, or a PIN change.
    expect(a.mail.sent[0]?.text).to.contain('"Lift the PIN lock"')
      .and.contain(`DELETE /v1/accounts/${ownerId}/room/pin-lock`)
      .and.contain(`tollbridge pins lift ${room}`)
      .and.contain('Changing the locked PIN lifts its lock')
      .and.not.contain('does not lift');
    expect(b.mail.sent).to.deep.equal([]);
    const warnings = a.logLines.filter((l) => l.includes('PIN entry locked for the room'));
    expect(warnings).to.have.length(1);
    const warning = JSON.parse(warnings[0] as string) as { room: string; callerNumber: string; level: number };
    // The caller, as far as a log may tell: the last two digits of the number.
    expect(warning).to.include({ room, callerNumber: '…03', level: 40 });
    for (const line of [...a.logLines, ...b.logLines]) {
      for (const pin of [...guesses, MODERATOR_PIN]) expect(line).to.not.contain(`"${pin}"`);
    }
    const rows = await db.knex('pin_failures').where({ scope: 'room', subject: String((await db.rooms.get(room)).id) });
    expect(rows.map((r: { kind: string; failures: number }) => [r.kind, Number(r.failures)]).sort()).to.deep.equal([['moderator', 10], ['participant', 10]]);
  });

  it('the happy path reads the limits once, before PIN entry; once a room has failures, every check reads them again', async () => {
    const a = new Process(db);
    expect((await a.call('ok-1', '+15550400000', tollFree.slice(1), room, [PARTICIPANT_PIN])).outcome).to.equal('joined');
    expect(a.reads, 'one read before PIN entry, none at the #').to.equal(1);
    // Another process records a failure: this process's next caller read 1 failure before entry, so its check reads again.
    const b = new Process(other);
    expect((await b.call('bad-1', '+15550400001', tollFree.slice(1), room, ['2580', PARTICIPANT_PIN])).outcome).to.equal('joined');
    expect(b.reads, 'before entry, and at the second check after a failure').to.equal(2);
    a.reads = 0;
    expect((await a.call('ok-2', '+15550400002', tollFree.slice(1), room, [PARTICIPANT_PIN])).outcome).to.equal('joined');
    expect(a.reads).to.equal(2);
  });

  it('the right PIN after a lock does not get in, and a success does not lift a lock', async () => {
    const a = new Process(db);
    for (let call = 0; call < 4; call++) await a.call(`w-${call}`, `+1555020${call}`, tollFree.slice(1), room, ['2580', '2581', '2582']);
    const late = await a.call('late', '+15550209999', tollFree.slice(1), room, [MODERATOR_PIN]);
    expect(late.outcome).to.equal('locked-out');
    expect(a.joins).to.deep.equal([]);
  });

  it('after the owner lifts the lock, the right PIN gets in; the next wrong PIN locks the room again and mails the owner again', async () => {
    const a = new Process(db);
    for (let call = 0; call < 4; call++) await a.call(`w-${call}`, `+1555050${call}`, tollFree.slice(1), room, ['2580', '2581', '2582']);
    expect((await a.call('refused', '+15550509998', tollFree.slice(1), room, [MODERATOR_PIN])).outcome).to.equal('locked-out');
    const roomId = (await db.rooms.get(room)).id;
    expect(await db.pinFailures.liftRoomLock(roomId, ['moderator', 'participant'])).to.deep.equal(['moderator', 'participant']);
    expect(await a.call('in', '+15550509999', tollFree.slice(1), room, [MODERATOR_PIN])).to.deep.equal({ outcome: 'joined', used: 1 });
    // A guesser gains one try from the lift, not ten.
    expect((await a.call('again', '+15550508888', tollFree.slice(1), room, ['2590', '2591'])).outcome).to.equal('locked-out');
    expect((await db.pinFailures.state({ roomId, callerNumber: null })).room.moderator.locked).to.equal(true);
    await waitFor('the second lock\'s e-mail', () => a.mail.sent.length === 2);
  });

  it('one calling number is locked across rooms after its own limit; other callers still enter', async () => {
    await other.close();
    other = await openSecondHandle(db, { pinLockPolicy: { roomLockAfter: { moderator: 100, participant: 100 }, callerLockAfter: 4, lockMs: 3_600_000, windowMs: 3_600_000 } });
    const a = new Process(other);
    const caller = '+15550300000';
    const second_ = await db.accounts.create({ name: 'Other', email: `other-${Date.now()}@example.test` });
    await db.rooms.setPins(second_.room.number, { moderator: '902741', participant: '5179' });
    await db.numbers.add('+18005550178', 'toll_free');
    await db.numbers.subscribe('+18005550178', second_.account.id);
    const first = await a.call('c-1', caller, tollFree.slice(1), room, ['2580', '2581', '2582']);
    expect(first.outcome).to.equal('failed-pin');
    const second = await a.call('c-2', caller, '18005550178', second_.room.number, ['2583', '2584', '2585']);
    expect(second).to.deep.equal({ outcome: 'locked-out', used: 1 });
    const third = await a.call('c-3', caller, tollFree.slice(1), room, [PARTICIPANT_PIN]);
    expect(third).to.deep.equal({ outcome: 'locked-out', used: 0 });
    const someoneElse = await a.call('c-4', '+15550300001', tollFree.slice(1), room, [PARTICIPANT_PIN]);
    expect(someoneElse.outcome).to.equal('joined');
    expect(a.joins).to.deep.equal([{ channelId: 'c-4', role: 'participant' }]);
  });
});
