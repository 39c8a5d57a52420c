// How a call's end reaches the leg: a room ending a caller's stay (its policy, a key, the owner,
// the alone limit) tells the call its reason as an event (DISMISSED), and the leg closes with it
// whatever the hang-up brings; a stop or a hang-up while the leg was opening is handled once it is open.
import { expect } from 'chai';
import { CallRouter } from '../../flows/call-router.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

const TOLL_FREE = '+18005550100';
const ROOM = '11331134';
const CH = 'ch-1';

function router() {
  const channel = new FakeChannel();
  const directory = new FakeDirectory();
  const ledger = new FakeLedger();
  const left: string[] = [];
  directory.routes.set(TOLL_FREE, { numberId: 3, e164: TOLL_FREE, kind: 'toll_free', accountId: 7, subscriptionId: 9 });
  directory.rooms.set(ROOM, roomInfo({ number: ROOM }));
  directory.pins.set(1, { moderator: '4321', participant: '1111' });
  const calls = new CallRouter({
    channel, directory, ledger, clock: { now: () => 1_000_000 }, timing: DEFAULT_IVR_TIMING, log: silentLog,
    rooms: { join: () => undefined, leave: (_room, channelId) => left.push(channelId), replace: () => undefined, admitted: () => true },
  });
  return { router: calls, ledger, left, channel };
}

async function callerInRoom() {
  const t = router();
  t.router.callStarted({ channelId: CH, dialled: '18005550100', callerNumber: null });
  await flush();
  for (const k of `${ROOM}#1111#`) t.router.digit(CH, k);
  await flush();
  return t;
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

describe('the end of a call whose leg was still opening (fake ARI, fake database)', () => {
  /** A call whose answer waits until `answer()` is called. */
  async function answering() {
    const t = router();
    let answer: () => void = () => undefined;
    t.channel.answer = () => new Promise<number | null>((resolve) => (answer = () => resolve(null)));
    t.router.callStarted({ channelId: CH, dialled: '18005550100', callerNumber: null });
    await flush();
    return { ...t, answer: async () => {
      answer();
      await flush();
    } };
  }

  it("a stop's drain limit passing meanwhile: once the leg is open the caller hears goodbye and is hung up for the stop", async () => {
    const t = await answering();
    t.router.endAll();
    await t.answer();
    expect(t.ledger.opened).to.have.length(1);
    expect(t.channel.ops.slice(-1)).to.deep.equal([`play ${CH} sound:vm-goodbye`]);
  });

  it('the caller hanging up meanwhile, and a stop too: the leg closes at the hang-up, for the hang-up', async () => {
    const t = await answering();
    t.router.callEnded(CH, 1_000_500);
    t.router.endAll();
    await t.answer();
    expect(t.ledger.closed).to.deep.equal([{ channelId: CH, endedAt: 1_000_500, reason: 'hangup' }]);
    expect(t.channel.plays(CH)).to.deep.equal([]);
  });
});
