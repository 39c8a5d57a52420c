// Rejoin where you left (issue 25): a caller whose call dropped and who calls back from the same
// number into the same room within the window, with the same role's PIN, comes back with their
// own mute and recorded name; the room hears them as back, not new; the new leg names the old.
// Through the real call router, room registry and machines over fakes.
import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { CallRouter } from '../../flows/call-router.js';
import { RecentStays, type KeptStay } from '../../flows/recent-stays.js';
import type { RoomAnnouncer } from '../../flows/ports.js';
import { RoomRegistry } from '../../flows/room-registry.js';
import type { LegEndReason } from '../../domain/legs.js';
import { DEFAULT_ANNOUNCEMENTS } from '../../domain/rooms.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeBridges, FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

const TOLL_FREE = '+18005550100';
const ROOM = '11331134';
const CALLER = '+15551230000';

class OpsAnnouncer implements RoomAnnouncer {
  constructor(readonly ops: string[]) {}
  async announce(_room: string, sounds: string[]): Promise<void> {
    this.ops.push(`announce ${sounds.join(',')}`);
  }
  async tell(channelId: string, sounds: string[]): Promise<void> {
    this.ops.push(`tell ${channelId} ${sounds.join(',')}`);
  }
  async music(): Promise<void> {}
  async forgetName(name: string): Promise<void> {
    this.ops.push(`forget ${name}`);
  }
}

/** Mutes as the room asked for them (MemberChannels), into the same list. */
function mutes(ops: string[]) {
  return {
    mute: async (ids: string[], muted: boolean) => {
      ops.push(`${muted ? 'mute' : 'unmute'} ${ids.join(',')}`);
    },
    tell: async () => undefined,
  };
}

function world(windowMs = 120_000, announcements = { ...DEFAULT_ANNOUNCEMENTS, recordNames: false }) {
  let now = 5_000_000;
  const timers = new SimulatedClock();
  const bridges = new FakeBridges();
  const channel = new FakeChannel();
  const directory = new FakeDirectory();
  const ledger = new FakeLedger();
  const pending: Array<{ at: number; fn: () => void }> = [];
  const stays = new RecentStays({
    windowMs,
    now: () => now,
    forgetName: (name) => bridges.ops.push(`forget ${name}`),
    schedule: (fn, ms) => {
      const entry = { at: now + ms, fn };
      pending.push(entry);
      return () => pending.splice(pending.indexOf(entry), 1);
    },
  });
  // As the app does (bridge-app.ts): a dismissal by the room reaches the call with its reason.
  const routerRef: { router: CallRouter | null } = { router: null };
  const telling = {
    admitLive: (room: string, ids: string[]) => bridges.admitLive(room, ids),
    hold: (room: string, ids: string[], prompt: string | null) => bridges.hold(room, ids, prompt),
    release: (room: string) => bridges.release(room),
    dismiss: async (ids: string[], prompt: string, reason: LegEndReason) => {
      for (const id of ids) routerRef.router?.dismissed(id, reason);
      await bridges.dismiss(ids, prompt, reason);
    },
  };
  const rooms = new RoomRegistry(telling, silentLog, { announcer: new OpsAnnouncer(bridges.ops), members: mutes(bridges.ops), stays, now: () => now });
  directory.routes.set(TOLL_FREE, { numberId: 3, e164: TOLL_FREE, kind: 'toll_free', accountId: 7, subscriptionId: 9 });
  directory.rooms.set(ROOM, roomInfo({ number: ROOM, announcements }));
  directory.pins.set(1, { moderator: '4321', participant: '1111' });
  // Names are recorded at once, as `names/<channel>`.
  const names = {
    record: async (channelId: string) => {
      bridges.ops.push(`record name ${channelId}`);
      return `names/${channelId}`;
    },
    discard: async () => undefined,
  };
  const router = new CallRouter({ channel, directory, ledger, rooms, clock: { now: () => now }, timing: DEFAULT_IVR_TIMING, log: silentLog, stays, names }, { timers });
  routerRef.router = router;
  const enter = async (channelId: string, pin: string, callerNumber = CALLER) => {
    router.callStarted({ channelId, dialled: TOLL_FREE.slice(1), callerNumber });
    await flush();
    for (const k of `${ROOM}#${pin}#`) router.digit(channelId, k);
    await flush();
    await rooms.settled();
  };
  const settle = async () => {
    await flush();
    await rooms.settled();
    await flush();
  };
  const later = async (ms: number) => {
    now += ms;
    timers.increment(ms);
    for (const p of pending.filter((e) => e.at <= now)) {
      pending.splice(pending.indexOf(p), 1);
      p.fn();
    }
    await settle();
  };
  return { router, rooms, ledger, channel, ops: bridges.ops, stays, enter, settle, later, now: () => now };
}

