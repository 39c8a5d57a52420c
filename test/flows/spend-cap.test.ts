// A room's monthly spend cap on the caller's path (fake ARI, the real machines): the spendCheck
// port answers under / warning / reached; a participant of a room at its cap hears the prompt
// and is hung up, never in the room; a moderator always enters, warned first at 80 % or more.
import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import type { SpendLevel } from '../../domain/spend-cap.js';
import { CallRouter } from '../../flows/call-router.js';
import type { CallOutcome, SpendCapCheck } from '../../flows/ports.js';
import { RoomRegistry } from '../../flows/room-registry.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeBridges, FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

const TOLL_FREE = '+18005550100';
const ROOM = '11331134';

function setup(spendCap: SpendCapCheck) {
  const directory = new FakeDirectory();
  directory.routes.set(TOLL_FREE, { numberId: 3, e164: TOLL_FREE, kind: 'toll_free', accountId: 7, subscriptionId: 9 });
  directory.rooms.set(ROOM, roomInfo({ number: ROOM }));
  directory.pins.set(1, { moderator: '4321', participant: '1111' });
  const rooms = new RoomRegistry(new FakeBridges(), silentLog);
  const channel = new FakeChannel();
  const ledger = new FakeLedger();
  const outcomes = new Map<string, CallOutcome>();
  const router = new CallRouter(
    { channel, directory, ledger, rooms, clock: { now: () => 1_000_000 }, timing: DEFAULT_IVR_TIMING, log: silentLog, spendCap },
    { timers: new SimulatedClock(), onFinished: (id, outcome) => outcomes.set(id, outcome) },
  );
  const dialIn = async (channelId: string, pin: string) => {
    router.callStarted({ channelId, dialled: '18005550100', callerNumber: null });
    await flush();
    for (const k of `${ROOM}#${pin}#`) router.digit(channelId, k);
    await flush();
  };
  return { rooms, router, channel, ledger, outcomes, dialIn };
}

const at = (level: SpendLevel): SpendCapCheck => ({ levelOf: async () => level });

describe('spend cap on the caller path (fake ARI)', () => {
  it('a participant of a room at its cap hears "conference cannot be extended" and is hung up: not in the room, the leg ends spend-cap', async () => {
    const t = setup(at('reached'));
    await t.dialIn('p', '1111');
    expect(t.channel.plays('p')).to.deep.include('sound:conf-nonextended');
    t.channel.finishPrompts();
    await flush();
    expect(t.channel.ops).to.include('hangup p spend-cap');
    expect(t.rooms.snapshot(ROOM)).to.equal(null);
    expect(t.ledger.assigned).to.deep.equal([]);
    t.router.callEnded('p', 1_005_000, 'spend-cap');
    await flush();
    expect(t.ledger.closed).to.deep.equal([{ channelId: 'p', endedAt: 1_005_000, reason: 'spend-cap' }]);
    expect(t.outcomes.get('p')).to.equal('spend-cap');
  });

  it('a moderator at the cap hears the warning tone, then enters', async () => {
    const t = setup(at('reached'));
    await t.dialIn('m', '4321');
    expect(t.channel.plays('m')).to.deep.include('sound:beeperr');
    expect(t.rooms.snapshot(ROOM)).to.equal(null);
    t.channel.finishPrompts();
    await flush();
    expect(t.rooms.snapshot(ROOM)?.moderators).to.deep.equal(['m']);
  });

  it('at 80 %: the moderator is warned, a participant enters unwarned', async () => {
    const t = setup(at('warning'));
    await t.dialIn('m', '4321');
    t.channel.finishPrompts();
    await flush();
    await t.dialIn('p', '1111');
    expect(t.channel.plays('m')).to.deep.include('sound:beeperr');
    expect(t.channel.plays('p')).to.not.deep.include('sound:beeperr');
    expect(t.rooms.snapshot(ROOM)?.moderators).to.deep.equal(['m']);
    expect(t.rooms.snapshot(ROOM)?.live).to.include('p');
  });

  it('under 80 %: nobody hears a thing about it', async () => {
    const t = setup(at('under'));
    await t.dialIn('m', '4321');
    expect(t.channel.plays('m')).to.not.deep.include('sound:beeperr');
    expect(t.rooms.snapshot(ROOM)?.moderators).to.deep.equal(['m']);
  });

  it('a cap that cannot be read lets the caller in (the failure is logged)', async () => {
    const t = setup({ levelOf: () => Promise.reject(new Error('database down')) });
    await t.dialIn('p', '1111');
    expect(t.rooms.snapshot(ROOM)?.waiting).to.deep.equal(['p']);
  });

  it('a hang-up during the moderator\'s warning stops it; the caller never enters', async () => {
    const t = setup(at('warning'));
    await t.dialIn('m', '4321');
    t.router.callEnded('m', 1_002_000);
    await flush();
    expect(t.channel.ops).to.include('stop m');
    expect(t.rooms.snapshot(ROOM)).to.equal(null);
  });
});
