import { expect } from 'chai';
import { RoomRegistry } from '../../flows/room-registry.js';
import type { RecordingControl } from '../../flows/recording-control.js';
import { OWNER, type MemberChannels, type RoomNews } from '../../flows/room-controls.js';
import type { Role } from '../../domain/roles.js';
import { CallRouter } from '../../flows/call-router.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeBridges, FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

const R = '11331134';

/** Records mutes and prompts of callers in the room. */
class FakeMembers implements MemberChannels {
  readonly ops: string[] = [];
  async mute(ids: string[], muted: boolean): Promise<void> {
    this.ops.push(`${muted ? 'mute' : 'unmute'} ${ids.join(',')}`);
  }
  async tell(ids: string[], media: string[]): Promise<void> {
    this.ops.push(`tell ${ids.join(',')} ${media.join(' ')}`);
  }
}

class FakeRecorder implements RecordingControl {
  readonly calls: string[] = [];
  private on = false;
  async start(room: string, by: string): Promise<boolean> {
    this.calls.push(`start ${room} ${by}`);
    this.on = true;
    return true;
  }
  async stop(room: string, by: string): Promise<boolean> {
    this.calls.push(`stop ${room} ${by}`);
    this.on = false;
    return true;
  }
  isRecording(): boolean {
    return this.on;
  }
}

function room(over = {}) {
  const bridges = new FakeBridges();
  const members = new FakeMembers();
  const recorder = new FakeRecorder();
  const rooms = new RoomRegistry(bridges, silentLog, { members, recording: recorder, now: () => 1_000 });
  const info = roomInfo({ number: R, ...over });
  const news: RoomNews[] = [];
  rooms.watch(R, (n) => news.push(n));
  return {
    bridges,
    members,
    recorder,
    rooms,
    news,
    join: (id: string, role: Role = 'participant', callerNumber: string | null = null) => rooms.join(info, id, role, { callerNumber }),
    key: (id: string, digit: string) => rooms.key(R, id, digit),
    leave: (id: string) => rooms.leave(R, id),
    settle: async () => {
      await flush();
      await rooms.settled();
    },
  };
}

