// ARI cut at the two moments whose end event it loses, over real SIP (the app's ARI runs
// through a proxy the test cuts, as in ari-disconnect.test.ts):
//  1. while a caller who typed a wrong room three times hears the goodbye: its PlaybackFinished
//     never comes. The goodbye gives up waiting after its guard and the call is hung up; the leg
//     ends then. Before, the goodbye waited for ever and the caller stayed connected.
//  2. while a conference recording is being stopped: its RecordingFinished never comes. The stop
//     settles after its guard and the room no longer records; once ARI is back the resync stops
//     it in Asterisk for sure, takes the file out and ends the row at the stop. Before, the stop
//     hung and the room said "recording" for 24 h.
import { expect } from 'chai';
import { startCall, type CallHandle, type Step } from '../../sipp/caller.js';
import { enterRoom as enter } from '../support/caller-steps.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, type SeededRoom } from '../support/bridge-fixture.js';
import { CuttableProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';


describe('ARI cut while an end event is awaited @asterisk', function () {
  this.timeout(240_000);
  let proxy: CuttableProxy;
  let bridge: BridgeUnderTest;
  const handles: CallHandle[] = [];

  const call = (room: SeededRoom, pin: string, callerNumber: string, after: Step[] = []): CallHandle => {
    const handle = startCall({
      target: { host: '127.0.0.1', port: testAsteriskConfig().sipPort },
      dialled: room.tollFree,
      callerNumber,
      steps: [...enter(room.roomNumber, pin), ...after],
      hangup: { by: 'far-end', maxWaitMs: 180_000 },
    });
    handles.push(handle);
    return handle;
  };
  const cutAndRestoreAfter = async (ms: number): Promise<void> => {
    proxy.cut();
    await new Promise((r) => setTimeout(r, ms));
    proxy.restore();
    await waitFor('the websocket back', () => bridge.app.health().ari.connected, { timeoutMs: 60_000 });
  };

  beforeEach(async () => {
    proxy = await CuttableProxy.start(testAsteriskConfig().ariPort);
    bridge = await BridgeUnderTest.start(undefined, { ariPort: proxy.port });
  });
  afterEach(async () => {
    for (const h of handles.splice(0)) void h.hangUpNow().catch(() => undefined);
    await bridge?.stop();
    await proxy?.close();
  });

  it('the goodbye\'s end lost: the caller is hung up after the guard, the leg closed at that end, the callers in the room stay', async () => {
    const room = await bridge.seedRoom();
    const moderator = call(room, room.moderatorPin, '+15550800000');
    await bridge.waitForLive(room.roomNumber, 1);
    // A wrong room three times: the bridge says goodbye.
    const wrong = startCall({
      target: { host: '127.0.0.1', port: testAsteriskConfig().sipPort },
      dialled: room.tollFree,
      callerNumber: '+15550800001',
      steps: [{ pauseMs: 300 }, { digits: '12345678#' }, { pauseMs: 1500 }, { digits: '87654321#' }, { pauseMs: 1500 }, { digits: '11111111#' }],
      hangup: { by: 'far-end', maxWaitMs: 180_000 },
    });
    handles.push(wrong);
    await waitFor('the caller in the goodbye', () => bridge.app.router.steps().farewell === 1, { timeoutMs: 30_000, intervalMs: 5 });
    // The goodbye has been asked for (or is about to be): its end is lost with the connection.
    await cutAndRestoreAfter(3_000);

    const left = await wrong.result;
    expect(left, left.log).to.include({ answered: true, hungUpBy: 'far-end' });
    const leg = await waitFor('the caller\'s leg closed', async () => {
      const legs = await bridge.db.ledger.legsFor(room.accountId);
      return legs.find((l) => l.callerNumber === '+15550800001' && l.endedAt !== null) ?? null;
    });
    expect(Math.abs((leg.endedAt ?? 0) - (left.endedAt ?? 0)), 'ledger end vs SIPp BYE (ms)').to.be.below(1_000);
    // The moderator was never dropped.
    expect(await bridge.liveMembers(room.roomNumber)).to.have.length(1);
    expect(await moderator.hangUpNow()).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
  });

  it('a recording\'s end lost while it is stopped: the stop settles, the room no longer records, its row is finished', async () => {
    const room = await bridge.seedRoom();
    const moderator = call(room, room.moderatorPin, '+15550810000');
    await bridge.waitForLive(room.roomNumber, 1);
    const participant = call(room, room.participantPin, '+15550810001');
    await bridge.waitForLive(room.roomNumber, 2);
    expect(await bridge.app.recording.start(room.roomNumber, 'owner')).to.equal(true);
    await new Promise((r) => setTimeout(r, 2_000));

    const cutAt = Date.now();
    proxy.cut();
    const stopped = await bridge.app.recording.stop(room.roomNumber, 'owner');
    const stoppedAt = Date.now();
    expect(stopped).to.equal(true);
    expect(bridge.app.recording.isRecording(room.roomNumber)).to.equal(false);
    proxy.restore();
    await waitFor('the websocket back', () => bridge.app.health().ari.connected, { timeoutMs: 60_000 });
    // The resync after the reconnect stops it in Asterisk for sure and takes the file out.
    const row = await waitFor('the recording row ended', async () => {
      const [r] = await bridge.db.recordings.listForAccount(room.accountId, { limit: 5 });
      return r?.endedAt === null ? null : r;
    }, { timeoutMs: 30_000 });
    expect(row?.stoppedBy).to.equal('owner');
    expect(row?.sizeBytes ?? 0, 'the file taken out of Asterisk').to.be.above(44);
    expect(row?.endedAt ?? 0, 'ended while the stop ran, not at the reconnect').to.be.within(cutAt, stoppedAt);

    // The callers stayed through it; the room records again when asked.
    expect(await bridge.liveMembers(room.roomNumber)).to.have.length(2);
    expect(await bridge.app.recording.start(room.roomNumber, 'owner')).to.equal(true);
    expect(await bridge.app.recording.stop(room.roomNumber, 'owner')).to.equal(true);
    for (const r of await Promise.all([moderator.hangUpNow(), participant.hangUpNow()])) expect(r).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
  });
});
