// Picking calls and rooms up where they stood after a restart or an ARI reconnect, with fakes:
// the call machine's resume entry, the room machine's restore, the resync plan (pure), the
// call mark written on each channel, and the CDR file as the record of a channel's end.
import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { planResync } from '../../app/calls/resync-plan.js';
import { listenToRooms } from '../../app/calls/bridge-app.js';
import { EventGate } from '../../app/calls/event-gate.js';
import type { AmiEvent } from '../../bridge/ami-session.js';
import type { AsteriskSnapshot, ChannelView } from '../../bridge/ari-snapshot.js';
import { channelsOfSystem } from '../../bridge/channel-ids.js';
import { decodeCallMark, encodeCallMark } from '../../bridge/call-marks.js';
import { decodeRoomMark, encodeRoomMark } from '../../bridge/room-marks.js';
import type { CallResume } from '../../flows/call-machine.js';
import { CallRouter } from '../../flows/call-router.js';
import type { CallMark, RoomControlsState, RoomInfo } from '../../flows/ports.js';
import type { CallLimits } from '../../domain/limits.js';
import type { OpenLeg } from '../../domain/legs.js';
import type { Role } from '../../domain/roles.js';
import { OWNER } from '../../flows/room-controls.js';
import type { RoomMembers } from '../../flows/room-context.js';
import { RoomRegistry } from '../../flows/room-registry.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeBridges, FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

const ROOM = '11331134';
const CH = 'ch-1';
const ANSWERED = 1_000_000;

function setup() {
  const channel = new FakeChannel();
  const directory = new FakeDirectory();
  const ledger = new FakeLedger();
  const joins: Array<{ room: string; channelId: string; role: Role }> = [];
  const leaves: Array<{ room: string; channelId: string }> = [];
  const marks: Array<{ channelId: string; mark: CallMark }> = [];
  const timers = new SimulatedClock();
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
        replace: () => undefined,
        admitted: () => true,
      },
      clock: { now: () => 2_000_000 },
      timing: DEFAULT_IVR_TIMING,
      log: silentLog,
      marks: { mark: (channelId, mark) => marks.push({ channelId, mark }) },
    },
    { timers },
  );
  const resume = async (r: CallResume) => {
    router.callResumed({ channelId: CH, dialled: '18005550100', callerNumber: '+15551230000' }, r);
    await flush();
  };
  return { channel, directory, ledger, joins, leaves, marks, router, resume };
}

const facts = { accountId: 7, answeredAt: ANSWERED };

