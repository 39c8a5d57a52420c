// The one code step (flows/call/code-step.ts) used for the room number and the PIN: collect,
// check, retry. Run inside a small host machine (the step tells its parent of each attempt),
// with a fake channel and a fake check port.
import { expect } from 'chai';
import { createActor, fromCallback, fromPromise, SimulatedClock, type Actor, type AnyActorRef, type EventObject } from 'xstate';
import { pinCodeStep, roomCodeStep } from '../../flows/call/call-setup.js';
import { PIN_PROMPTS, ROOM_PROMPTS, type CheckVerdict, type CodeCheck } from '../../flows/call/code-step.js';
import type { CodeNews } from '../../flows/call/types.js';
import { createCollectMachine } from '../../flows/collect-machine.js';
import type { RoomInfo } from '../../flows/ports.js';
import type { Role } from '../../domain/roles.js';
import { DEFAULT_IVR_TIMING, PIN_MAX_DIGITS, ROOM_MAX_DIGITS } from '../../ivr/timing.js';
import { FakeChannel, flush, roomInfo } from '../support/fakes.js';

const CH = 'ch-1';
const ROOM = roomInfo({ number: '11331134' });

const isCodeNews = (event: EventObject | CodeNews): event is CodeNews => event.type === 'CODE.ENTERED' || event.type === 'CODE.FAILED';

type StepActor = Actor<typeof roomCodeStep> | Actor<typeof pinCodeStep>;
type RunOptions = { parent: AnyActorRef; clock: SimulatedClock };

interface Fakes {
  channel: FakeChannel;
  checked: string[];
  failures: unknown[];
}

const roomInput = (typed = '') => ({ channelId: CH, code: 'room' as const, subject: { accountId: 7 }, prompts: ROOM_PROMPTS, maxDigits: ROOM_MAX_DIGITS, timing: DEFAULT_IVR_TIMING, typed, known: null });
const pinInput = (callerNumber: string | null) => ({ channelId: CH, code: 'pin' as const, subject: { room: ROOM, callerNumber }, prompts: PIN_PROMPTS, maxDigits: PIN_MAX_DIGITS, timing: DEFAULT_IVR_TIMING, typed: '', known: null });

/** The room step with a fake channel and check. */
const roomStep = (check: (request: CodeCheck<{ accountId: number }>) => Promise<CheckVerdict<RoomInfo>>, typed = '') => (f: Fakes, options: RunOptions) =>
  createActor(roomCodeStep.provide({
    actors: {
      collect: createCollectMachine(f.channel),
      check: fromPromise(({ input }: { input: CodeCheck<{ accountId: number }> }) => {
        f.checked.push(input.code);
        return check(input);
      }),
    },
    actions: { checkFailed: (_, p: { error: unknown }) => f.failures.push(p.error) },
  }), { input: roomInput(typed), ...options });

/** The PIN step with a fake channel and check. */
const pinStep = (check: (request: CodeCheck<{ room: RoomInfo; callerNumber: string | null }>) => Promise<CheckVerdict<Role>>, callerNumber: string | null = null) => (f: Fakes, options: RunOptions) =>
  createActor(pinCodeStep.provide({
    actors: {
      collect: createCollectMachine(f.channel),
      check: fromPromise(({ input }: { input: CodeCheck<{ room: RoomInfo; callerNumber: string | null }> }) => {
        f.checked.push(input.code);
        return check(input);
      }),
    },
    actions: { checkFailed: (_, p: { error: unknown }) => f.failures.push(p.error) },
  }), { input: pinInput(callerNumber), ...options });

/** Runs one code step under a parent that records what the step tells it (CODE.ENTERED, CODE.FAILED). */
function host(step: (f: Fakes, options: RunOptions) => StepActor) {
  const fakes: Fakes = { channel: new FakeChannel(), checked: [], failures: [] };
  const news: CodeNews[] = [];
  const timers = new SimulatedClock();
  // The step joins its parent's system, whose clock its timers follow.
  const parent = createActor(fromCallback<EventObject>(({ receive }) => receive((event) => isCodeNews(event) && news.push(event))), { clock: timers });
  parent.start();
  const actor = step(fakes, { parent, clock: timers });
  actor.start();
  return {
    ...fakes,
    news,
    result: () => actor.getSnapshot().output,
    press: async (keys: string) => {
      for (const digit of keys) actor.send({ type: 'DTMF', digit });
      await flush();
    },
    hear: async () => {
      fakes.channel.finishPrompts();
      await flush();
    },
    advance: async (ms: number) => {
      timers.increment(ms);
      await flush();
    },
  };
}

