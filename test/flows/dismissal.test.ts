// A room ending a caller's stay (its policy, a key, the owner, the alone limit) tells the call
// its reason as an event (DISMISSED): the leg closes with it, whatever the hang-up brings.
import { expect } from 'chai';
import { CallRouter } from '../../flows/call-router.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

const TOLL_FREE = '+18005550100';
const ROOM = '11331134';
const CH = 'ch-1';

async function callerInRoom() {
  const channel = new FakeChannel();
  const directory = new FakeDirectory();
  const ledger = new FakeLedger();
  const left: string[] = [];
  directory.routes.set(TOLL_FREE, { numberId: 3, e164: TOLL_FREE, kind: 'toll_free', accountId: 7, subscriptionId: 9 });
  directory.rooms.set(ROOM, roomInfo({ number: ROOM }));
  directory.pins.set(1, { moderator: '4321', participant: '1111' });
  const router = new CallRouter({
    channel, directory, ledger, clock: { now: () => 1_000_000 }, timing: DEFAULT_IVR_TIMING, log: silentLog,
    rooms: { join: () => undefined, leave: (_room, channelId) => left.push(channelId), replace: () => undefined, admitted: () => true },
  });
  router.callStarted({ channelId: CH, dialled: '18005550100', callerNumber: null });
  await flush();
  for (const k of `${ROOM}#1111#`) router.digit(CH, k);
  await flush();
  return { router, ledger, left };
}

describe('dismissal by the room (fake ARI, fake database)', () => {
  it('the room removes the caller: the leg closes with "removed" though the hang-up brings no reason', async () => {
    const t = await callerInRoom();
    t.router.dismissed(CH, 'removed');
    t.router.callEnded(CH, 1_060_000);
    await flush();
    expect(t.ledger.closed).to.deep.equal([{ channelId: CH, endedAt: 1_060_000, reason: 'removed' }]);
    expect(t.left).to.deep.equal([CH]);
  });

  it('the first dismissal is the reason: a later one, or the hang-up\'s own, does not replace it', async () => {
    const t = await callerInRoom();
    t.router.dismissed(CH, 'moderator-left');
    t.router.dismissed(CH, 'ended');
    t.router.callEnded(CH, 1_060_000, 'hangup');
    await flush();
    expect(t.ledger.closed).to.deep.equal([{ channelId: CH, endedAt: 1_060_000, reason: 'moderator-left' }]);
  });
});