describe('rejoin where you left (fake ARI and database)', () => {
  it('a participant who muted themselves and dropped comes back muted within 2 minutes; the room hears them back (two tones), the new leg names the old one', async () => {
    const w = world();
    await w.enter('mod', '4321', '+15550000001');
    await w.enter('p-1', '1111');
    w.router.digit('p-1', '1'); // mutes themselves
    await w.settle();
    w.router.callEnded('p-1', w.now(), 'hangup'); // the call drops
    await w.settle();
    expect(w.stays.size).to.equal(1);
    await w.later(90_000);
    w.ops.length = 0;
    await w.enter('p-2', '1111');
    await w.settle();
    expect(w.ops).to.include(`live ${ROOM} p-2`);
    expect(w.ops).to.include('mute p-2');
    expect(w.ops).to.include('announce sound:beep,sound:beep');
    expect(w.ops).to.not.include('announce sound:beep');
    expect(w.rooms.view(ROOM)?.members.find((m) => m.channelId === 'p-2')?.muted).to.equal(true);
    expect(w.ledger.assigned.find((a) => a.channelId === 'p-2')).to.deep.include({ role: 'participant', rejoinOf: 'p-1' });
    expect(w.stays.size).to.equal(0);
  });

  it('after the window it is a new join: a tone, not muted, no link; the stay has gone', async () => {
    const w = world();
    await w.enter('mod', '4321', '+15550000001');
    await w.enter('p-1', '1111');
    w.router.digit('p-1', '1');
    await w.settle();
    w.router.callEnded('p-1', w.now(), 'hangup');
    await w.settle();
    await w.later(120_001);
    expect(w.stays.size).to.equal(0);
    w.ops.length = 0;
    await w.enter('p-2', '1111');
    expect(w.ops).to.include('announce sound:beep');
    expect(w.ops).to.not.include('mute p-2');
    expect(w.ledger.assigned.find((a) => a.channelId === 'p-2')?.rejoinOf).to.equal(undefined);
  });

  it('no rejoin after the leave key (9), for another number, or with the other role\'s PIN', async () => {
    const w = world();
    await w.enter('mod', '4321', '+15550000001');
    await w.enter('p-1', '1111');
    w.router.digit('p-1', '9'); // leave: the room dismisses them
    await w.settle();
    w.router.callEnded('p-1', w.now());
    await w.settle();
    expect(w.stays.size).to.equal(0);
    await w.enter('p-2', '1111');
    w.router.callEnded('p-2', w.now(), 'hangup');
    await w.settle();
    expect(w.stays.size).to.equal(1);
    await w.enter('p-3', '1111', '+15559999999');
    expect(w.ledger.assigned.find((a) => a.channelId === 'p-3')?.rejoinOf).to.equal(undefined);
    await w.enter('p-4', '4321');
    expect(w.ledger.assigned.find((a) => a.channelId === 'p-4')?.rejoinOf).to.equal(undefined);
    expect(w.stays.size, 'the participant stay is still there for the participant PIN').to.equal(1);
  });

  it('a room that announces names: the rejoiner records no name again, the room hears the kept name then two tones; the name is deleted only when they leave for good', async () => {
    const w = world(120_000, { ...DEFAULT_ANNOUNCEMENTS, recordNames: true });
    const stay: KeptStay = { channelId: 'old', callerNumber: CALLER, role: 'participant', muted: false, name: 'names/old', forgetName: true };
    w.stays.keep(ROOM, stay);
    await w.enter('mod', '4321', '+15550000001');
    await w.enter('p-2', '1111');
    await w.settle();
    expect(w.ops).to.include('record name mod');
    expect(w.ops).to.not.include('record name p-2');
    expect(w.ops).to.include('announce recording:names/old,sound:beep,sound:beep');
    expect(w.ops).to.not.include('forget names/old');
    w.router.digit('p-2', '9');
    await w.settle();
    w.router.callEnded('p-2', w.now());
    await w.settle();
    expect(w.ops).to.include('forget names/old');
  });

  it('an expired stay deletes its name recording; a stay taken by a caller who hangs up before entering is discarded with its name', async () => {
    const stays: string[] = [];
    let t = 0;
    const timers: Array<() => void> = [];
    const s = new RecentStays({ windowMs: 1000, now: () => t, forgetName: (n) => stays.push(n), schedule: (fn) => { timers.push(fn); return () => undefined; } });
    s.keep('1', { channelId: 'a', callerNumber: '+1', role: 'participant', muted: false, name: 'names/a', forgetName: true });
    (timers[0] as () => void)();
    expect(stays).to.deep.equal(['names/a']);
    s.keep('1', { channelId: 'b', callerNumber: '+1', role: 'participant', muted: false, name: 'names/b', forgetName: false });
    t = 500;
    const taken = s.take('1', '+1', 'participant');
    expect(taken?.channelId).to.equal('b');
    s.discard(taken as KeptStay);
    expect(stays, 'a room that keeps recordings keeps the name').to.deep.equal(['names/a']);
    expect(s.take('1', null, 'participant')).to.equal(null);
  });
});