const roomCheck = async (request: CodeCheck<{ accountId: number }>): Promise<CheckVerdict<RoomInfo>> =>
  request.code === ROOM.number ? { verdict: 'accepted', value: ROOM } : { verdict: 'invalid', known: null, pauseMs: 0 };

describe('code step (the room number and the PIN, fake channel and check)', () => {
  it('a room number typed ahead skips the prompt; the keys after it are kept for the PIN', async () => {
    const t = host(roomStep(roomCheck, `${ROOM.number}#12`));
    await flush();
    expect(t.channel.plays(CH)).to.deep.equal([]);
    expect(t.checked).to.deep.equal([ROOM.number]);
    expect(t.result()).to.deep.equal({ result: 'accepted', value: ROOM, typed: '12', known: null });
    expect(t.news).to.deep.equal([{ type: 'CODE.ENTERED', code: 'room' }]);
  });

  it('a mistyped room: "not valid" heard whole, then asked again; keys typed after the wrong one are dropped', async () => {
    const t = host(roomStep(roomCheck));
    await flush();
    expect(t.channel.plays(CH)).to.deep.equal(['sound:hello,sound:conf-getconfno']);
    await t.press('99#4321');
    expect(t.news).to.deep.include({ type: 'CODE.FAILED', code: 'room', failure: 'invalid' });
    expect(t.channel.plays(CH).slice(1)).to.deep.equal(['sound:conf-invalid']);
    await t.hear();
    expect(t.channel.plays(CH).slice(2)).to.deep.equal(['sound:conf-getconfno']);
    await t.press(`${ROOM.number}#`);
    expect(t.checked).to.deep.equal(['99', ROOM.number]);
    expect(t.result()).to.deep.equal({ result: 'accepted', value: ROOM, typed: '', known: null });
  });

  it('nothing typed three times: three no-input failures, then the step gives up saying so', async () => {
    const t = host(roomStep(roomCheck));
    for (let attempt = 0; attempt < 3; attempt++) {
      await t.hear(); // the notice after a failure
      await t.hear(); // the prompt
      await t.advance(DEFAULT_IVR_TIMING.firstDigitMs);
    }
    expect(t.news).to.deep.equal([1, 2, 3].map(() => ({ type: 'CODE.FAILED', code: 'room', failure: 'no-input' })));
    expect(t.checked).to.deep.equal([]);
    expect(t.result()).to.deep.equal({ result: 'failed', lastFailure: 'no-input' });
  });

  it('a counted wrong PIN: the next prompt waits for the pause; keys pressed meanwhile are dropped', async () => {
    const verdicts: Array<CheckVerdict<Role>> = [{ verdict: 'invalid', known: null, pauseMs: 2_000 }, { verdict: 'accepted', value: 'moderator' }];
    const t = host(pinStep(async () => verdicts.shift() ?? { verdict: 'locked', known: null }));
    await t.press('1234#');
    expect(t.news).to.deep.equal([{ type: 'CODE.ENTERED', code: 'pin' }, { type: 'CODE.FAILED', code: 'pin', failure: 'invalid' }]);
    await t.press('555');
    await t.advance(1_999);
    expect(t.channel.plays(CH)).to.deep.equal(['sound:conf-getpin']);
    await t.advance(1);
    expect(t.channel.plays(CH)).to.deep.equal(['sound:conf-getpin', 'sound:conf-invalidpin']);
    await t.hear();
    await t.press('4321#');
    expect(t.checked).to.deep.equal(['1234', '4321']);
    expect(t.result()).to.deep.include({ result: 'accepted', value: 'moderator' });
  });

  it('a PIN check that says locked ends the step at once: no attempt counted', async () => {
    const t = host(pinStep(async () => ({ verdict: 'locked', known: null }), '+15551230000'));
    await t.press('1234#');
    expect(t.result()).to.deep.equal({ result: 'locked' });
    expect(t.news).to.deep.equal([{ type: 'CODE.ENTERED', code: 'pin' }]);
  });

  it('a check that fails (database down) is reported, counts as a wrong code, and keeps the keys typed meanwhile', async () => {
    let calls = 0;
    const check = async (request: CodeCheck<{ accountId: number }>): Promise<CheckVerdict<RoomInfo>> => {
      calls++;
      if (calls === 1) throw new Error('SQLITE_BUSY');
      return roomCheck(request);
    };
    const t = host(roomStep(check));
    await t.press(`${ROOM.number}#`);
    expect(t.failures).to.have.length(1);
    expect(t.news).to.deep.include({ type: 'CODE.FAILED', code: 'room', failure: 'invalid' });
    await t.hear();
    await t.press(`${ROOM.number}#`);
    expect(t.result()).to.deep.include({ result: 'accepted', value: ROOM });
  });
});
