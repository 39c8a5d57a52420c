// An answered callback as a call (flows/call/journey.ts callingBack): it claims its booking,
// opens a callback leg on the route of the number the waiting call came in on, hears the
// room's number and joins as a participant without room number or PIN; nothing to claim: hung
// up without a leg; hung up while the leg opened: closed at once.
import { expect } from 'chai';
import { CallRouter } from '../../flows/call-router.js';
import type { CallbackClaims, ClaimedCallback } from '../../flows/ports.js';
import type { JoinDetails } from '../../flows/call/types.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

const ROOM = '11331134';
const CH = 'cb-1';
const CLAIM: ClaimedCallback = {
  room: roomInfo({ number: ROOM, language: 'it' }),
  number: '+15551230001',
  route: { numberId: 3, e164: '+18005550100', kind: 'toll_free', accountId: 7, subscriptionId: 9 },
};

function router(claims: CallbackClaims) {
  const channel = new FakeChannel();
  const ledger = new FakeLedger();
  const joined: Array<{ room: string; channelId: string; role: string; who: JoinDetails | undefined }> = [];
  const calls = new CallRouter({
    channel, directory: new FakeDirectory(), ledger, clock: { now: () => 1_000_000 }, timing: DEFAULT_IVR_TIMING, log: silentLog, callbacks: claims,
    rooms: { join: (room, channelId, role, who) => void joined.push({ room: room.number, channelId, role, who }), leave: () => undefined, replace: () => undefined, admitted: () => true },
  });
  return { router: calls, channel, ledger, joined };
}

describe('an answered callback as a call (fake ARI, fake database)', () => {
  it('claims its booking, opens a callback leg on the waiting call\'s route, hears the room\'s number in its language, and joins as a participant', async () => {
    const claimed: string[] = [];
    const t = router({ claim: async (id) => (claimed.push(id), CLAIM) });
    t.router.callStarted({ channelId: CH, dialled: '', callerNumber: null, callbackId: 'booking-1' });
    await flush();
    expect(claimed).to.deep.equal(['booking-1']);
    expect(t.ledger.opened).to.deep.equal([{ channelId: CH, accountId: 7, subscriptionId: 9, numberId: 3, dialled: '+18005550100', callerNumber: '+15551230001', answeredAt: 1_000_000, legKind: 'callback' }]);
    expect(t.channel.ops).to.include(`speak ${CH} it`);
    expect(t.channel.plays(CH)).to.deep.equal(['sound:conf-enteringno,sound:digits/1,sound:digits/1,sound:digits/3,sound:digits/3,sound:digits/1,sound:digits/1,sound:digits/3,sound:digits/4']);
    expect(t.joined).to.deep.equal([]);
    t.channel.finishPrompts();
    await flush();
    expect(t.joined.map((j) => [j.room, j.channelId, j.role, j.who?.callerNumber])).to.deep.equal([[ROOM, CH, 'participant', '+15551230001']]);
    expect(t.ledger.assigned).to.deep.equal([{ channelId: CH, roomId: 1, role: 'participant' }]);
    expect(t.channel.ops.some((o) => o.startsWith('answer'))).to.equal(false);
  });

  it('nothing to claim (given up, taken, or forged): hung up, no leg', async () => {
    const t = router({ claim: async () => null });
    t.router.callStarted({ channelId: CH, dialled: '', callerNumber: null, callbackId: 'unknown' });
    await flush();
    expect(t.ledger.opened).to.deep.equal([]);
    expect(t.channel.ops).to.include(`hangup ${CH} error`);
    t.router.callEnded(CH, 1_001_000);
    await flush();
    expect(t.ledger.closed).to.deep.equal([]);
    expect(t.router.activeCalls).to.equal(0);
  });

  it('hung up while its leg was opening: the leg closes at the hang-up, and the room never hears of it', async () => {
    let claim: (c: ClaimedCallback) => void = () => undefined;
    const t = router({ claim: () => new Promise<ClaimedCallback>((resolve) => (claim = resolve)) });
    t.router.callStarted({ channelId: CH, dialled: '', callerNumber: null, callbackId: 'booking-1' });
    await flush();
    t.router.callEnded(CH, 1_000_500, 'hangup');
    claim(CLAIM);
    await flush();
    expect(t.ledger.opened).to.have.length(1);
    expect(t.ledger.closed).to.deep.equal([{ channelId: CH, endedAt: 1_000_500, reason: 'hangup' }]);
    expect(t.joined).to.deep.equal([]);
  });
});
