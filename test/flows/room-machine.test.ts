import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { RoomRegistry } from '../../flows/room-registry.js';
import type { ModeratorLeavePolicy } from '../../domain/rooms.js';
import { FakeBridges, flush, roomInfo, silentLog } from '../support/fakes.js';

const R = '11331134';

function registry(policy: ModeratorLeavePolicy = 'continue', over = {}) {
  const bridges = new FakeBridges();
  const rooms = new RoomRegistry(bridges, silentLog);
  const info = roomInfo({ number: R, onModeratorLeave: policy, ...over });
  return {
    bridges,
    rooms,
    mod: (id: string) => rooms.join(info, id, 'moderator'),
    part: (id: string) => rooms.join(info, id, 'participant'),
    leave: (id: string) => rooms.leave(R, id),
    settle: async () => {
      await flush();
      await rooms.settled();
    },
  };
}

describe('room machine and registry (fake bridges)', () => {
  it('moderator first, then 3 participants: each goes straight into the live conference', async () => {
    const t = registry();
    t.mod('m');
    ['p1', 'p2', 'p3'].forEach(t.part);
    await t.settle();
    expect(t.bridges.ops).to.deep.equal([`live ${R} m`, `live ${R} p1`, `live ${R} p2`, `live ${R} p3`]);
    expect(t.rooms.snapshot(R)).to.deep.include({ state: 'live', moderators: ['m'], live: ['p1', 'p2', 'p3'], waiting: [] });
  });

  it('3 participants first wait on hold; the moderator brings them all in at once', async () => {
    const t = registry();
    ['p1', 'p2', 'p3'].forEach(t.part);
    t.mod('m');
    await t.settle();
    expect(t.bridges.ops).to.deep.equal([
      `hold ${R} p1 conf-waitforleader`,
      `hold ${R} p2 conf-waitforleader`,
      `hold ${R} p3 conf-waitforleader`,
      `live ${R} m,p1,p2,p3`,
    ]);
  });

  it('a moderator back in a "wait" room lets everyone in; those the room keeps muted (their own mute, everyone\'s) are named to stay muted', async () => {
    const t = registry('wait');
    t.mod('m');
    ['p1', 'p2', 'p3'].forEach(t.part);
    await t.settle();
    t.rooms.control(R, { type: 'MUTE', channelId: 'p2', muted: true, by: 'p2' });
    t.leave('m');
    await t.settle();
    t.mod('m2');
    await t.settle();
    expect(t.bridges.ops.at(-1)).to.equal(`live ${R} m2,p1,p2,p3 muted p2`);
    t.rooms.control(R, { type: 'MUTE_ALL', muted: true, by: 'm2' });
    t.leave('m2');
    t.mod('m3');
    await t.settle();
    expect(t.bridges.ops.at(-1)).to.equal(`live ${R} m3,p1,p2,p3 muted p1,p2,p3`);
  });

  it('moves into the same bridge run side by side; any other operation waits for them, and they for it', async () => {
    const t = registry();
    t.bridges.delayMs = 30; // each bridge operation takes a while, as addChannel does under load
    t.mod('m');
    await flush(); // the moderator's move is in flight
    ['p1', 'p2', 'p3'].forEach(t.part);
    await flush();
    expect(t.bridges.inFlight).to.equal(4); // the participants did not wait for the moderator's move
    await t.settle();
    expect(t.bridges.ops).to.deep.equal([`live ${R} m`, `live ${R} p1`, `live ${R} p2`, `live ${R} p3`]);
    const w = registry('end');
    w.bridges.delayMs = 30;
    w.part('p1');
    w.part('p2');
    await flush();
    w.mod('m'); // a different move: waits until both holds are done
    await flush();
    expect(w.bridges.maxInFlight).to.equal(2);
    await w.settle();
    expect(w.bridges.ops).to.deep.equal([`hold ${R} p1 conf-waitforleader`, `hold ${R} p2 conf-waitforleader`, `live ${R} m,p1,p2`]);
    expect(w.bridges.maxInFlight).to.equal(2);
  });

  it('when the last moderator leaves and the setting is end: everyone hears conf-leaderhasleft and is hung up', async () => {
    const t = registry('end');
    t.mod('m');
    t.part('p1');
    t.part('p2');
    t.leave('m');
    await t.settle();
    expect(t.bridges.ops.slice(-2)).to.deep.equal(['dismiss p1,p2 conf-leaderhasleft moderator-left', `release ${R}`]);
    expect(t.rooms.snapshot(R)).to.equal(null);
  });

  it('the conference ended by the moderator leaving (setting end): watchers hear every caller it ended leave', async () => {
    const t = registry('end');
    const news: string[] = [];
    t.rooms.watch(R, (n) => {
      if (n.type === 'joined' || n.type === 'left') news.push(`${n.type} ${n.channelId}`);
    });
    t.mod('m');
    t.part('p1');
    t.part('p2');
    t.leave('m');
    await t.settle();
    expect(news).to.deep.equal(['joined m', 'joined p1', 'joined p2', 'left m', 'left p1', 'left p2']);
    // Their own hang-ups come after: nothing is told twice.
    t.leave('p1');
    t.leave('p2');
    await t.settle();
    expect(news.filter((n) => n.startsWith('left'))).to.have.length(3);
  });

  it('when the last moderator leaves and the setting is continue: the conference goes on', async () => {
    const t = registry('continue');
    t.mod('m');
    t.part('p1');
    t.leave('m');
    t.part('p2');
    await t.settle();
    expect(t.bridges.ops).to.deep.equal([`live ${R} m`, `live ${R} p1`, `live ${R} p2`]);
    expect(t.rooms.snapshot(R)?.state).to.equal('unmoderated');
  });

  it('when the last moderator leaves and the setting is wait: participants go back on hold until a moderator returns', async () => {
    const t = registry('wait');
    t.mod('m');
    t.part('p1');
    t.part('p2');
    t.leave('m');
    t.mod('m2');
    await t.settle();
    expect(t.bridges.ops.slice(-2)).to.deep.equal([`hold ${R} p1,p2 conf-waitforleader`, `live ${R} m2,p1,p2`]);
  });

  it('two moderators: one leaving changes nothing for the others', async () => {
    const t = registry('end');
    t.mod('m1');
    t.mod('m2');
    t.part('p1');
    t.leave('m1');
    await t.settle();
    expect(t.bridges.ops.some((o) => o.startsWith('dismiss'))).to.equal(false);
    expect(t.rooms.snapshot(R)).to.deep.include({ state: 'live', moderators: ['m2'] });
  });

  it('moderator and participant in the same instant, in either order, end up together live', async () => {
    for (const order of [['m', 'p'], ['p', 'm']]) {
      const t = registry();
      for (const who of order) (who === 'm' ? t.mod : t.part)(who);
      await t.settle();
      expect(t.rooms.snapshot(R)).to.deep.include({ state: 'live', moderators: ['m'], live: ['p'], waiting: [] });
    }
  });

  it('the moderator hangs up while a participant is being moved in: policy applies to who is left', async () => {
    const t = registry('end');
    t.bridges.delayMs = 5;
    t.part('p1');
    t.mod('m');
    t.leave('m'); // before the move has finished in Asterisk
    await t.settle();
    expect(t.bridges.ops).to.deep.equal([`hold ${R} p1 conf-waitforleader`, `live ${R} m,p1`, 'dismiss p1 conf-leaderhasleft moderator-left', `release ${R}`]);
    expect(t.bridges.maxInFlight).to.equal(1); // never two bridge operations of one room at once
  });

  it('a participant hanging up mid-move leaves no one behind and the empty room releases its bridges', async () => {
    const t = registry();
    t.bridges.delayMs = 5;
    t.part('p1');
    t.mod('m');
    t.leave('p1');
    t.leave('m');
    await t.settle();
    expect(t.bridges.ops.at(-1)).to.equal(`release ${R}`);
    expect(t.rooms.activeRooms).to.equal(0);
  });

  it('a locked room refuses participants ("locked") but lets moderators in', async () => {
    const t = registry('continue', { locked: true, maxParticipants: 10 });
    t.part('p1');
    t.mod('m1');
    t.part('p2');
    await t.settle();
    expect(t.bridges.ops).to.deep.equal(['dismiss p1 conf-locked refused', `live ${R} m1`, 'dismiss p2 conf-locked refused']);
  });

  it('a full room refuses participants saying "full", never "locked"; moderators are never refused', async () => {
    const t = registry('continue', { locked: false, maxParticipants: 2 });
    t.mod('m1');
    t.part('p1');
    t.part('p2');
    t.mod('m2');
    await t.settle();
    expect(t.bridges.ops).to.deep.equal([`live ${R} m1`, `live ${R} p1`, 'dismiss p2 conf-full refused', `live ${R} m2`]);
  });

  it('an operation that never answers (a request lost with the ARI connection) holds the room up only until the guard: the moderator leaving still sends the others back to hold', async () => {
    // The first move into the live bridge never settles; the others answer.
    class OneLostMove extends FakeBridges {
      private lost = false;
      override admitLive(room: string, ids: string[]): Promise<void> {
        if (this.lost) return super.admitLive(room, ids);
        this.lost = true;
        this.ops.push(`live ${room} ${ids.join(',')} (lost)`);
        return new Promise<void>(() => undefined);
      }
    }
    const bridges = new OneLostMove();
    const timers = new SimulatedClock();
    const rooms = new RoomRegistry(bridges, silentLog, { timers, operationGuardMs: 20_000 });
    const info = roomInfo({ number: R, onModeratorLeave: 'wait' });
    rooms.join(info, 'm', 'moderator');
    await flush();
    rooms.join(info, 'p1', 'participant');
    rooms.join(info, 'p2', 'participant');
    await flush();
    rooms.leave(R, 'm');
    await flush();
    // The participants' moves ran beside the lost one; the hold waits for the batch.
    expect(bridges.ops).to.deep.equal([`live ${R} m (lost)`, `live ${R} p1`, `live ${R} p2`]);
    timers.increment(19_999);
    await flush();
    expect(bridges.ops).to.have.length(3);
    timers.increment(1);
    await flush();
    await rooms.settled();
    expect(bridges.ops.slice(3)).to.deep.equal([`hold ${R} p1,p2 conf-waitforleader`]);
    expect(rooms.snapshot(R)).to.deep.include({ state: 'waiting', moderators: [], live: [], waiting: ['p1', 'p2'] });
  });
});