describe('resuming a call after a restart (fake ARI, fake database)', () => {
  it('a caller who was entering the room number hears that step again from its start; never answered or billed anew', async () => {
    const t = setup();
    await t.resume({ ...facts, step: 'enteringRoom' });
    expect(t.channel.plays(CH)).to.deep.equal(['sound:hello,sound:conf-getconfno']);
    expect(t.channel.ops.filter((o) => o.startsWith('answer'))).to.deep.equal([]);
    expect(t.ledger.opened).to.deep.equal([]);
    t.router.callEnded(CH, ANSWERED + 5000);
    await flush();
    expect(t.ledger.closed).to.deep.equal([{ channelId: CH, endedAt: ANSWERED + 5000, reason: 'hangup' }]);
  });

  it('a caller who was entering the PIN is asked for it again and, with the right PIN, joins the room of the number\'s account', async () => {
    const t = setup();
    await t.resume({ ...facts, step: 'enteringPin', room: roomInfo({ number: ROOM }) });
    expect(t.channel.plays(CH)).to.deep.equal(['sound:conf-getpin']);
    for (const k of '4321#') t.router.digit(CH, k);
    await flush();
    expect(t.joins).to.deep.equal([{ room: ROOM, channelId: CH, role: 'moderator' }]);
    expect(t.ledger.assigned).to.deep.equal([{ channelId: CH, roomId: 1, role: 'moderator' }]);
    expect(t.marks.map((m) => m.mark.step)).to.deep.equal(['enteringPin', 'inRoom']);
    expect(t.marks[1]?.mark).to.deep.include({ room: ROOM, role: 'moderator', answeredAt: ANSWERED, accountId: 7, dialled: '+18005550100' });
  });

  it('a caller already in its bridge stays there: no join, no prompt; hanging up leaves the room and closes the leg', async () => {
    const t = setup();
    await t.resume({ ...facts, step: 'inRoom', room: roomInfo({ number: ROOM }), role: 'participant', placed: true });
    expect(t.joins).to.deep.equal([]);
    expect(t.channel.ops).to.deep.equal([]);
    t.router.callEnded(CH, ANSWERED + 61_000);
    await flush();
    expect(t.leaves).to.deep.equal([{ room: ROOM, channelId: CH }]);
    expect(t.ledger.closed).to.deep.equal([{ channelId: CH, endedAt: ANSWERED + 61_000, reason: 'hangup' }]);
  });

  it('a caller admitted but not yet in a bridge joins its room again with its role', async () => {
    const t = setup();
    await t.resume({ ...facts, step: 'inRoom', room: roomInfo({ number: ROOM }), role: 'moderator', placed: false });
    expect(t.joins).to.deep.equal([{ room: ROOM, channelId: CH, role: 'moderator' }]);
  });

  it('a caller who was being sent away hears goodbye again and is hung up; the leg closes when the hang-up comes back', async () => {
    const t = setup();
    await t.resume({ ...facts, step: 'goodbye' });
    expect(t.channel.plays(CH)).to.deep.equal(['sound:vm-goodbye']);
    t.channel.finishPrompts();
    await flush();
    expect(t.channel.ops).to.include(`hangup ${CH} goodbye`);
    t.router.callEnded(CH, ANSWERED + 9000);
    await flush();
    expect(t.ledger.closed).to.deep.equal([{ channelId: CH, endedAt: ANSWERED + 9000, reason: 'goodbye' }]);
  });

  it('the marks of a new call follow its steps from the PIN on (written off the critical path, never awaited; the room entry needs none)', async () => {
    const t = setup();
    t.directory.routes.set('+18005550100', { numberId: 3, e164: '+18005550100', kind: 'toll_free', accountId: 7, subscriptionId: 9 });
    t.router.callStarted({ channelId: CH, dialled: '18005550100', callerNumber: null });
    await flush();
    for (const k of `${ROOM}#`) t.router.digit(CH, k);
    await flush();
    expect(t.marks.map((m) => m.mark)).to.deep.equal([
      { step: 'enteringPin', room: ROOM, dialled: '+18005550100', answeredAt: 2_000_000, accountId: 7 },
    ]);
  });
});

describe('a resumed call keeps its limits (fakes, simulated clock)', () => {
  const LIMITS: CallLimits = { moderatorWaitMs: 60_000, aloneMs: 30_000, maxLegMs: 600_000, placementMs: 5_000 };
  const RESTARTED_AT = 5_000_000;

  function limited() {
    const channel = new FakeChannel();
    const ledger = new FakeLedger();
    const replaces: string[] = [];
    const timers = new SimulatedClock();
    let now = RESTARTED_AT;
    const router = new CallRouter(
      {
        channel,
        directory: new FakeDirectory(),
        ledger,
        rooms: { join: () => undefined, leave: () => undefined, replace: (_room: string, channelId: string) => replaces.push(channelId), admitted: () => true },
        clock: { now: () => now },
        timing: DEFAULT_IVR_TIMING,
        log: silentLog,
        limits: LIMITS,
      },
      { timers },
    );
    const advance = async (ms: number) => {
      now += ms;
      timers.increment(ms);
      await flush();
    };
    const resumeIn = async (bridge: 'live' | 'hold', answeredAt = RESTARTED_AT - 1000) => {
      router.callResumed({ channelId: CH, dialled: '18005550100', callerNumber: null }, { accountId: 7, answeredAt, step: 'inRoom', room: roomInfo({ number: ROOM }), role: 'participant', placed: true, bridge });
      await flush();
    };
    const hungUp = () => channel.ops.filter((o) => o.startsWith(`hangup ${CH}`));
    return { channel, replaces, router, advance, resumeIn, hungUp };
  }

  it('its placement is still watched: thrown out of its bridge, it is placed again once, then cut off (bridge-failed)', async () => {
    const t = limited();
    await t.resumeIn('live');
    t.router.bridgeEvent(CH, 'live', false);
    await t.advance(LIMITS.placementMs);
    expect(t.replaces).to.deep.equal([CH]);
    await t.advance(LIMITS.placementMs);
    t.channel.finishPrompts();
    await flush();
    expect(t.hungUp()).to.deep.equal([`hangup ${CH} bridge-failed`]);
  });

  it('moved from hold into the conference after a restart: the move is followed, no placement retry', async () => {
    const t = limited();
    await t.resumeIn('hold');
    t.router.bridgeEvent(CH, 'hold', false);
    t.router.bridgeEvent(CH, 'live', true);
    await t.advance(LIMITS.placementMs * 3);
    expect(t.replaces).to.deep.equal([]);
    expect(t.hungUp()).to.deep.equal([]);
  });

  it('on hold after a restart, the moderator wait limit still applies', async () => {
    const t = limited();
    await t.resumeIn('hold');
    await t.advance(LIMITS.moderatorWaitMs);
    t.channel.finishPrompts();
    await flush();
    expect(t.hungUp()).to.deep.equal([`hangup ${CH} moderator-wait-limit`]);
  });

  it('the maximum leg duration counts from the answer, not from the restart', async () => {
    const t = limited();
    await t.resumeIn('live', RESTARTED_AT - (LIMITS.maxLegMs - 60_000));
    await t.advance(59_999);
    expect(t.hungUp()).to.deep.equal([]);
    await t.advance(1);
    t.channel.finishPrompts();
    await flush();
    expect(t.hungUp()).to.deep.equal([`hangup ${CH} max-duration`]);
  });

  it('a leg already past its maximum when the app comes back is cut off at once', async () => {
    const t = limited();
    await t.resumeIn('live', RESTARTED_AT - LIMITS.maxLegMs - 5_000);
    await t.advance(0);
    t.channel.finishPrompts();
    await flush();
    expect(t.hungUp()).to.deep.equal([`hangup ${CH} max-duration`]);
  });
});

