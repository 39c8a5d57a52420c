// The limits and the checked placement, with fake ports and xstate's SimulatedClock: where a
// caller is comes only from BRIDGE_ENTERED/BRIDGE_LEFT (Asterisk's reports), time only from
// the clock, and every leg closes with its reason.
import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { CallRouter } from '../../flows/call-router.js';
import { RoomRegistry } from '../../flows/room-registry.js';
import { type RoomInfo } from '../../flows/ports.js';
import { DEFAULT_CALL_LIMITS, type CallLimits } from '../../domain/limits.js';
import type { Role } from '../../domain/roles.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { endReasonFromHangupRequest } from '../../bridge/hangup-cause.js';
import { FakeBridges, FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

const TOLL_FREE = '+18005550100';
const ROOM = '11331134';
const CH = 'ch-1';
const LIMITS: CallLimits = { moderatorWaitMs: 60_000, aloneMs: 30_000, maxLegMs: 600_000, placementMs: 5_000 };

function callSetup(limits: CallLimits = LIMITS) {
  const channel = new FakeChannel();
  const directory = new FakeDirectory();
  const ledger = new FakeLedger();
  const joins: Array<{ room: string; channelId: string; role: Role }> = [];
  const leaves: string[] = [];
  const replaces: string[] = [];
  const timers = new SimulatedClock();
  let now = 1_000_000;
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
        leave: (_room: string, channelId: string) => leaves.push(channelId),
        replace: (_room: string, channelId: string) => replaces.push(channelId),
        admitted: () => true,
      },
      clock: { now: () => now },
      timing: DEFAULT_IVR_TIMING,
      log: silentLog,
      limits,
    },
    { timers },
  );
  const advance = async (ms: number) => {
    now += ms;
    timers.increment(ms);
    await flush();
  };
  const joinAs = async (pin: string) => {
    router.callStarted({ channelId: CH, dialled: '18005550100', callerNumber: null });
    await flush();
    for (const k of `${ROOM}#${pin}#`) router.digit(CH, k);
    await flush();
  };
  /** Asterisk hangs the channel up as we asked: the HANGUP brings back the reason we gave. */
  const asteriskHangsUp = async () => {
    const last = channel.ops.filter((o) => o.startsWith(`hangup ${CH}`)).at(-1);
    const reason = last?.split(' ')[2];
    router.callEnded(CH, now, reason as Parameters<typeof router.callEnded>[2]);
    await flush();
  };
  return { channel, ledger, joins, leaves, replaces, router, advance, joinAs, asteriskHangsUp, now: () => now };
}

