import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { CallRouter } from '../../flows/call-router.js';
import type { CallOutcome } from '../../flows/call-machine.js';
import type { RoomInfo } from '../../flows/ports.js';
import type { Role } from '../../domain/roles.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

const TOLL_FREE = '+18005550100';
const ROOM = '11331134';
const CH = 'ch-1';

function setup() {
  const channel = new FakeChannel();
  const directory = new FakeDirectory();
  const ledger = new FakeLedger();
  const joins: Array<{ room: string; channelId: string; role: Role }> = [];
  const leaves: Array<{ room: string; channelId: string }> = [];
  const replaces: Array<{ room: string; channelId: string }> = [];
  const timers = new SimulatedClock();
  /** Whether the room lets callers in (false: locked, full or ending). */
  let roomAdmits = true;
  let now = 1_000_000;
  const outcomes = new Map<string, CallOutcome>();
  directory.routes.set(TOLL_FREE, { numberId: 3, e164: TOLL_FREE, kind: 'toll_free', accountId: 7, subscriptionId: 9 });
  directory.rooms.set(ROOM, roomInfo({ number: ROOM }));
  directory.pins.set(1, { moderator: '4321', participant: '1111' });
  const router = new CallRouter(
    {
      channel,
      directory,
      ledger,
      rooms: {
        join: (room: RoomInfo, channelId: string, role: Role) => joins.push({ room: room.number, channelId, role }),
        leave: (room: string, channelId: string) => leaves.push({ room, channelId }),
        replace: (room: string, channelId: string) => replaces.push({ room, channelId }),
        admitted: () => roomAdmits,
      },
      clock: { now: () => now },
      timing: DEFAULT_IVR_TIMING,
      log: silentLog,
    },
    { timers, onFinished: (id, outcome) => outcomes.set(id, outcome) },
  );
  const press = async (keys: string) => {
    for (const k of keys) router.digit(CH, k);
    await flush();
  };
  /** The caller hears the prompts playing to their end (a notice, then the entry's prompt starts). */
  const hear = async () => {
    channel.finishPrompts();
    await flush();
  };
  const advance = async (ms: number) => {
    now += ms;
    timers.increment(ms);
    await flush();
  };
  return {
    channel, directory, ledger, joins, leaves, replaces, router, press, hear, advance, outcomes,
    setNow: (t: number) => (now = t), now: () => now, refuseCallers: () => (roomAdmits = false),
  };
}

async function dialIn(t: ReturnType<typeof setup>, dialled = '18005550100') {
  t.router.callStarted({ channelId: CH, dialled, callerNumber: '+15551230000' });
  await flush();
}