describe('restoring a room from its bridges (fake bridges)', () => {
  const restored = (policy: 'end' | 'wait' | 'continue', members: { moderators: string[]; live: string[]; waiting: string[] }) => {
    const bridges = new FakeBridges();
    const rooms = new RoomRegistry(bridges, silentLog);
    rooms.restore(roomInfo({ number: ROOM, onModeratorLeave: policy }), members);
    return { bridges, rooms };
  };

  it('a live room with its moderator is rebuilt as it was, with no bridge operation; the policy applies when the moderator leaves', async () => {
    const t = restored('end', { moderators: ['m'], live: ['p1', 'p2'], waiting: [] });
    await flush();
    expect(t.bridges.ops).to.deep.equal([]);
    expect(t.rooms.snapshot(ROOM)).to.deep.include({ state: 'live', moderators: ['m'], live: ['p1', 'p2'] });
    t.rooms.leave(ROOM, 'm');
    await flush();
    await t.rooms.settled();
    expect(t.bridges.ops).to.deep.equal(['dismiss p1,p2 conf-leaderhasleft moderator-left', `release ${ROOM}`]);
  });

  it('participants waiting on hold stay there until a moderator comes', async () => {
    const t = restored('wait', { moderators: [], live: [], waiting: ['p1', 'p2'] });
    await flush();
    expect(t.bridges.ops).to.deep.equal([]);
    expect(t.rooms.snapshot(ROOM)).to.deep.include({ state: 'waiting', waiting: ['p1', 'p2'] });
  });

  it('a live room whose moderator left while the app could not see it gets its policy at once ("wait": back to hold)', async () => {
    const t = restored('wait', { moderators: [], live: ['p1', 'p2'], waiting: [] });
    await flush();
    await t.rooms.settled();
    expect(t.bridges.ops).to.deep.equal([`hold ${ROOM} p1,p2 conf-waitforleader`]);
    expect(t.rooms.snapshot(ROOM)).to.deep.include({ state: 'waiting', live: [], waiting: ['p1', 'p2'] });
  });

  it('bridges left with nobody of ours are released', async () => {
    const t = restored('continue', { moderators: [], live: [], waiting: [] });
    await t.rooms.settled();
    expect(t.bridges.ops).to.deep.equal([`release ${ROOM}`]);
    expect(t.rooms.activeRooms).to.equal(0);
  });
});

