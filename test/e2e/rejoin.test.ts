// Rejoin where you left, over real SIP (issue 25): a participant mutes themselves (key 1), their
// call drops (SIPp hangs up), and they call back from the same number with the PIN: within the
// window they are muted again, the conference hears them as back (two tones in one playback on
// the live bridge, not the one tone of a new join), and their new leg names the old one on the
// ledger. After the window (shortened to 6 s here; 2 minutes in service) the same is a new join.
// What Asterisk played to the room is seen through a second ARI app subscribed to everything.
import { expect } from 'chai';
import type { Client } from 'ari-client';
import { liveBridgeId } from '../../bridge/room-bridge-ids.js';
import { startCall, type CallHandle, type Step } from '../../sipp/caller.js';
import { sharedAsterisk, testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, TEST_TIMING, type SeededRoom } from '../support/bridge-fixture.js';
import { enterRoom } from '../support/caller-steps.js';
import { startObserverApp } from '../support/playback-observer.js';
import { waitFor } from '../support/wait.js';

const WINDOW_MS = 6_000;
const SETTLE: Step = { pauseMs: 1500 };

/** Each playback Asterisk started on a bridge: its media and the media queued after it. */
async function bridgePlaybacks(): Promise<{ client: Client; plays: Array<{ target: string; media: string; next: string }> }> {
  const { client } = await startObserverApp('rejoin');
  const plays: Array<{ target: string; media: string; next: string }> = [];
  const seen = new Set<string>();
  client.on('PlaybackStarted', (event) => {
    if (seen.has(event.playback.id) || !event.playback.target_uri.startsWith('bridge:')) return;
    seen.add(event.playback.id);
    const next = (event.playback as { next_media_uri?: string }).next_media_uri ?? '';
    plays.push({ target: event.playback.target_uri, media: event.playback.media_uri, next });
  });
  return { client, plays };
}

describe('rejoin where you left, over real SIP @asterisk', function () {
  this.timeout(120_000);
  let bridge: BridgeUnderTest;
  let room: SeededRoom;
  let observer: Awaited<ReturnType<typeof bridgePlaybacks>>;
  const calls: CallHandle[] = [];

  const call = (number: string, pin: string, steps: Step[], hangup: { by: 'caller'; afterMs: number } | { by: 'far-end'; maxWaitMs: number }) => {
    const handle = startCall({ target: { host: '127.0.0.1', port: testAsteriskConfig().sipPort }, dialled: room.tollFree, callerNumber: number, steps: [...enterRoom(room.roomNumber, pin), ...steps], hangup });
    calls.push(handle);
    return handle;
  };
  /** The member of the room on this number, once the room has them. */
  const memberOn = (number: string, not: string[] = []) =>
    waitFor(`a member on ${number}`, () => bridge.app.live.view(room.roomNumber)?.members.find((m) => m.callerNumber?.endsWith(number.slice(-4)) === true && !not.includes(m.channelId)) ?? null, { timeoutMs: 20_000 });
  const legsOf = async (number: string) => (await bridge.db.ledger.legsFor(room.accountId)).filter((e) => e.callerNumber === number && e.roomId !== null);

  before(async () => {
    await sharedAsterisk();
    bridge = await BridgeUnderTest.start(TEST_TIMING, { rejoinWindowMs: WINDOW_MS });
    room = await bridge.seedRoom();
    observer = await bridgePlaybacks();
    call('+15550301000', room.moderatorPin, [], { by: 'far-end', maxWaitMs: 100_000 });
    await bridge.waitForLive(room.roomNumber, 1);
  });
  after(async () => {
    await Promise.all(calls.map((c) => c.hangUpNow().catch(() => undefined)));
    observer?.client.stop();
    await bridge?.stop();
  });

  it('within the window: muted again, heard as back (two tones), the new leg names the dropped one', async () => {
    const number = '+15550301001';
    const first = call(number, room.participantPin, [SETTLE, { digits: '1' }, { pauseMs: 2000 }], { by: 'caller', afterMs: 6_000 });
    const before = await memberOn(number);
    await waitFor('the caller muted', () => (bridge.app.live.view(room.roomNumber)?.members.find((m) => m.channelId === before.channelId)?.muted === true ? true : null), { timeoutMs: 15_000 });
    await first.result;
    await waitFor('the dropped leg closed', async () => ((await legsOf(number)).some((l) => l.endedAt !== null) ? true : null));
    const playsBefore = observer.plays.length;
    call(number, room.participantPin, [], { by: 'far-end', maxWaitMs: 60_000 });
    const back = await memberOn(number, [before.channelId]);
    await waitFor('muted again', () => (bridge.app.live.view(room.roomNumber)?.members.find((m) => m.channelId === back.channelId)?.muted === true ? true : null), { timeoutMs: 10_000 });
    await waitFor('the room heard the rejoin', () => (observer.plays.slice(playsBefore).some((p) => p.target === `bridge:${liveBridgeId(room.roomNumber)}` && p.media === 'sound:beep' && p.next === 'sound:beep') ? true : null), { timeoutMs: 10_000 });
    const legs = await waitFor('the new leg assigned', async () => {
      const l = await legsOf(number);
      return l.length === 2 && l.some((e) => e.rejoinOf !== null) ? l : null;
    });
    const dropped = legs.find((l) => l.rejoinOf === null);
    expect(legs.find((l) => l.rejoinOf !== null)?.rejoinOf).to.equal(dropped?.channelId);
    expect(dropped?.endReason).to.equal('hangup');
  });

  it('after the window: a new join, not muted, one tone, no link', async () => {
    const number = '+15550301002';
    const first = call(number, room.participantPin, [SETTLE, { digits: '1' }, { pauseMs: 1000 }], { by: 'caller', afterMs: 5_000 });
    const before = await memberOn(number);
    await first.result;
    await new Promise((r) => setTimeout(r, WINDOW_MS + 1_500));
    const playsBefore = observer.plays.length;
    call(number, room.participantPin, [], { by: 'far-end', maxWaitMs: 60_000 });
    const again = await memberOn(number, [before.channelId]);
    await waitFor('the room heard a join', () => (observer.plays.slice(playsBefore).some((p) => p.media === 'sound:beep') ? true : null), { timeoutMs: 10_000 });
    expect(observer.plays.slice(playsBefore).filter((p) => p.next === 'sound:beep')).to.deep.equal([]);
    expect(bridge.app.live.view(room.roomNumber)?.members.find((m) => m.channelId === again.channelId)?.muted).to.equal(false);
    const legs = await waitFor('the new leg assigned', async () => {
      const l = await legsOf(number);
      return l.length === 2 ? l : null;
    });
    expect(legs.map((l) => l.rejoinOf)).to.deep.equal([null, null]);
  });
});