describe('limits and placement in the call machine (fakes, simulated clock)', () => {
  it('a caller Asterisk puts on hold and who waits past the moderator wait limit hears im-sorry, is hung up, reason moderator-wait-limit', async () => {
    const t = callSetup();
    await t.joinAs('1111');
    t.router.bridgeEvent(CH, 'hold', true);
    await t.advance(LIMITS.moderatorWaitMs - 1);
    expect(t.channel.ops.some((o) => o.startsWith(`hangup ${CH}`))).to.equal(false);
    await t.advance(1);
    expect(t.leaves).to.deep.equal([]); // still in the room during the prompt: its bridges stay
    expect(t.channel.plays(CH).at(-1)).to.equal('sound:im-sorry,sound:vm-goodbye');
    t.channel.finishPrompts();
    await flush();
    expect(t.channel.ops.at(-1)).to.equal(`hangup ${CH} moderator-wait-limit`);
    await t.asteriskHangsUp();
    expect(t.ledger.closed).to.deep.equal([{ channelId: CH, endedAt: t.now(), reason: 'moderator-wait-limit' }]);
    expect(t.leaves).to.deep.equal([CH]); // left once
  });

  it('moved from hold into the conference before the limit: no moderator-wait cut-off', async () => {
    const t = callSetup();
    await t.joinAs('1111');
    t.router.bridgeEvent(CH, 'hold', true);
    await t.advance(LIMITS.moderatorWaitMs / 2);
    // A move: the two events of one move may arrive in either order.
    t.router.bridgeEvent(CH, 'live', true);
    t.router.bridgeEvent(CH, 'hold', false);
    await t.advance(LIMITS.moderatorWaitMs * 2);
    expect(t.channel.ops.some((o) => o.startsWith(`hangup ${CH}`))).to.equal(false);
    expect(t.replaces).to.have.length(0);
  });

  it('not in a bridge in time: the room places it again once, then the caller hears the problem prompt and is hung up (bridge-failed)', async () => {
    const t = callSetup();
    await t.joinAs('4321');
    await t.advance(LIMITS.placementMs);
    expect(t.replaces).to.deep.equal([CH]);
    await t.advance(LIMITS.placementMs);
    expect(t.replaces).to.deep.equal([CH]);
    expect(t.channel.plays(CH).at(-1)).to.equal('sound:sorry-youre-having-problems,sound:vm-goodbye');
    t.channel.finishPrompts();
    await flush();
    expect(t.channel.ops.at(-1)).to.equal(`hangup ${CH} bridge-failed`);
    await t.asteriskHangsUp();
    expect(t.ledger.closed[0]).to.include({ reason: 'bridge-failed' });
    expect(t.router.activeCalls).to.equal(0);
  });

  it('the retry lands: the caller stays', async () => {
    const t = callSetup();
    await t.joinAs('4321');
    await t.advance(LIMITS.placementMs);
    t.router.bridgeEvent(CH, 'live', true);
    await t.advance(LIMITS.placementMs * 10);
    expect(t.channel.ops.some((o) => o.startsWith(`hangup ${CH}`))).to.equal(false);
  });

  it('thrown out of its bridge (destroyed under the app): placed again; after a second loss too', async () => {
    const t = callSetup();
    await t.joinAs('4321');
    t.router.bridgeEvent(CH, 'live', true);
    t.router.bridgeEvent(CH, 'live', false);
    await t.advance(LIMITS.placementMs);
    expect(t.replaces).to.deep.equal([CH]);
    t.router.bridgeEvent(CH, 'live', true);
    t.router.bridgeEvent(CH, 'live', false);
    await t.advance(LIMITS.placementMs);
    expect(t.replaces).to.deep.equal([CH, CH]);
  });

  it('the maximum leg duration ends a caller wherever it is, reason max-duration; a limit of 0 is off', async () => {
    const t = callSetup({ ...LIMITS, maxLegMs: 120_000, moderatorWaitMs: 0 });
    await t.joinAs('1111');
    t.router.bridgeEvent(CH, 'hold', true);
    await t.advance(119_000);
    expect(t.channel.ops.some((o) => o.startsWith(`hangup ${CH}`))).to.equal(false);
    await t.advance(1_000);
    t.channel.finishPrompts();
    await flush();
    expect(t.channel.ops.at(-1)).to.equal(`hangup ${CH} max-duration`);
    await t.asteriskHangsUp();
    expect(t.ledger.closed[0]).to.include({ reason: 'max-duration' });
  });

  it('a call stuck ending (its goodbye and its hang-up never answered) is still ended by the maximum leg: hung up, the leg closed with its first reason', async () => {
    const t = callSetup({ ...LIMITS, maxLegMs: 120_000 });
    t.channel.hangup = async (channelId, reason) => {
      t.channel.ops.push(`hangup ${channelId} ${reason ?? '-'}`);
    };
    t.router.callStarted({ channelId: CH, dialled: '18005550100', callerNumber: null });
    await flush();
    // Three wrong rooms: the goodbye; its prompt and every hang-up go unanswered (no StasisEnd).
    for (const room of ['12345678#', '11331133#', '87654321#']) {
      for (const k of room) t.router.digit(CH, k);
      await flush();
      t.channel.finishPrompts();
      await flush();
    }
    const hangups = () => t.channel.ops.filter((o) => o.startsWith(`hangup ${CH}`));
    expect(hangups()).to.deep.equal([`hangup ${CH} goodbye`]);
    await t.advance(119_000);
    const before = hangups().length;
    expect(t.ledger.closed).to.deep.equal([]);
    await t.advance(1_000);
    expect(hangups().slice(before)).to.deep.equal([`hangup ${CH} -`]);
    await t.advance(5_000);
    expect(t.ledger.closed).to.have.length(1);
    expect(t.ledger.closed[0]).to.include({ channelId: CH, reason: 'goodbye' });
  });

  it('the caller hanging up during the limit prompt: the leg still closes with the limit as reason', async () => {
    const t = callSetup();
    await t.joinAs('1111');
    t.router.bridgeEvent(CH, 'hold', true);
    await t.advance(LIMITS.moderatorWaitMs);
    t.router.callEnded(CH, t.now(), 'hangup');
    await flush();
    expect(t.ledger.closed[0]).to.include({ reason: 'moderator-wait-limit' });
  });

  it('Asterisk hangs up for lack of RTP: the leg closes with rtp-timeout', async () => {
    const t = callSetup();
    await t.joinAs('4321');
    t.router.bridgeEvent(CH, 'live', true);
    t.router.callEnded(CH, t.now(), endReasonFromHangupRequest({ cause: 1, soft: true }));
    await flush();
    expect(t.ledger.closed[0]).to.include({ reason: 'rtp-timeout' });
  });
});

