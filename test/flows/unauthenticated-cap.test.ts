// The cap on calls answered but not yet in a room: over it, a new call is refused busy before
// answer (no leg, no PIN entry); a caller who gets into the room gives the place back.
import { expect } from 'chai';
import { CallRouter } from '../../flows/call-router.js';
import type { CallOutcome } from '../../flows/call-machine.js';
import { DEFAULT_PIN_GUESSING_LIMITS, type PinGuessingLimits } from '../../domain/limits.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

describe('cap on calls still in the IVR (fake ARI, fake database)', () => {
  /** A router on one toll-free number whose room is 11331134 (PINs 4826 / 1739); each call's outcome kept. */
  function crowdRouter(guessing: PinGuessingLimits) {
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
      },
      { onFinished: (id, outcome) => outcomes.set(id, outcome) },
    );
    const start = (id: string, caller: string) => router.callStarted({ channelId: id, dialled: '18005550100', callerNumber: caller });
    return { channel, ledger, outcomes, router, start };
  }

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