describe('in-call controls of the room machine (keys and the owner API, fake channels)', () => {
  it('key 1 mutes and unmutes the caller who pressed it, who hears conf-muted then conf-unmuted', async () => {
    const t = room();
    t.join('m', 'moderator');
    t.join('p1');
    t.key('p1', '1');
    await t.settle();
    expect(t.rooms.view(R)?.members.find((m) => m.channelId === 'p1')?.muted).to.equal(true);
    t.key('p1', '1');
    await t.settle();
    expect(t.members.ops).to.deep.equal(['mute p1', 'tell p1 sound:conf-muted', 'unmute p1', 'tell p1 sound:conf-unmuted']);
    expect(t.news.filter((n) => n.type === 'muted')).to.deep.equal([
      { type: 'muted', channelId: 'p1', muted: true },
      { type: 'muted', channelId: 'p1', muted: false },
    ]);
  });

  it("a participant's moderator keys (2, 3, 4, 6, 8) do nothing", async () => {
    const t = room();
    t.join('m', 'moderator');
    t.join('p1');
    t.join('p2');
    for (const digit of ['2', '3', '4', '6', '8', '0', '#']) t.key('p2', digit);
    await t.settle();
    expect(t.members.ops).to.deep.equal([]);
    expect(t.recorder.calls).to.deep.equal([]);
    expect(t.bridges.ops.filter((op) => op.startsWith('dismiss'))).to.deep.equal([]);
    expect(t.rooms.view(R)?.locked).to.equal(false);
  });

  it('key 2 (moderator) locks the room: a participant calling in is refused with conf-locked; a moderator still enters; key 2 again unlocks', async () => {
    const t = room();
    t.join('m', 'moderator');
    t.key('m', '2');
    t.join('p1');
    t.join('m2', 'moderator');
    await t.settle();
    expect(t.members.ops).to.deep.equal(['tell m sound:conf-lockednow']);
    expect(t.bridges.ops).to.include('dismiss p1 conf-locked refused');
    expect(t.bridges.ops).to.include(`live ${R} m2`);
    t.key('m', '2');
    t.join('p2');
    await t.settle();
    expect(t.bridges.ops).to.include(`live ${R} p2`);
    expect(t.members.ops).to.include('tell m sound:conf-unlockednow');
  });

  it('the in-call lock ends when the room empties: the next conference is open', async () => {
    const t = room();
    t.join('m', 'moderator');
    t.key('m', '2');
    t.leave('m');
    await t.settle();
    t.join('m', 'moderator');
    t.join('p1');
    await t.settle();
    expect(t.bridges.ops).to.include(`live ${R} p1`);
  });

  it('key 3 (moderator) removes the participant who joined last, never a moderator', async () => {
    const t = room();
    t.join('m', 'moderator');
    t.join('p1');
    t.join('p2');
    t.join('m2', 'moderator');
    t.key('m', '3');
    await t.settle();
    expect(t.bridges.ops).to.include('dismiss p2 conf-kicked removed');
    t.leave('p2'); // the hang-up that follows
    t.key('m', '3');
    await t.settle();
    expect(t.bridges.ops).to.include('dismiss p1 conf-kicked removed');
  });

  it('key 4 (moderator) mutes everyone but moderators, heard by everyone; a newcomer joins muted; key 4 again unmutes them', async () => {
    const t = room();
    t.join('m', 'moderator');
    t.join('p1');
    t.key('m', '4');
    t.join('p2');
    await t.settle();
    expect(t.members.ops).to.deep.equal(['mute p1', 'tell m,p1 sound:conf-now-muted', 'mute p2']);
    expect(t.rooms.view(R)?.members.map((m) => [m.channelId, m.muted])).to.deep.equal([['m', false], ['p1', true], ['p2', true]]);
    t.key('m', '4');
    await t.settle();
    expect(t.members.ops.slice(3)).to.deep.equal(['unmute p1,p2', 'tell m,p1,p2 sound:conf-now-unmuted']);
  });

  it('while everyone is muted a participant pressing 1 stays muted (and hears so); after unmute-all their own mute holds', async () => {
    const t = room();
    t.join('m', 'moderator');
    t.join('p1');
    t.key('m', '4');
    t.key('p1', '1'); // muted themselves too
    await t.settle();
    expect(t.members.ops).to.deep.equal(['mute p1', 'tell m,p1 sound:conf-now-muted', 'tell p1 sound:conf-muted']);
    t.key('m', '4');
    await t.settle();
    expect(t.members.ops.slice(3)).to.deep.equal(['tell m,p1 sound:conf-now-unmuted']);
    expect(t.rooms.view(R)?.members.find((m) => m.channelId === 'p1')?.muted).to.equal(true);
  });

  it('key 5 tells the caller the headcount; alone, that they are the only person', async () => {
    const t = room();
    t.join('m', 'moderator');
    t.key('m', '5');
    t.join('p1');
    t.join('p2');
    t.key('p2', '5');
    await t.settle();
    expect(t.members.ops).to.deep.equal(['tell m sound:conf-onlyperson', 'tell p2 sound:conf-thereare number:3 sound:conf-peopleinconf']);
  });

  it('key 6 (moderator) starts the recording, and stops it when pressed again (through RecordingControl)', async () => {
    const t = room();
    t.join('m', 'moderator');
    t.key('m', '6');
    await t.settle();
    t.key('m', '6');
    await t.settle();
    expect(t.recorder.calls).to.deep.equal([`start ${R} m`, `stop ${R} m`]);
  });

  it('key 8 (moderator) ends the conference: everyone hears goodbye and is hung up; nobody enters until it is empty', async () => {
    const t = room({ onModeratorLeave: 'end' });
    t.join('m', 'moderator');
    t.join('p1');
    t.join('p2');
    t.key('m', '8');
    t.join('p3');
    await t.settle();
    expect(t.bridges.ops).to.include('dismiss m,p1,p2 vm-goodbye ended');
    expect(t.bridges.ops, JSON.stringify(t.bridges.ops)).to.include('dismiss p3 conf-locked refused');
    for (const id of ['m', 'p1', 'p2']) t.leave(id);
    await t.settle();
    // The moderator's leaving did not apply the room's "end" policy a second time.
    expect(t.bridges.ops.filter((op) => op.includes('conf-leaderhasleft'))).to.deep.equal([]);
    expect(t.bridges.ops.at(-1)).to.equal(`release ${R}`);
    expect(t.rooms.snapshot(R)).to.equal(null);
  });

  it('key 9 lets the caller leave (goodbye, then hung up); * tells the help of their role', async () => {
    const t = room();
    t.join('m', 'moderator');
    t.join('p1');
    t.key('p1', '*');
    t.key('m', '*');
    t.key('p1', '9');
    await t.settle();
    expect(t.members.ops).to.deep.equal(['tell p1 sound:conf-usermenu', 'tell m sound:conf-adminmenu']);
    expect(t.bridges.ops).to.include('dismiss p1 vm-goodbye left');
  });

  it("the owner's controls are the same events: mute one, lock, remove one, end", async () => {
    const t = room();
    t.join('m', 'moderator', '+15550001');
    t.join('p1', 'participant', '+15550002');
    expect(t.rooms.control(R, { type: 'MUTE', channelId: 'p1', muted: true, by: OWNER })).to.equal(true);
    t.rooms.control(R, { type: 'LOCK', locked: true, by: OWNER });
    await t.settle();
    expect(t.rooms.view(R)).to.deep.include({ locked: true, mutedAll: false });
    expect(t.rooms.view(R)?.members).to.deep.equal([
      { channelId: 'm', callerNumber: '+15550001', role: 'moderator', joinedAt: 1_000, where: 'live', muted: false, talking: false },
      { channelId: 'p1', callerNumber: '+15550002', role: 'participant', joinedAt: 1_000, where: 'live', muted: true, talking: false },
    ]);
    expect(t.members.ops).to.deep.equal(['mute p1', 'tell p1 sound:conf-muted']);
    t.rooms.control(R, { type: 'REMOVE', channelId: 'p1', by: OWNER });
    t.rooms.control(R, { type: 'END', by: OWNER });
    await t.settle();
    expect(t.bridges.ops.slice(-2)).to.deep.equal(['dismiss p1 conf-kicked removed', 'dismiss m,p1 vm-goodbye ended']);
    expect(t.rooms.control('99999999', { type: 'END', by: OWNER })).to.equal(false);
  });

  it('watchers hear joins, leaves, mutes and talking; talking only of members', async () => {
    const t = room();
    t.join('m', 'moderator', '+15550001');
    t.rooms.talking('m', true);
    t.rooms.talking('stranger', true);
    t.rooms.talking('m', false);
    t.leave('m');
    await t.settle();
    expect(t.news).to.deep.equal([
      { type: 'joined', channelId: 'm', role: 'moderator', callerNumber: '+15550001', at: 1_000 },
      { type: 'talking', channelId: 'm', talking: true },
      { type: 'talking', channelId: 'm', talking: false },
      { type: 'left', channelId: 'm' },
    ]);
  });

  it('a refused caller is no member: no join is told and its keys do nothing', async () => {
    const t = room({ locked: true });
    t.join('m', 'moderator');
    t.join('p1');
    t.key('p1', '1');
    await t.settle();
    expect(t.news.map((n) => n.type)).to.deep.equal(['joined']);
    expect(t.members.ops).to.deep.equal([]);
  });

  it("a caller's keys after entering the room go from the call machine to the room's (key 1 mutes them)", async () => {
    const t = room();
    const directory = new FakeDirectory();
    directory.routes.set('+18005550100', { numberId: 3, e164: '+18005550100', kind: 'toll_free', accountId: 7, subscriptionId: 9 });
    directory.rooms.set(R, roomInfo({ number: R }));
    directory.pins.set(1, { moderator: '4321', participant: '1111' });
    const router = new CallRouter({ channel: new FakeChannel(), directory, ledger: new FakeLedger(), rooms: t.rooms, clock: { now: () => 1_000 }, timing: DEFAULT_IVR_TIMING, log: silentLog });
    router.callStarted({ channelId: 'c1', dialled: '18005550100', callerNumber: '+15551230000' });
    await flush();
    for (const k of `${R}#4321#`) router.digit('c1', k);
    await t.settle();
    expect(t.rooms.view(R)?.members).to.deep.equal([
      { channelId: 'c1', callerNumber: '+15551230000', role: 'moderator', joinedAt: 1_000, where: 'live', muted: false, talking: false },
    ]);
    router.digit('c1', '1');
    await t.settle();
    expect(t.members.ops).to.deep.equal(['mute c1', 'tell c1 sound:conf-muted']);
    router.forgetAll();
  });
});
