import { expect } from 'chai';
import { RoomRegistry } from '../../flows/room-registry.js';
import type { CallbackBooking } from '../../flows/room-context.js';
import type { CallbackPolicy } from '../../domain/callback.js';
import { FakeBridges, flush, roomInfo, silentLog } from '../support/fakes.js';

const R = '11331134';
const POLICY: CallbackPolicy = { trunk: '127.0.0.1:5090', denyPrefixes: ['+1900'], blocked: ['+15550000666'], answerTimeoutMs: 30_000 };

/** A room with fake bridges, a recording desk and members port; `then` of each hold is kept. */
function room(over: { callbackEnabled?: boolean; policy?: CallbackPolicy } = {}) {
  const bridges = new FakeBridges();
  const offers: Array<{ id: string; then: string[] }> = [];
  const told: string[] = [];
  const booked: CallbackBooking[] = [];
  const placed: string[] = [];
  const rooms = new RoomRegistry(
    { ...bridges, admitLive: (r, ids) => bridges.admitLive(r, ids), dismiss: (ids, p, reason) => bridges.dismiss(ids, p, reason), release: (r) => bridges.release(r),
      hold: (r, ids, prompt, then) => {
        for (const id of ids) offers.push({ id, then: then ?? [] });
        return bridges.hold(r, ids, prompt);
      } },
    silentLog,
    {
      callbackPolicy: over.policy ?? POLICY,
      callbacks: { book: (_room, b) => booked.push(b), place: (r) => placed.push(r) },
      members: { mute: async () => undefined, tell: async (ids, media) => void told.push(`${ids.join(',')} ${media.join(' ')}`) },
    },
  );
  const info = roomInfo({ number: R, callbackEnabled: over.callbackEnabled ?? true });
  return {
    bridges, offers, told, booked, placed, rooms,
    part: (id: string, number: string | null) => rooms.join(info, id, 'participant', { callerNumber: number, dialled: '+18005550100' }),
    mod: (id: string) => rooms.join(info, id, 'moderator', { callerNumber: '+15550009999', dialled: '+18005550100' }),
    key: (id: string, digit: string) => rooms.key(R, id, digit),
    settle: async () => {
      await flush();
      await rooms.settled();
    },
  };
}

describe('call me back: the room\'s part (fake bridges and desk)', () => {
  it('a waiting participant hears the offer once; key 7 books their own number and ends the waiting call (callback); the moderator\'s arrival dials the room\'s bookings', async () => {
    const t = room();
    t.part('p1', '+15551230001');
    await t.settle();
    expect(t.offers).to.deep.equal([{ id: 'p1', then: ['vm-tocallback', 'vm-press', 'digits/7'] }]);
    t.key('p1', '7');
    await t.settle();
    expect(t.booked).to.have.length(1);
    expect(t.booked[0]).to.include({ channelId: 'p1', number: '+15551230001', dialled: '+18005550100' });
    expect(t.bridges.ops).to.include(`dismiss p1 auth-thankyou callback`);
    // The waiting call's LEAVE follows its hang-up: the room empties and is forgotten; the desk keeps the booking.
    t.rooms.leave(R, 'p1');
    await t.settle();
    expect(t.placed).to.deep.equal([]);
    t.mod('m');
    await t.settle();
    expect(t.placed).to.deep.equal([R]);
  });

  it('a second press in the same wait is refused (not available), and so is a press by a caller in the conference or a moderator', async () => {
    const t = room();
    t.part('p1', '+15551230001');
    await t.settle();
    t.key('p1', '7');
    t.key('p1', '7');
    await t.settle();
    expect(t.booked).to.have.length(1);
    expect(t.told).to.deep.equal(['p1 sound:feature-not-avail-line']);
    t.mod('m');
    t.part('p2', '+15551230002');
    await t.settle();
    t.key('p2', '7');
    t.key('m', '7');
    await t.settle();
    expect(t.booked).to.have.length(1);
    expect(t.told).to.deep.equal(['p1 sound:feature-not-avail-line', 'p2 sound:feature-not-avail-line']);
  });

  it('withheld, premium, blocked and non-dialable numbers are neither offered nor booked; nor is anyone in a room that switched it off or on a bridge without a trunk', async () => {
    for (const [number, over] of [
      [null, {}], ['anonymous', {}], ['+19005551234', {}], ['+15550000666', {}], ['1234', {}],
      ['+15551230001', { callbackEnabled: false }], ['+15551230001', { policy: { ...POLICY, trunk: null } }],
    ] as const) {
      const t = room(over);
      t.part('p1', number);
      await t.settle();
      expect(t.offers, String(number)).to.deep.equal([{ id: 'p1', then: [] }]);
      t.key('p1', '7');
      await t.settle();
      expect(t.booked, String(number)).to.deep.equal([]);
      expect(t.told, String(number)).to.deep.equal(['p1 sound:feature-not-avail-line']);
    }
  });
});
