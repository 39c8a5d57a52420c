// The one farewell (flows/call/farewell.ts): the goodbye for each way the bridge ends a call, the
// hang-up for its reason, and the outcome and leg end reason read once from how the call ended.
import { expect } from 'chai';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { endReasonOf, farewellMachine, goodbyeFor, outcomeOf, STOP_END_GUARD_MS, STOP_PROMPT_GUARD_MS, type GoodbyeRequest, type HangUpAnyway } from '../../flows/call/farewell.js';
import type { CallEnd } from '../../flows/call/types.js';
import { flush } from '../support/fakes.js';

const CH = 'ch-1';
const PROMPT_GUARD_MS = 30_000;

/** The farewell for `end` with a fake goodbye port: `settle` ends the prompt (or fails it). */
function farewell(end: CallEnd) {
  const asked: GoodbyeRequest[] = [];
  const anyway: HangUpAnyway[] = [];
  let settle: (ok: boolean) => void = () => undefined;
  const timers = new SimulatedClock();
  const machine = farewellMachine.provide({
    actors: {
      goodbye: fromPromise(({ input }: { input: GoodbyeRequest }) => {
        asked.push(input);
        return new Promise<void>((resolve, reject) => (settle = (ok) => (ok ? resolve() : reject(new Error('playback refused')))));
      }),
    },
    actions: { hangUpAnyway: (_, p: HangUpAnyway) => anyway.push(p) },
  });
  const actor = createActor(machine, { input: { channelId: CH, ...goodbyeFor(end), promptGuardMs: PROMPT_GUARD_MS }, clock: timers });
  actor.start();
  return {
    asked, anyway, done: () => actor.getSnapshot().status === 'done',
    settle: async (ok: boolean) => {
      settle(ok);
      await flush();
    },
    advance: async (ms: number) => {
      timers.increment(ms);
      await flush();
    },
  };
}

describe('farewell (one goodbye for every way the bridge ends a call)', () => {
  const cases: Array<{ end: CallEnd; sounds: string[]; reason: string }> = [
    { end: { cause: 'failed', code: 'room', lastFailure: 'invalid' }, sounds: ['conf-invalid', 'vm-goodbye'], reason: 'goodbye' },
    { end: { cause: 'failed', code: 'pin', lastFailure: 'invalid' }, sounds: ['conf-invalidpin', 'vm-goodbye'], reason: 'goodbye' },
    { end: { cause: 'failed', code: 'pin', lastFailure: 'no-input' }, sounds: ['vm-goodbye'], reason: 'goodbye' },
    { end: { cause: 'failed', code: null, lastFailure: null }, sounds: ['vm-goodbye'], reason: 'goodbye' },
    { end: { cause: 'locked' }, sounds: ['conf-locked', 'vm-goodbye'], reason: 'refused' },
    { end: { cause: 'kept-out' }, sounds: ['vm-goodbye'], reason: 'refused' },
    { end: { cause: 'limit', reason: 'bridge-failed' }, sounds: ['sorry-youre-having-problems', 'vm-goodbye'], reason: 'bridge-failed' },
    { end: { cause: 'limit', reason: 'moderator-wait-limit' }, sounds: ['im-sorry', 'vm-goodbye'], reason: 'moderator-wait-limit' },
    { end: { cause: 'limit', reason: 'max-duration' }, sounds: ['im-sorry', 'vm-goodbye'], reason: 'max-duration' },
    { end: { cause: 'shutdown' }, sounds: ['vm-goodbye'], reason: 'shutdown' },
  ];
  for (const { end, sounds, reason } of cases) {
    it(`${JSON.stringify(end)}: the caller hears ${sounds.join(', ')} and is hung up for ${reason}`, async () => {
      const t = farewell(end);
      await flush();
      expect(t.asked).to.deep.equal([{ channelId: CH, sounds, reason }]);
      expect(endReasonOf({ end, broken: false, dismissed: 'left', hungUp: 'hangup' }), 'our reason wins over the room and the hang-up').to.equal(reason);
    });
  }

  it('a goodbye whose end never comes is hung up after the prompt guard, plainly; the HANGUP then ends the call', async () => {
    const t = farewell({ cause: 'limit', reason: 'max-duration' });
    await t.advance(PROMPT_GUARD_MS - 1);
    expect(t.anyway).to.deep.equal([]);
    await t.advance(1);
    expect(t.anyway).to.deep.equal([{ channelId: CH, why: 'unheard' }]);
    await t.advance(STOP_END_GUARD_MS);
    expect(t.done(), 'only a stop closes the leg by itself').to.equal(false);
  });

  it('a goodbye that fails is hung up anyway, with its reason', async () => {
    const t = farewell({ cause: 'locked' });
    await t.settle(false);
    expect(t.anyway).to.deep.equal([{ channelId: CH, why: 'failed', reason: 'refused' }]);
  });

  it("a stop's goodbye does not wait past its own guard, and closes the leg itself when Asterisk's end does not come", async () => {
    const t = farewell({ cause: 'shutdown' });
    await t.advance(STOP_PROMPT_GUARD_MS);
    expect(t.anyway).to.deep.equal([{ channelId: CH, why: 'unheard' }]);
    expect(t.done()).to.equal(false);
    await t.advance(STOP_END_GUARD_MS);
    expect(t.done()).to.equal(true);
  });

  it("a stop's goodbye heard to its end: the leg closes after the end guard, no second hang-up", async () => {
    const t = farewell({ cause: 'shutdown' });
    await t.settle(true);
    await t.advance(STOP_END_GUARD_MS);
    expect(t.anyway).to.deep.equal([]);
    expect(t.done()).to.equal(true);
  });

  it('the outcome is read once from how the call ended', () => {
    const none: Parameters<typeof outcomeOf>[0] = { unanswered: null, broken: false, end: null, role: null, failed: null };
    expect(outcomeOf({ ...none, unanswered: 'busy' })).to.equal('busy');
    expect(outcomeOf({ ...none, broken: true })).to.equal('error');
    expect(outcomeOf({ ...none, end: { cause: 'locked' }, failed: { code: 'pin', failure: 'invalid' } })).to.equal('locked-out');
    expect(outcomeOf({ ...none, end: { cause: 'kept-out' } })).to.equal('refused');
    expect(outcomeOf({ ...none, role: 'participant', end: { cause: 'limit', reason: 'max-duration' } })).to.equal('joined');
    expect(outcomeOf({ ...none, failed: { code: 'room', failure: 'no-input' } })).to.equal('failed-room');
    expect(outcomeOf({ ...none, failed: { code: 'pin', failure: 'invalid' }, end: { cause: 'failed', code: 'pin', lastFailure: 'invalid' } })).to.equal('failed-pin');
    expect(outcomeOf(none)).to.equal('abandoned');
  });

  it("the leg's end reason when we did not end it: the room's dismissal, else the hang-up's, else hangup", () => {
    expect(endReasonOf({ end: null, broken: false, dismissed: 'removed', hungUp: 'hangup' })).to.equal('removed');
    expect(endReasonOf({ end: null, broken: false, dismissed: null, hungUp: 'rtp-timeout' })).to.equal('rtp-timeout');
    expect(endReasonOf({ end: null, broken: false, dismissed: null, hungUp: null })).to.equal('hangup');
    expect(endReasonOf({ end: { cause: 'shutdown' }, broken: true, dismissed: null, hungUp: null })).to.equal('error');
  });
});