describe('call machine (fake ARI, fake database)', () => {
  it('rejects an unknown number before answering, with no ledger leg', async () => {
    const t = setup();
    await dialIn(t, '18009999999');
    expect(t.channel.ops).to.deep.equal([`reject ${CH} unallocated`]);
    expect(t.ledger.opened).to.have.length(0);
    expect(t.outcomes.get(CH)).to.equal('rejected');
  });

  it('the number lookup fails (database down): refused with 503 before answer, no leg', async () => {
    const t = setup();
    t.directory.routeFor = async () => {
      throw new Error('SQLITE_BUSY: database is locked');
    };
    await dialIn(t);
    expect(t.channel.ops).to.deep.equal([`reject ${CH} unavailable`]);
    expect(t.ledger.opened).to.have.length(0);
    expect(t.outcomes.get(CH)).to.equal('rejected');
  });

  it('the leg starts at the answer time Asterisk reports, not the app clock', async () => {
    const t = setup();
    t.channel.answerTime = () => 999_400;
    await dialIn(t);
    expect(t.ledger.opened[0]).to.include({ channelId: CH, answeredAt: 999_400 });
  });

  it('answers a subscribed number, opens the leg at answer time and greets the caller', async () => {
    const t = setup();
    await dialIn(t);
    expect(t.channel.ops[0]).to.equal(`answer ${CH}`);
    expect(t.ledger.opened).to.have.length(1);
    expect(t.ledger.opened[0]).to.include({ channelId: CH, accountId: 7, subscriptionId: 9, numberId: 3, dialled: TOLL_FREE, answeredAt: 1_000_000 });
    expect(t.channel.plays(CH)).to.deep.equal(['sound:hello,sound:conf-getconfno']);
  });

  it('moderator PIN: joins the room as moderator and the leg learns room and role', async () => {
    const t = setup();
    await dialIn(t);
    await t.press(`${ROOM}#`);
    expect(t.channel.ops).to.include(`stop ${CH}`); // barge-in stopped the prompt
    await t.press('4321#');
    expect(t.joins).to.deep.equal([{ room: ROOM, channelId: CH, role: 'moderator' }]);
    expect(t.ledger.assigned).to.deep.equal([{ channelId: CH, roomId: 1, role: 'moderator' }]);
  });

  it('a caller the room refuses (locked, full, ending) keeps a leg without room or role', async () => {
    const t = setup();
    t.refuseCallers();
    await dialIn(t);
    await t.press(`${ROOM}#`);
    await t.press('1111#');
    expect(t.joins).to.deep.equal([{ room: ROOM, channelId: CH, role: 'participant' }]);
    expect(t.ledger.assigned).to.deep.equal([]);
  });

  it("the room's language is asked for once per call, not again after a wrong PIN", async () => {
    const t = setup();
    await dialIn(t);
    await t.press(`${ROOM}#`);
    await t.press('9999#');
    await t.hear();
    await t.advance(10_000);
    await t.hear();
    await t.press('1111#');
    expect(t.joins).to.deep.equal([{ room: ROOM, channelId: CH, role: 'participant' }]);
    expect(t.channel.ops.filter((op) => op.startsWith('speak '))).to.deep.equal([`speak ${CH} en`]);
  });

  it('keeps digits typed ahead of the PIN prompt (barge-in across prompts)', async () => {
    const t = setup();
    await dialIn(t);
    await t.press(`${ROOM}#1111#`);
    expect(t.joins).to.deep.equal([{ room: ROOM, channelId: CH, role: 'participant' }]);
    // The PIN prompt was never needed.
    expect(t.channel.plays(CH).some((p) => p.includes('conf-getpin'))).to.equal(false);
  });

  it('a wrong room three times: conf-invalid, then goodbye and we hang up', async () => {
    const t = setup();
    await dialIn(t);
    await t.press('12345678#');
    await t.hear();
    await t.press('11331133#');
    await t.hear();
    await t.press('87654321#');
    const plays = t.channel.plays(CH);
    expect(plays.slice(1)).to.deep.equal(['sound:conf-invalid', 'sound:conf-getconfno', 'sound:conf-invalid', 'sound:conf-getconfno', 'sound:conf-invalid,sound:vm-goodbye']);
    t.channel.finishPrompts();
    await flush();
    expect(t.channel.ops.at(-1)).to.equal(`hangup ${CH} goodbye`);
    expect(t.joins).to.have.length(0);
  });

  it('a goodbye prompt whose end never comes (PlaybackFinished lost in a reconnect): hung up after the prompt guard', async () => {
    const t = setup();
    await dialIn(t);
    for (const room of ['12345678#', '11331133#', '87654321#']) {
      await t.press(room);
      if (room !== '87654321#') await t.hear();
    }
    expect(t.channel.plays(CH).at(-1)).to.equal('sound:conf-invalid,sound:vm-goodbye');
    await t.advance(DEFAULT_IVR_TIMING.promptGuardMs - 10);
    expect(t.channel.ops.filter((o) => o.startsWith(`hangup ${CH}`))).to.deep.equal([]);
    await t.advance(10);
    expect(t.channel.ops.at(-1)).to.equal(`hangup ${CH}`);
    t.router.callEnded(CH, t.now());
    await flush();
    expect(t.ledger.closed).to.deep.equal([{ channelId: CH, endedAt: t.now(), reason: 'goodbye' }]);
  });

  it('a room of another account than the number holder is as invalid as an unknown one', async () => {
    const t = setup();
    t.directory.rooms.set('22222226', roomInfo({ id: 2, number: '22222226', accountId: 99 }));
    await dialIn(t);
    await t.press('22222226#');
    expect(t.channel.plays(CH).at(-1)).to.equal('sound:conf-invalid');
  });

  it('silence: says nothing was heard ("please try again") before asking again, then goodbye', async () => {
    const t = setup();
    await dialIn(t);
    for (let i = 0; i < 3; i++) {
      await t.hear(); // the notice, if any
      await t.hear(); // the entry's prompt
      await t.advance(DEFAULT_IVR_TIMING.firstDigitMs);
    }
    expect(t.channel.plays(CH)).to.deep.equal([
      'sound:hello,sound:conf-getconfno',
      'sound:please-try-again',
      'sound:conf-getconfno',
      'sound:please-try-again',
      'sound:conf-getconfno',
      'sound:vm-goodbye',
    ]);
  });

  it('a mistyped room flushes the keys typed after it: the PIN is not spent as the next room attempt', async () => {
    const t = setup();
    await dialIn(t);
    await t.press('12345678#4826#'); // typo in the room, PIN typed straight after (while the room is checked)
    expect(t.channel.plays(CH).at(-1)).to.equal('sound:conf-invalid');
    await t.press('4826#'); // or while the caller is told the room is not valid
    await t.hear();
    expect(t.channel.plays(CH).at(-1)).to.equal('sound:conf-getconfno');
    await t.press(`${ROOM}#`);
    expect(t.channel.plays(CH).at(-1)).to.equal('sound:conf-getpin'); // the second room attempt was the one typed after the prompt
    await t.press('4321#');
    expect(t.joins).to.deep.equal([{ room: ROOM, channelId: CH, role: 'moderator' }]);
  });

  it('a malformed entry flushes the keys typed after it too', async () => {
    const t = setup();
    await dialIn(t);
    await t.press('1133#1134#1111#'); // too short a room number, then more
    expect(t.channel.plays(CH).at(-1)).to.equal('sound:conf-invalid');
    expect(t.joins).to.have.length(0);
  });

  it("'*' starts the entry again without costing an attempt, and the entry's prompt is heard again", async () => {
    const t = setup();
    await dialIn(t);
    await t.press('1133*'); // changed their mind
    expect(t.channel.plays(CH).at(-1)).to.equal('sound:conf-getconfno');
    await t.press(`${ROOM}#`);
    await t.press('43*'); // and in the PIN
    expect(t.channel.plays(CH).at(-1)).to.equal('sound:conf-getpin');
    await t.press('4321#');
    expect(t.joins).to.deep.equal([{ room: ROOM, channelId: CH, role: 'moderator' }]);
    expect(t.channel.plays(CH).some((p) => p.includes('conf-invalid'))).to.equal(false);
  });

  it("'*' typed ahead counts too: only what follows it is the entry", async () => {
    const t = setup();
    await dialIn(t);
    await t.press(`99*${ROOM}#12*4321#`);
    expect(t.joins).to.deep.equal([{ room: ROOM, channelId: CH, role: 'moderator' }]);
  });

  it('takes digits left without # when the inter-digit timeout passes', async () => {
    const t = setup();
    await dialIn(t);
    await t.press(ROOM);
    await t.advance(DEFAULT_IVR_TIMING.interDigitMs);
    expect(t.channel.plays(CH).at(-1)).to.equal('sound:conf-getpin');
  });

  it('a wrong PIN three times: conf-invalidpin, then goodbye', async () => {
    const t = setup();
    await dialIn(t);
    await t.press(`${ROOM}#`);
    await t.press('0000#');
    await t.hear();
    await t.press('9999#');
    await t.hear();
    await t.press('5555#');
    expect(t.channel.plays(CH).slice(-5)).to.deep.equal([
      'sound:conf-invalidpin',
      'sound:conf-getpin',
      'sound:conf-invalidpin',
      'sound:conf-getpin',
      'sound:conf-invalidpin,sound:vm-goodbye',
    ]);
    expect(t.joins).to.have.length(0);
  });

  it('a room whose PINs are not set cannot be entered', async () => {
    const t = setup();
    t.directory.rooms.set(ROOM, roomInfo({ number: ROOM, pinsSet: false }));
    await dialIn(t);
    await t.press(`${ROOM}#4321#`);
    expect(t.joins).to.have.length(0);
    expect(t.channel.plays(CH).at(-1)).to.equal('sound:conf-invalidpin');
  });

  it('a PIN changed while the caller is in the IVR: the new PIN is the one that works', async () => {
    const t = setup();
    await dialIn(t);
    await t.press(`${ROOM}#`);
    t.directory.pins.set(1, { moderator: '8888', participant: '1111' });
    await t.press('4321#');
    expect(t.joins).to.have.length(0);
    await t.hear();
    await t.press('8888#');
    expect(t.joins).to.deep.equal([{ room: ROOM, channelId: CH, role: 'moderator' }]);
  });

  it('hang-up during PIN entry closes the leg at the hang-up time, with no room join', async () => {
    const t = setup();
    await dialIn(t);
    await t.press(`${ROOM}#12`);
    t.router.callEnded(CH, 1_042_500);
    await flush();
    expect(t.ledger.closed).to.deep.equal([{ channelId: CH, endedAt: 1_042_500, reason: 'hangup' }]);
    expect(t.ledger.assigned).to.have.length(0);
    expect(t.leaves).to.have.length(0);
    expect(t.router.activeCalls).to.equal(0);
  });

  it('hang-up in the conference leaves the room and closes the leg once', async () => {
    const t = setup();
    await dialIn(t);
    await t.press(`${ROOM}#1111#`);
    t.router.callEnded(CH, 1_090_000);
    t.router.callEnded(CH, 1_090_001);
    await flush();
    expect(t.leaves).to.deep.equal([{ room: ROOM, channelId: CH }]);
    expect(t.ledger.closed).to.deep.equal([{ channelId: CH, endedAt: 1_090_000, reason: 'hangup' }]);
  });

  it('hang-up while the call is being answered: the leg is opened, then closed', async () => {
    const t = setup();
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const answer = t.channel.answer.bind(t.channel);
    t.channel.answer = async (id: string) => {
      await gate;
      return answer(id);
    };
    t.router.callStarted({ channelId: CH, dialled: '18005550100', callerNumber: null });
    await flush();
    t.router.callEnded(CH, 1_000_500);
    release();
    await flush();
    expect(t.ledger.opened).to.have.length(1);
    expect(t.ledger.closed).to.deep.equal([{ channelId: CH, endedAt: 1_000_500, reason: 'hangup' }]);
  });

  it('hang-up before the number is looked up: nothing answered, nothing metered', async () => {
    const t = setup();
    t.router.callStarted({ channelId: CH, dialled: '18005550100', callerNumber: null });
    t.router.callEnded(CH, 1_000_001);
    await flush();
    expect(t.ledger.opened).to.have.length(0);
    expect(t.router.activeCalls).to.equal(0);
  });
});
