// "Call me back when the moderator arrives", over real SIP (issue 25): a participant waiting on
// hold presses 7, hears "thank you" and is hung up (leg reason `callback`); when the moderator
// arrives the bridge dials the participant's own number through the outbound trunk, where a
// SIPp UAS plays the phone; the answered callback joins the live conference as a participant
// without a PIN, on a leg of its own (kind `callback`, at the callback rate, charged to the
// account that pays for the number the participant dialled). Abuse: a withheld number and a
// premium number are refused (they keep waiting, nothing is dialled); a callback nobody answers
// is given up after the answer time, with no leg; digits typed after the key choose no other
// number, and a second press in the same wait books nothing more.
import { expect } from 'chai';
import { startCall, type CallHandle, type Step } from '../../sipp/caller.js';
import { sharedAsterisk, testAsteriskConfig, TEST_CALLBACK_PORT } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, TEST_TIMING, type SeededRoom } from '../support/bridge-fixture.js';
import { enterRoom } from '../support/caller-steps.js';
import { startPhone, type SippPhone } from '../support/sipp-phone.js';
import { waitFor } from '../support/wait.js';

/** conf-waitforleader, then "to call back, press 7": the key comes after the offer began. */
const AFTER_OFFER: Step = { pauseMs: 5000 };

describe('call me back when the moderator arrives, over real SIP @asterisk', function () {
  this.timeout(150_000);
  let bridge: BridgeUnderTest;
  const calls: CallHandle[] = [];
  const phones: SippPhone[] = [];

  const call = (room: SeededRoom, number: string, pin: string, steps: Step[], hangup: { by: 'caller'; afterMs: number } | { by: 'far-end'; maxWaitMs: number }) => {
    const handle = startCall({ target: { host: '127.0.0.1', port: testAsteriskConfig().sipPort }, dialled: room.tollFree, callerNumber: number, steps: [...enterRoom(room.roomNumber, pin), ...steps], hangup });
    calls.push(handle);
    return handle;
  };
  const phone = async (answers: boolean) => {
    const p = await startPhone({ port: TEST_CALLBACK_PORT, answers, stayMs: 60_000 });
    phones.push(p);
    return p;
  };
  const legsOn = async (room: SeededRoom, number: string) => (await bridge.db.ledger.legsFor(room.accountId)).filter((e) => e.callerNumber === number);

  before(async () => {
    await sharedAsterisk();
    bridge = await BridgeUnderTest.start(TEST_TIMING, {
      callbacks: { trunk: `127.0.0.1:${TEST_CALLBACK_PORT}`, denyPrefixes: ['+1900'], blocked: [], answerTimeoutMs: 6_000 },
    });
  });
  afterEach(async () => {
    await Promise.all(calls.splice(0).map((c) => c.hangUpNow().catch(() => undefined)));
    for (const p of phones.splice(0)) p.stop();
    // A callback a failed test left up: its phone is gone without a BYE.
    const left = await bridge.app.ari.client.channels.list();
    await Promise.all(left.map((c) => bridge.app.ari.client.channels.hangup({ channelId: c.id }).catch(() => undefined)));
    await bridge.waitForNothingLeft(20_000);
  });
  after(async () => {
    await bridge?.stop();
  });

  it('a waiting participant presses 7, is hung up, and is called back into the conference when the moderator arrives: a callback leg at its rate', async () => {
    const room = await bridge.seedRoom();
    const number = '+15550401001';
    const ringing = await phone(true);
    // Abuse on the way: another number typed after the key, and the key again in the same wait.
    const waiting = call(room, number, room.participantPin, [AFTER_OFFER, { digits: '715559998888#7' }], { by: 'far-end', maxWaitMs: 40_000 });
    await bridge.waitForHold(room.roomNumber, 1);
    const asked = await waiting.result;
    expect(asked.hungUpBy, asked.log).to.equal('far-end');
    const [first] = await waitFor('the waiting leg closed', async () => {
      const legs = (await legsOn(room, number)).filter((l) => l.endedAt !== null);
      return legs.length === 1 ? legs : null;
    });
    expect(first?.endReason).to.equal('callback');
    expect(first?.legKind).to.equal('inbound');
    expect(ringing.numbersCalled(), 'nothing dialled before the moderator').to.deep.equal([]);

    call(room, '+15550401999', room.moderatorPin, [], { by: 'far-end', maxWaitMs: 60_000 });
    // The moderator, then the callback answered by the phone.
    const live = await bridge.waitForLive(room.roomNumber, 2, 30_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\nphone: ${ringing.log()}`);
    });
    // Only the caller's own number, once.
    expect(ringing.numbersCalled()).to.deep.equal([number]);
    expect(ringing.answered()).to.equal(true);
    const callback = await waitFor('the callback leg in the room', async () => {
      const legs = (await legsOn(room, number)).filter((l) => l.legKind === 'callback' && l.roomId !== null);
      return legs.length === 1 ? legs[0] : null;
    });
    expect(live).to.include(callback?.channelId);
    expect(callback?.role).to.equal('participant');
    expect(callback?.dialled).to.equal(room.tollFree);
    expect(callback?.ratePerMinuteMicros).to.equal(30_000);

    // The phone hangs up (Asterisk ends the channel as a far end's BYE would), then the moderator.
    await bridge.app.ari.client.channels.hangup({ channelId: callback?.channelId ?? '' });
    await Promise.all(calls.splice(0).map((c) => c.hangUpNow().catch(() => undefined)));
    const closed = await waitFor('the callback leg closed', async () => {
      const legs = (await legsOn(room, number)).filter((l) => l.legKind === 'callback' && l.endedAt !== null);
      return legs.length === 1 ? legs[0] : null;
    }, { timeoutMs: 20_000 });
    expect(closed?.amountMicros).to.equal(30_000); // one started minute at 0.03
  });

  it('withheld and premium numbers are refused: they hear it is not available and keep waiting; nothing is dialled', async () => {
    const room = await bridge.seedRoom();
    const ringing = await phone(true);
    call(room, 'anonymous', room.participantPin, [AFTER_OFFER, { digits: '7' }], { by: 'far-end', maxWaitMs: 30_000 });
    call(room, '+19005550123', room.participantPin, [AFTER_OFFER, { digits: '7' }], { by: 'far-end', maxWaitMs: 30_000 });
    await bridge.waitForHold(room.roomNumber, 2);
    // Past both presses and the refusal prompt: still both on hold.
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    expect(await bridge.holdMembers(room.roomNumber)).to.have.length(2);
    call(room, '+15550402999', room.moderatorPin, [], { by: 'far-end', maxWaitMs: 60_000 });
    await bridge.waitForLive(room.roomNumber, 3);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(ringing.numbersCalled()).to.deep.equal([]);
    const legs = await bridge.db.ledger.legsFor(room.accountId);
    expect(legs.filter((l) => l.legKind === 'callback')).to.deep.equal([]);
  });

  it('a callback nobody answers is given up after the answer time: no leg, and the phone rang out', async () => {
    const room = await bridge.seedRoom();
    const number = '+15550403001';
    const ringing = await phone(false);
    const waiting = call(room, number, room.participantPin, [AFTER_OFFER, { digits: '7' }], { by: 'far-end', maxWaitMs: 40_000 });
    await waiting.result;
    call(room, '+15550403999', room.moderatorPin, [], { by: 'far-end', maxWaitMs: 60_000 });
    await bridge.waitForLive(room.roomNumber, 1);
    await waitFor('the phone rang and was cancelled', () => (/CANCELLED/.test(ringing.log()) ? true : null), { timeoutMs: 20_000 }).catch((err: unknown) => {
      throw new Error(`${String(err)}\nphone: ${ringing.log()}`);
    });
    expect(ringing.numbersCalled()).to.deep.equal([number]);
    expect((await legsOn(room, number)).filter((l) => l.legKind === 'callback')).to.deep.equal([]);
  });
});