describe('a restored room keeps its alone watch, lock and mute-all (fake bridges, simulated clock)', () => {
  const ALONE_MS = 30_000;
  const restoredRoom = (members: RoomMembers, controls?: RoomControlsState) => {
    const bridges = new FakeBridges();
    const timers = new SimulatedClock();
    const marks: Array<{ room: string } & RoomControlsState> = [];
    const rooms = new RoomRegistry(bridges, silentLog, { aloneMs: ALONE_MS, timers, marks: { mark: (room, c) => marks.push({ room, ...c }) } });
    rooms.restore(roomInfo({ number: ROOM }), members, controls);
    const advance = async (ms: number) => {
      timers.increment(ms);
      await flush();
      await rooms.settled();
    };
    return { bridges, rooms, marks, advance };
  };

  it('a caller who joins a restored conference is not alone in it: no alone-limit dismissal', async () => {
    const t = restoredRoom({ moderators: ['m'], live: ['p1'], waiting: [] });
    t.rooms.join(roomInfo({ number: ROOM }), 'p2', 'participant');
    t.rooms.bridgeEvent(ROOM, 'p2', 'live', true);
    await t.advance(ALONE_MS * 2);
    expect(t.bridges.ops.filter((o) => o.startsWith('dismiss'))).to.deep.equal([]);
    // The others leaving does leave it alone: then the limit applies.
    t.rooms.bridgeEvent(ROOM, 'm', 'live', false);
    t.rooms.bridgeEvent(ROOM, 'p1', 'live', false);
    await t.advance(ALONE_MS);
    expect(t.bridges.ops.filter((o) => o.startsWith('dismiss'))).to.deep.equal(['dismiss p2 im-sorry alone-limit']);
  });

  it('a caller alone in a restored conference is still dismissed by the alone limit', async () => {
    const t = restoredRoom({ moderators: ['m'], live: [], waiting: [] });
    await t.advance(ALONE_MS);
    expect(t.bridges.ops.filter((o) => o.startsWith('dismiss'))).to.deep.equal(['dismiss m im-sorry alone-limit']);
  });

  it('a room locked and muted before the restart is still locked and muted: a participant is refused, the view says so', async () => {
    const t = restoredRoom({ moderators: ['m'], live: ['p1'], waiting: [] }, { lockedNow: true, mutedAll: true });
    expect(t.rooms.view(ROOM)).to.deep.include({ locked: true, mutedAll: true });
    t.rooms.join(roomInfo({ number: ROOM }), 'p2', 'participant');
    await t.advance(0);
    expect(t.bridges.ops).to.deep.equal(['dismiss p2 conf-locked refused']);
    expect(t.marks).to.deep.equal([]); // nothing changed: nothing written
  });

  it('lock and mute-all are marked for a restarted app whenever they change, and cleared when the room empties', async () => {
    const bridges = new FakeBridges();
    const marks: Array<{ room: string } & RoomControlsState> = [];
    const rooms = new RoomRegistry(bridges, silentLog, { marks: { mark: (room, c) => marks.push({ room, ...c }) } });
    rooms.join(roomInfo({ number: ROOM }), 'm', 'moderator');
    rooms.control(ROOM, { type: 'LOCK', locked: true, by: OWNER });
    rooms.control(ROOM, { type: 'MUTE_ALL', muted: true, by: OWNER });
    rooms.control(ROOM, { type: 'MUTE_ALL', muted: true, by: OWNER });
    rooms.leave(ROOM, 'm');
    await flush();
    expect(marks).to.deep.equal([
      { room: ROOM, lockedNow: true, mutedAll: false },
      { room: ROOM, lockedNow: true, mutedAll: true },
      { room: ROOM, lockedNow: false, mutedAll: false },
    ]);
  });

  it('a room mark survives its global variable form; anything else reads as no mark', () => {
    for (const c of [{ lockedNow: true, mutedAll: false }, { lockedNow: false, mutedAll: true }, { lockedNow: true, mutedAll: true }]) expect(decodeRoomMark(encodeRoomMark(c))).to.deep.equal(c);
    expect(encodeRoomMark({ lockedNow: false, mutedAll: false })).to.equal('');
    expect(decodeRoomMark('')).to.equal(null);
    expect(decodeRoomMark('lockedNow=yes&mutedAll=0')).to.equal(null);
  });
});

