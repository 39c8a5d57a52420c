// The cap on calls answered but not yet in a room: over it, a new call is refused busy before
// answer (no leg, no PIN entry); a caller who gets into the room gives the place back. Two
// bridge processes on one database reach the caps together (their counts shared through it).
import { expect } from 'chai';
import { CallRouter } from '../../flows/call-router.js';
import type { CallOutcome } from '../../flows/call-machine.js';
import { DEFAULT_PIN_GUESSING_LIMITS, type PinGuessingLimits } from '../../domain/limits.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import type { IvrCountsElsewhere } from '../../flows/ports.js';
import { SharedIvrCounts, type IvrCountsStore } from '../../app/calls/shared-ivr-counts.js';
import type { Database } from '../../db/index.js';
import { createTestDatabase, openSecondHandle } from '../support/db-fixture.js';
import { waitFor } from '../support/wait.js';
import { FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

/** A router on one toll-free number whose room is 11331134 (PINs 4826 / 1739); each call's outcome kept. */
function crowdRouter(guessing: PinGuessingLimits, ivrElsewhere?: IvrCountsElsewhere) {
  const channel = new FakeChannel();
  const directory = new FakeDirectory();
  const ledger = new FakeLedger();
  const outcomes = new Map<string, CallOutcome>();
  directory.routes.set('+18005550100', { numberId: 3, e164: '+18005550100', kind: 'toll_free', accountId: 7, subscriptionId: 9 });
  directory.rooms.set('11331134', roomInfo({ number: '11331134' }));
  directory.pins.set(1, { moderator: '4826', participant: '1739' });
  const router = new CallRouter(
    {
      channel, directory, ledger,
      rooms: { join: () => undefined, leave: () => undefined, replace: () => undefined, admitted: () => true },
      clock: { now: () => 1 },
      timing: DEFAULT_IVR_TIMING,
      log: silentLog,
      guessing,
      ...(ivrElsewhere === undefined ? {} : { ivrElsewhere }),
    },
    { onFinished: (id, outcome) => outcomes.set(id, outcome) },
  );
  const start = (id: string, caller: string) => router.callStarted({ channelId: id, dialled: '18005550100', callerNumber: caller });
  return { channel, ledger, outcomes, router, start };
}

describe('cap on calls still in the IVR (fake ARI, fake database)', () => {
  it('per calling number and per dialled number: over the cap refused busy before answer; a caller in the room frees its place', async () => {
    const { channel, ledger, outcomes, router, start } = crowdRouter({ pauseMs: 0, maxPauseMs: 0, maxUnauthenticatedPerNumber: 3, maxUnauthenticatedPerCaller: 2 });
    start('a1', '+1555A');
    start('a2', '+1555A');
    start('a3', '+1555A');
    await flush();
    expect(channel.ops).to.include('reject a3 busy');
    expect(outcomes.get('a3')).to.equal('busy');
    expect(ledger.opened.map((l) => l.channelId)).to.deep.equal(['a1', 'a2']);
    start('b1', '+1555B');
    start('c1', '+1555C');
    await flush();
    expect(channel.ops).to.include('reject c1 busy'); // 3 on the number already
    for (const k of '11331134#1739#') router.digit('a1', k);
    await flush();
    await flush();
    start('c2', '+1555C');
    await flush();
    expect(channel.ops).to.include('answer c2');
    expect(channel.ops.filter((o) => o.startsWith('play c2') || o.startsWith('reject c2'))).to.not.include('reject c2 busy');
  });

  it('a meeting\'s crowd on one number with the default caps: 120 callers at once all answered, none refused busy', async () => {
    const { channel, start } = crowdRouter(DEFAULT_PIN_GUESSING_LIMITS);
    for (let i = 0; i < 120; i++) start(`c${i}`, `+1555${String(i).padStart(7, '0')}`);
    await flush();
    expect(channel.ops.filter((o) => o.endsWith(' busy'))).to.deep.equal([]);
    expect(channel.ops.filter((o) => o.startsWith('answer '))).to.have.length(120);
  });

  it('callers who failed an entry have their own, tighter cap per number: over it new calls are refused busy; a failing caller leaving frees its place', async () => {
    const { channel, router, start } = crowdRouter({ pauseMs: 0, maxPauseMs: 0, maxUnauthenticatedPerNumber: 6, maxUnauthenticatedPerCaller: 0, maxFailingPerNumber: 2 });
    for (const id of ['a', 'b', 'c', 'd']) start(id, `+1555${id}`);
    await flush();
    expect(channel.ops.filter((o) => o.startsWith('answer '))).to.have.length(4);
    // Two of them type a room that does not exist; the same one failing twice counts once.
    for (const id of ['a', 'b']) for (const k of '99999999#') router.digit(id, k);
    await flush();
    await flush();
    start('e', '+1555e');
    await flush();
    expect(channel.ops).to.include('reject e busy');
    // Still in the IVR (only one wrong room each): a second wrong entry of the same caller changes nothing.
    for (const k of '99999999#') router.digit('a', k);
    await flush();
    router.callEnded('b', 2);
    await flush();
    start('f', '+1555f');
    await flush();
    expect(channel.ops).to.include('answer f');
  });
});

describe('IVR caps shared by two bridge processes on one database (fake ARI, real database)', function () {
  this.timeout(20_000);
  /** Quick enough for a test; the real ones are PUBLISH_MS, REFRESH_MS, HEARTBEAT_MS, STALE_MS. */
  const FAST = { publishMs: 10, refreshMs: 20, heartbeatMs: 40, staleMs: 400 };
  let dbA: Database;
  let dbB: Database | undefined;
  const shared: SharedIvrCounts[] = [];

  /** Two processes, each a router with its own database handle and systemname. */
  async function twoProcesses(guessing: PinGuessingLimits) {
    dbA = await createTestDatabase();
    dbB = await openSecondHandle(dbA);
    const countsA = await SharedIvrCounts.start(cutOff(dbA.ivrCounts), 'pop-a', silentLog, FAST);
    const countsB = await SharedIvrCounts.start(dbB.ivrCounts, 'pop-b', silentLog, FAST);
    shared.push(countsA, countsB);
    return { a: { ...crowdRouter(guessing, countsA), counts: countsA }, b: { ...crowdRouter(guessing, countsB), counts: countsB } };
  }
  /** Until `counts` sees `calls` of the others' on the number. */
  const seen = (counts: SharedIvrCounts, calls: number, what: (c: SharedIvrCounts) => number = (c) => c.onNumber('+18005550100')) =>
    waitFor(`${calls} calls of the other process seen by ${counts.systemName}`, () => what(counts) === calls, { timeoutMs: 5_000, intervalMs: 5 });
  /** Process A's way to the database; `aGone` cuts it (A is killed: its rows are not stamped any more). */
  let aGone = false;
  const cutOff = (repo: IvrCountsStore): IvrCountsStore => {
    const reach = <T>(work: () => Promise<T>) => (aGone ? Promise.reject(new Error('process A is gone')) : work());
    return {
      subjectOf: (scope, subject) => repo.subjectOf(scope, subject),
      publish: (...args) => reach(() => repo.publish(...args)),
      withdraw: (...args) => reach(() => repo.withdraw(...args)),
      others: (...args) => reach(() => repo.others(...args)),
      prune: (...args) => reach(() => repo.prune(...args)),
    };
  };
  /** Two calls at A, seen by B; then one call at B. */
  async function twoAtAThenOneAtB(capPerNumber: number) {
    const both = await twoProcesses({ pauseMs: 0, maxPauseMs: 0, maxUnauthenticatedPerNumber: capPerNumber, maxUnauthenticatedPerCaller: 0 });
    both.a.start('a1', '+1555A1');
    both.a.start('a2', '+1555A2');
    await flush();
    await seen(both.b.counts, 2);
    both.b.start('b1', '+1555B1');
    await flush();
    return both;
  }
  const answered = (channel: FakeChannel) => channel.ops.filter((o) => o.startsWith('answer ')).length;
  const busy = (channel: FakeChannel) => channel.ops.filter((o) => o.endsWith(' busy')).length;

  afterEach(async () => {
    aGone = false;
    for (const counts of shared.splice(0)) await counts.stop();
    await dbB?.close();
    dbB = undefined;
    await dbA?.close();
  });

  it('per dialled number: 2 callers at one process and 1 at the other fill a cap of 3 together; the next call at either is refused busy; a caller in the room frees a place at both', async () => {
    const { a, b } = await twoAtAThenOneAtB(3);
    expect(answered(b.channel)).to.equal(1);
    b.start('b2', '+1555B2');
    await flush();
    expect(b.channel.ops).to.include('reject b2 busy');
    await seen(a.counts, 1);
    a.start('a3', '+1555A3');
    await flush();
    expect(a.channel.ops).to.include('reject a3 busy');
    // a1 enters the room: its place is free again, for the other process too.
    for (const k of '11331134#1739#') a.router.digit('a1', k);
    await flush();
    await flush();
    await seen(b.counts, 1);
    b.start('b3', '+1555B3');
    await flush();
    expect(b.channel.ops).to.include('answer b3');
  });

  it('per calling number and for callers who failed an entry: the other process\'s calls count', async () => {
    const { a, b } = await twoProcesses({ pauseMs: 0, maxPauseMs: 0, maxUnauthenticatedPerNumber: 0, maxUnauthenticatedPerCaller: 2, maxFailingPerNumber: 2 });
    a.start('a1', '+1555X');
    await flush();
    await seen(b.counts, 1, (c) => c.fromCaller('+1555X'));
    b.start('b1', '+1555X');
    b.start('b2', '+1555X');
    await flush();
    expect(b.channel.ops).to.include('answer b1');
    expect(b.channel.ops).to.include('reject b2 busy');
    // Failed entries: two callers at A who failed fill the cap of 2 on the number for B too.
    a.start('a2', '+1555Y');
    await flush();
    for (const id of ['a1', 'a2']) for (const k of '99999999#') a.router.digit(id, k);
    await flush();
    await flush();
    await seen(b.counts, 2, (c) => c.failingOn('+18005550100'));
    b.start('b3', '+1555Z');
    await flush();
    expect(b.channel.ops).to.include('reject b3 busy');
  });

  it('a process that dies stops counting once its rows are stale; one that stops cleanly withdraws them at once', async () => {
    const { b } = await twoAtAThenOneAtB(2);
    expect(busy(b.channel)).to.equal(1);
    // Process A is killed: its rows are no longer stamped (nor withdrawn).
    aGone = true;
    await seen(b.counts, 0);
    b.start('b2', '+1555B2');
    await flush();
    expect(b.channel.ops).to.include('answer b2');
    // B stops cleanly: its row goes with it, not after it goes stale.
    const rowsOfB = () => dbB?.knex('ivr_counts').where({ system_name: 'pop-b' }).select();
    await waitFor('pop-b published', async () => ((await rowsOfB())?.length ?? 0) > 0, { timeoutMs: 5_000, intervalMs: 5 });
    await b.counts.stop();
    expect(await rowsOfB()).to.deep.equal([]);
  });
});
