// The room's tones, names, counts and music, through the real room machine and registry with
// fake bridges and a fake announcer that records, in one list, what the room asked for.
import { expect } from 'chai';
import { DEFAULT_ANNOUNCEMENTS, type RoomAnnouncements } from '../../domain/rooms.js';
import type { RoomAnnouncer } from '../../flows/ports.js';
import { RoomRegistry } from '../../flows/room-registry.js';
import { FakeBridges, flush, roomInfo, silentLog } from '../support/fakes.js';

const R = '11331134';

class FakeAnnouncer implements RoomAnnouncer {
  constructor(readonly ops: string[]) {}
  async announce(room: string, sounds: string[], language: string): Promise<void> {
    this.ops.push(`announce ${room} ${language} ${sounds.join(',')}`);
  }
  async tell(channelId: string, sounds: string[]): Promise<void> {
    this.ops.push(`tell ${channelId} ${sounds.join(',')}`);
  }
  async music(room: string, on: boolean): Promise<void> {
    this.ops.push(`music ${room} ${on ? 'on' : 'off'}`);
  }
  async forgetName(name: string): Promise<void> {
    this.ops.push(`forget ${name}`);
  }
}

function room(announcements: Partial<RoomAnnouncements> = {}, over = {}) {
  const bridges = new FakeBridges();
  const announcer = new FakeAnnouncer(bridges.ops);
  const rooms = new RoomRegistry(bridges, silentLog, { announcer });
  const info = roomInfo({ number: R, language: 'it', announcements: { ...DEFAULT_ANNOUNCEMENTS, ...announcements }, ...over });
  return {
    ops: bridges.ops,
    mod: (id: string, name?: string) => rooms.join(info, id, 'moderator', name === undefined ? {} : { name }),
    part: (id: string, name?: string) => rooms.join(info, id, 'participant', name === undefined ? {} : { name }),
    leave: (id: string) => rooms.leave(R, id),
    settle: async () => {
      await flush();
      await rooms.settled();
    },
  };
}

describe('room announcements (fake bridges and announcer)', () => {
  it('default room: the first caller hears they are alone and gets music; the second stops it, hears the count, the room hears a tone', async () => {
    const t = room();
    t.mod('m');
    await t.settle();
    t.part('p1');
    await t.settle();
    expect(t.ops).to.deep.equal([
      `live ${R} m`,
      `music ${R} on`,
      'tell m sound:conf-onlyperson',
      `live ${R} p1`,
      `music ${R} off`,
      'tell p1 sound:conf-onlyone',
      `announce ${R} it sound:beep`,
    ]);
  });

  it('a third caller hears "there are currently 2 other participants"; leaving is heard as a tone, the last one left gets music', async () => {
    const t = room();
    t.mod('m');
    t.part('p1');
    t.part('p2');
    await t.settle();
    expect(t.ops).to.include('tell p2 sound:conf-thereare,number:2,sound:conf-otherinparty');
    t.ops.length = 0;
    t.leave('p2');
    t.leave('p1');
    await t.settle();
    expect(t.ops).to.deep.equal([`announce ${R} it sound:beep`, `announce ${R} it sound:beep`, `music ${R} on`]);
  });

  it('tones, count and music off: nothing but the moves', async () => {
    const t = room({ joinLeaveTones: false, announceCount: false, aloneMusic: false });
    t.mod('m');
    t.part('p1');
    t.leave('p1');
    await t.settle();
    expect(t.ops).to.deep.equal([`live ${R} m`, `live ${R} p1`]);
  });

  it('recorded names: "<name> is now in / has left the conference", then the recording is deleted; kept when the room keeps recordings', async () => {
    const t = room({ recordNames: true });
    t.mod('m', 'names/m');
    t.part('p1', 'names/p1');
    t.leave('p1');
    t.leave('m');
    await t.settle();
    expect(t.ops).to.include(`announce ${R} it recording:names/p1,sound:conf-hasjoin`);
    expect(t.ops).to.include(`announce ${R} it recording:names/p1,sound:conf-hasleft`);
    expect(t.ops).to.not.include(`announce ${R} it sound:beep`);
    expect(t.ops.indexOf('forget names/p1')).to.be.greaterThan(t.ops.indexOf(`announce ${R} it recording:names/p1,sound:conf-hasleft`));
    expect(t.ops).to.include('forget names/m');
    const kept = room({ recordNames: true, keepRecordings: true });
    kept.mod('m', 'names/m');
    kept.leave('m');
    await kept.settle();
    expect(kept.ops.filter((o) => o.startsWith('forget'))).to.deep.equal([]);
  });

  it('waiting participants released by the moderator each hear the count; a refused caller\'s name is deleted', async () => {
    const t = room({}, { maxParticipants: 3 });
    t.part('p1');
    t.part('p2');
    t.mod('m');
    t.part('p3', 'names/p3');
    await t.settle();
    expect(t.ops).to.include('tell p1 sound:conf-thereare,number:2,sound:conf-otherinparty');
    expect(t.ops).to.include('tell m sound:conf-thereare,number:2,sound:conf-otherinparty');
    expect(t.ops).to.include('dismiss p3 conf-full refused');
    expect(t.ops).to.include('forget names/p3');
  });

  it('policy end: the participants dismissed when the moderator leaves have their names deleted too', async () => {
    const t = room({ recordNames: true }, { onModeratorLeave: 'end' });
    t.mod('m', 'names/m');
    t.part('p1', 'names/p1');
    await t.settle();
    t.leave('m');
    await t.settle();
    expect(t.ops).to.include('dismiss p1 conf-leaderhasleft moderator-left');
    expect(t.ops.filter((o) => o.startsWith('forget')).sort()).to.deep.equal(['forget names/m', 'forget names/p1']);
  });

  it('a room rebuilt after a restart with a lone caller (music playing in Asterisk): the next caller stops the music', async () => {
    const bridges = new FakeBridges();
    const rooms = new RoomRegistry(bridges, silentLog, { announcer: new FakeAnnouncer(bridges.ops) });
    const info = roomInfo({ number: R, announcements: { ...DEFAULT_ANNOUNCEMENTS } });
    rooms.restore(info, { moderators: ['m'], live: [], waiting: [] });
    rooms.join(info, 'p', 'participant');
    await flush();
    await rooms.settled();
    expect(bridges.ops.slice(0, 2)).to.deep.equal([`live ${R} p`, `music ${R} off`]);
  });

  it('a room without announcement settings (older callers of the machine) announces nothing', async () => {
    const bridges = new FakeBridges();
    const rooms = new RoomRegistry(bridges, silentLog, { announcer: new FakeAnnouncer(bridges.ops) });
    rooms.join(roomInfo({ number: R }), 'm', 'moderator');
    rooms.join(roomInfo({ number: R }), 'p', 'participant');
    await flush();
    await rooms.settled();
    expect(bridges.ops).to.deep.equal([`live ${R} m`, `live ${R} p`]);
  });
});