describe('the resync plan (pure)', () => {
  const mark = (m: Partial<CallMark> & Pick<CallMark, 'step'>): CallMark => ({ dialled: '+18005550100', answeredAt: ANSWERED, accountId: 7, ...m } as CallMark);
  const channel = (id: string, m: CallMark | null, state = 'Up'): ChannelView => ({ id, state, dialled: '18005550100', callerNumber: null, mark: m });
  const leg = (channelId: string, role: Role | null = null): OpenLeg => ({ channelId, accountId: 7, subscriptionId: 9, numberId: 3, dialled: '+18005550100', callerNumber: null, answeredAt: ANSWERED - 5, role });

  it('rebuilds rooms from bridges and marks, resumes IVR steps, starts unanswered calls, and ends what is gone', () => {
    const snapshot: AsteriskSnapshot = {
      channels: [
        channel('m', mark({ step: 'inRoom', room: ROOM, role: 'moderator' })),
        channel('p', mark({ step: 'inRoom', room: ROOM, role: 'participant' })),
        channel('w', mark({ step: 'inRoom', room: '22332233', role: 'participant' })),
        channel('pin', mark({ step: 'enteringPin', room: ROOM })),
        channel('raced', mark({ step: 'enteringPin', room: ROOM })),
        channel('nomark', null),
        channel('ringing', null, 'Ring'),
        channel('known', mark({ step: 'enteringRoom' })),
      ],
      bridges: [
        { id: `tollbridge-live-${ROOM}`, room: ROOM, kind: 'live', channels: ['m', 'p', 'raced'] },
        { id: 'tollbridge-hold-22332233', room: '22332233', kind: 'hold', channels: ['w'] },
        { id: 'tollbridge-hold-55555555', room: '55555555', kind: 'hold', channels: [] },
      ],
    };
    const plan = planResync(snapshot, [leg('m'), leg('raced', 'moderator'), leg('nomark'), leg('gone-leg')], new Set(['known', 'gone-call']), () => true);
    expect(plan.endedCalls).to.deep.equal(['gone-call']);
    expect(plan.orphanLegs).to.deep.equal(['gone-leg']);
    expect(plan.fresh.map((f) => f.channelId)).to.deep.equal(['ringing']);
    const byId = new Map(plan.resumes.map((r) => [r.start.channelId, r.resume]));
    expect(byId.get('m')).to.deep.equal({ accountId: 7, answeredAt: ANSWERED - 5, step: 'inRoom', room: ROOM, role: 'moderator', placed: true, bridge: 'live' });
    expect(byId.get('w')).to.deep.include({ placed: true, bridge: 'hold' });
    expect(byId.get('pin')).to.deep.include({ step: 'enteringPin', room: ROOM, answeredAt: ANSWERED });
    expect(byId.get('raced')).to.deep.include({ step: 'inRoom', role: 'moderator', placed: true });
    expect(byId.get('nomark')).to.deep.include({ step: 'enteringRoom', answeredAt: ANSWERED - 5 });
    expect(byId.has('known')).to.equal(false);
    expect(plan.rooms).to.deep.equal([
      { room: ROOM, members: { moderators: ['m', 'raced'], live: ['p'], waiting: [] } },
      { room: '22332233', members: { moderators: [], live: [], waiting: ['w'] } },
      { room: '55555555', members: { moderators: [], live: [], waiting: [] } },
    ]);
  });

  it('after a reconnect, a room the process still runs is not rebuilt; its lost members end through their calls', () => {
    const snapshot: AsteriskSnapshot = {
      channels: [channel('p', mark({ step: 'inRoom', room: ROOM, role: 'participant' }))],
      bridges: [{ id: `tollbridge-live-${ROOM}`, room: ROOM, kind: 'live', channels: ['p'] }],
    };
    const plan = planResync(snapshot, [leg('m'), leg('p')], new Set(['m', 'p']), () => true);
    expect(plan.rooms).to.deep.equal([]);
    expect(plan.resumes).to.deep.equal([]);
    expect(plan.endedCalls).to.deep.equal(['m']);
    expect(plan.orphanLegs).to.deep.equal([]);
  });

  it('a live bridge marked waiting holds callers waiting for the moderator; one with a moderator in it is a conference whatever its mark says', () => {
    const snapshot: AsteriskSnapshot = {
      channels: [
        channel('w1', mark({ step: 'inRoom', room: ROOM, role: 'participant' })),
        channel('w2', null),
        channel('m', mark({ step: 'inRoom', room: '22332233', role: 'moderator' })),
        channel('p', mark({ step: 'inRoom', room: '22332233', role: 'participant' })),
        channel('o', mark({ step: 'inRoom', room: '55555555', role: 'participant' })),
      ],
      bridges: [
        { id: `tollbridge-live-${ROOM}`, room: ROOM, kind: 'live', channels: ['w1', 'w2'], waiting: true },
        { id: 'tollbridge-live-22332233', room: '22332233', kind: 'live', channels: ['m', 'p'], waiting: true },
        { id: 'tollbridge-live-55555555', room: '55555555', kind: 'live', channels: ['o'] },
      ],
    };
    const plan = planResync(snapshot, [leg('w2', 'participant')], new Set(), () => true);
    const byId = new Map(plan.resumes.map((r) => [r.start.channelId, r.resume]));
    expect(byId.get('w1')).to.deep.include({ placed: true, bridge: 'hold' });
    expect(byId.get('w2')).to.deep.include({ placed: true, bridge: 'hold', role: 'participant' });
    expect(byId.get('p')).to.deep.include({ placed: true, bridge: 'live' });
    expect(plan.rooms).to.deep.equal([
      { room: ROOM, members: { moderators: [], live: [], waiting: ['w1', 'w2'] } },
      { room: '22332233', members: { moderators: ['m'], live: ['p'], waiting: [] } },
      { room: '55555555', members: { moderators: [], live: ['o'], waiting: [] } },
    ]);
    expect(plan.places.waitingRooms).to.deep.equal([ROOM]);
    expect([...plan.places.held]).to.deep.equal([['w1', ROOM], ['w2', ROOM]]);
    expect(plan.places.inLive.size).to.equal(5);
  });

  it("closes only its own Asterisk's orphan legs: another bridge process's open legs on the same database are left alone", () => {
    const snapshot: AsteriskSnapshot = { channels: [channel('pop-a-1764622345.2', mark({ step: 'inRoom', room: ROOM, role: 'participant' }))], bridges: [] };
    const open = ['pop-a-1764622345.1', 'pop-a-1764622345.2', 'pop-b-1764622345.1', 'pop-a-2-1764622345.1', 'legacy-id'].map((id) => leg(id));
    const plan = planResync(snapshot, open, new Set(), channelsOfSystem('pop-a'));
    expect(plan.orphanLegs).to.deep.equal(['pop-a-1764622345.1']);
    expect(planResync(snapshot, open, new Set(), channelsOfSystem('pop-a-2')).orphanLegs).to.deep.equal(['pop-a-2-1764622345.1']);
  });
});