describe('ChannelHangupRequest to leg end reason', () => {
  it('driver soft hang-up: rtp-timeout; 408 (cause 18): session-timeout; BYE, ARI DELETE, nothing: hangup', () => {
    expect(endReasonFromHangupRequest({ cause: 1, soft: true })).to.equal('rtp-timeout');
    expect(endReasonFromHangupRequest({ cause: 18, soft: false })).to.equal('session-timeout');
    expect(endReasonFromHangupRequest({ cause: 16, soft: false })).to.equal('hangup');
    expect(endReasonFromHangupRequest({ cause: null, soft: false })).to.equal('hangup');
    expect(endReasonFromHangupRequest({ cause: 32, soft: true })).to.equal('hangup');
    expect(endReasonFromHangupRequest(null)).to.equal('hangup');
  });
});

describe('alone limit and placing again in the room machine (fake bridges, simulated clock)', () => {
  function roomSetup(aloneMs = 30_000) {
    const bridges = new FakeBridges();
    const timers = new SimulatedClock();
    const rooms = new RoomRegistry(bridges, silentLog, { aloneMs, timers });
    const info = roomInfo({ number: ROOM });
    const settle = async () => {
      await flush();
      await rooms.settled();
    };
    return {
      bridges,
      rooms,
      timers,
      settle,
      join: (id: string, role: Role) => rooms.join(info, id, role),
      entered: (id: string, bridge: 'live' | 'hold' = 'live') => rooms.bridgeEvent(ROOM, id, bridge, true),
      left: (id: string, bridge: 'live' | 'hold' = 'live') => rooms.bridgeEvent(ROOM, id, bridge, false),
      advance: async (ms: number) => {
        timers.increment(ms);
        await settle();
      },
    };
  }

  it('a moderator alone in the conference past the limit is dismissed with im-sorry, reason alone-limit', async () => {
    const t = roomSetup();
    t.join('m', 'moderator');
    t.entered('m');
    await t.advance(29_999);
    expect(t.bridges.ops.some((o) => o.startsWith('dismiss'))).to.equal(false);
    await t.advance(1);
    expect(t.bridges.ops.at(-1)).to.equal('dismiss m im-sorry alone-limit');
  });

  it('company stops the alone clock; left alone again, it starts over', async () => {
    const t = roomSetup();
    t.join('m', 'moderator');
    t.entered('m');
    await t.advance(20_000);
    t.join('p', 'participant');
    t.entered('p');
    await t.advance(20_000);
    t.left('m');
    await t.advance(29_000);
    expect(t.bridges.ops.some((o) => o.startsWith('dismiss'))).to.equal(false);
    await t.advance(1_000);
    expect(t.bridges.ops.at(-1)).to.equal('dismiss p im-sorry alone-limit');
  });

  it('waiting on hold is not being alone in the conference; 0 turns the limit off', async () => {
    const t = roomSetup();
    t.join('p', 'participant');
    t.entered('p', 'hold');
    await t.advance(120_000);
    expect(t.bridges.ops.some((o) => o.startsWith('dismiss'))).to.equal(false);
    const off = roomSetup(0);
    off.join('m', 'moderator');
    off.entered('m');
    await off.advance(3_600_000);
    expect(off.bridges.ops.some((o) => o.startsWith('dismiss'))).to.equal(false);
  });

  it('placing again repeats the move to where the room has the caller, without the waiting prompt', async () => {
    const t = roomSetup();
    t.join('p', 'participant');
    t.rooms.replace(ROOM, 'p');
    t.join('m', 'moderator');
    t.rooms.replace(ROOM, 'p');
    t.rooms.replace(ROOM, 'stranger');
    await t.settle();
    expect(t.bridges.ops).to.deep.equal([`hold ${ROOM} p conf-waitforleader`, `hold ${ROOM} p -`, `live ${ROOM} m,p`, `live ${ROOM} p`]);
  });
});

describe('default limits', () => {
  it('are on and generous: 30 min on hold, 10 min alone, 4 h per leg, 5 s to land in a bridge', () => {
    expect(DEFAULT_CALL_LIMITS).to.deep.equal({ moderatorWaitMs: 1_800_000, aloneMs: 600_000, maxLegMs: 14_400_000, placementMs: 5_000 });
  });
});
