// The ARI websocket cut for 60 s (longer than ari-client's own ~43 s of retries) while callers
// hang up, over real SIP: the app's ARI runs through a proxy the test cuts. When it is back,
// the legs of those who left are closed at their real end (Asterisk's CDR), the moderator who
// left is no longer in the room (a ghost moderator would keep it live: the "wait" policy must
// send the others back to hold), and the callers still there are fine.
import { expect } from 'chai';
import { startCall, type CallHandle } from '../../sipp/caller.js';
import { enterRoom as enter } from '../support/caller-steps.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, type SeededRoom } from '../support/bridge-fixture.js';
import { CuttableProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

const CUT_MS = Number(process.env.TOLLBRIDGE_FAULT_ARI_CUT_MS ?? 60_000);


describe('the ARI websocket cut for 60 s while callers hang up @asterisk', function () {
  this.timeout(CUT_MS + 120_000);
  let proxy: CuttableProxy;
  let bridge: BridgeUnderTest;

  before(async () => {
    proxy = await CuttableProxy.start(testAsteriskConfig().ariPort);
    bridge = await BridgeUnderTest.start(undefined, { ariPort: proxy.port });
  });
  after(async () => {
    await bridge?.stop();
    await proxy?.close();
  });

  it('legs of those who left closed at their real end, the ghost moderator gone, the others back on hold and fine', async () => {
    const room: SeededRoom = await bridge.seedRoom({ policy: 'wait' });
    const call = (pin: string, callerNumber: string): CallHandle =>
      startCall({ target: { host: '127.0.0.1', port: testAsteriskConfig().sipPort }, dialled: room.tollFree, callerNumber, steps: enter(room.roomNumber, pin), hangup: { by: 'far-end', maxWaitMs: CUT_MS + 90_000 } });
    const moderator = call(room.moderatorPin, '+15550200000');
    await bridge.waitForLive(room.roomNumber, 1);
    const participants = [1, 2, 3].map((i) => call(room.participantPin, `+1555020000${i}`));
    await bridge.waitForLive(room.roomNumber, 4);
    const [leaving, ...staying] = participants as [CallHandle, CallHandle, CallHandle];

    proxy.cut();
    await waitFor('the app to see the websocket gone', () => !bridge.app.health().ari.connected);
    const gone = await Promise.all([moderator.hangUpNow(), leaving.hangUpNow()]);
    await new Promise((r) => setTimeout(r, CUT_MS));
    expect(bridge.app.health().ari.connected).to.equal(false);
    proxy.restore();

    await waitFor('the websocket back', () => bridge.app.health().ari.connected, { timeoutMs: 30_000 });
    expect(bridge.app.health().ari.reconnects).to.equal(1);
    // The moderator's departure reaches the room: "wait" sends the two still there back to hold.
    await bridge.waitForHold(room.roomNumber, 2);
    expect(await bridge.liveMembers(room.roomNumber)).to.have.length(0);
    expect(bridge.app.rooms.snapshot(room.roomNumber)).to.include({ state: 'waiting' });
    expect(bridge.app.rooms.snapshot(room.roomNumber)?.moderators).to.deep.equal([]);

    const legs = await waitFor('the two legs of those who left closed', async () => {
      const all = await bridge.db.ledger.legsFor(room.accountId);
      const closed = all.filter((l) => l.endedAt !== null);
      return closed.length === 2 ? closed : null;
    });
    for (const [i, r] of gone.entries()) {
      const leg = legs.find((l) => l.callerNumber === (i === 0 ? '+15550200000' : '+15550200001'));
      expect(r).to.include({ answered: true, hungUpBy: 'caller' });
      expect(Math.abs((leg?.endedAt ?? 0) - (r.endedAt ?? 0)), 'ledger end vs SIPp BYE (ms)').to.be.below(1000);
      const sippSeconds = ((r.endedAt ?? 0) - (r.answeredAt ?? 0)) / 1000;
      expect(leg?.seconds).to.be.within(Math.floor(sippSeconds), Math.ceil(sippSeconds) + 1);
    }

    // Those who stayed were never dropped and hang up normally.
    const stayed = await Promise.all(staying.map((s) => s.hangUpNow()));
    for (const r of stayed) expect(r).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
    const all = await bridge.db.ledger.legsFor(room.accountId);
    expect(all.every((l) => l.endedAt !== null)).to.equal(true);
    // The calls the resync ended (their StasisEnd lost in the cut) left nothing behind either.
    expect(bridge.app.channelMemory.kept, 'entries kept for channels of calls that are over').to.equal(0);
  });
});