describe('the event gate during a resync', () => {
  it('holds events while a resync runs, reports the hang-ups among them, then lets them through in order', () => {
    const seen: string[] = [];
    const gate = new EventGate((e) => seen.push(`${e.type} ${'channelId' in e ? e.channelId : e.bridgeId}`));
    gate.push({ type: 'call.dtmf', channelId: 'a', digit: '1', at: 1 });
    gate.hold();
    gate.push({ type: 'call.end', hangupRequest: null, quiet: false, channelId: 'b', at: 42 });
    gate.push({ type: 'call.dtmf', channelId: 'a', digit: '2', at: 43 });
    expect(seen).to.deep.equal(['call.dtmf a']);
    expect([...gate.endsHeld()]).to.deep.equal([['b', 42]]);
    gate.release();
    expect(seen).to.deep.equal(['call.dtmf a', 'call.end b', 'call.dtmf a']);
  });
});

describe('a room member\'s keys over AMI during a resync', () => {
  it('wait in the event gate with the ARI events and come after it in the order they were heard', () => {
    const seen: string[] = [];
    const gate = new EventGate((e) => seen.push(`${e.type} ${'channelId' in e ? e.channelId : e.bridgeId}`));
    const handlers = new Map<string, (event: AmiEvent) => void>();
    listenToRooms({ onEvent: (name, handler) => void handlers.set(name, handler) }, { isQuiet: (id) => id === 'member' }, gate, { talking: () => undefined }, silentLog);
    gate.hold();
    gate.push({ type: 'call.dtmf', channelId: 'caller', digit: '4', at: 1 });
    handlers.get('DTMFEnd')?.({ uniqueid: 'member', digit: '5', direction: 'Received' });
    gate.push({ type: 'call.end', hangupRequest: null, quiet: false, channelId: 'caller', at: 2 });
    expect(seen).to.deep.equal([]);
    gate.release();
    expect(seen).to.deep.equal(['call.dtmf caller', 'room.key member', 'call.end caller']);
  });
});

describe('call marks and call records', () => {
  it('a mark survives its channel variable form, and anything else reads as no mark', () => {
    const m: CallMark = { step: 'inRoom', room: ROOM, role: 'moderator', dialled: '+18005550100', answeredAt: ANSWERED, accountId: 7 };
    expect(encodeCallMark(m)).to.not.include(',');
    expect(decodeCallMark(encodeCallMark(m))).to.deep.equal(m);
    expect(decodeCallMark(undefined)).to.equal(null);
    expect(decodeCallMark('step=inRoom&room=1&role=boss&dialled=1&answeredAt=1&accountId=1')).to.equal(null);
    expect(decodeCallMark('hello')).to.equal(null);
  });

});
