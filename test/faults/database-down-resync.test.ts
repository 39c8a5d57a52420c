// The database down while the app resynchronises with Asterisk, over real SIP: ARI is cut for a
// few seconds (through a proxy the test cuts) so that a resync follows the reconnect, and the
// caller path's database reads fail until the test brings the database back. Meanwhile a caller
// hangs up. The resync fails and is tried again; the callers in the room are never refused or
// asked for their room again (a database error is not "room not found"), and once the database
// answers the resync closes the leg of the one who left at its real end.
import { expect } from 'chai';
import { startCall, type CallHandle } from '../../sipp/caller.js';
import { enterRoom as enter } from '../support/caller-steps.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, type SeededRoom } from '../support/bridge-fixture.js';
import { CuttableProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';


describe('the database down while the app resynchronises @asterisk', function () {
  this.timeout(180_000);
  let proxy: CuttableProxy;
  let bridge: BridgeUnderTest;
  let databaseDown = false;

  before(async () => {
    proxy = await CuttableProxy.start(testAsteriskConfig().ariPort);
    bridge = await BridgeUnderTest.start(undefined, { ariPort: proxy.port, databaseDown: () => databaseDown });
  });
  after(async () => {
    databaseDown = false;
    await bridge?.stop();
    await proxy?.close();
  });

  it('the resync waits for the database: callers stay in the room, the leg of the one who left closes at its real end once it answers', async () => {
    const room: SeededRoom = await bridge.seedRoom({ policy: 'wait' });
    const call = (pin: string, callerNumber: string): CallHandle =>
      startCall({ target: { host: '127.0.0.1', port: testAsteriskConfig().sipPort }, dialled: room.tollFree, callerNumber, steps: enter(room.roomNumber, pin), hangup: { by: 'far-end', maxWaitMs: 150_000 } });
    const moderator = call(room.moderatorPin, '+15550900000');
    await bridge.waitForLive(room.roomNumber, 1);
    const staying = call(room.participantPin, '+15550900001');
    const leaving = call(room.participantPin, '+15550900002');
    await bridge.waitForLive(room.roomNumber, 3);

    databaseDown = true;
    proxy.cut();
    await waitFor('the app to see the websocket gone', () => !bridge.app.health().ari.connected);
    const left = await leaving.hangUpNow();
    await new Promise((r) => setTimeout(r, 2_000));
    proxy.restore();
    await waitFor('the websocket back', () => bridge.app.health().ari.connected, { timeoutMs: 60_000 });

    // Several attempts fail meanwhile; nobody is refused, dismissed or sent back to the IVR.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await bridge.liveMembers(room.roomNumber)).to.have.length(2);
    // The one who left is still a call in the room for the app (its end was lost with ARI) until a resync succeeds.
    const steps = bridge.app.router.steps();
    expect(steps['in-room'], 'calls in the room').to.equal(3);
    expect(steps['room-number'] + steps.farewell, 'calls sent back to the IVR or ended').to.equal(0);
    expect(bridge.app.rooms.snapshot(room.roomNumber)).to.include({ state: 'live' });
    const open = (await bridge.db.ledger.legsFor(room.accountId)).filter((l) => l.endedAt === null);
    expect(open, 'the leaving caller\'s leg still open while the database is down').to.have.length(3);

    databaseDown = false;
    const leg = await waitFor('the leaving caller\'s leg closed', async () => {
      const legs = await bridge.db.ledger.legsFor(room.accountId);
      return legs.find((l) => l.callerNumber === '+15550900002' && l.endedAt !== null) ?? null;
    }, { timeoutMs: 30_000 });
    expect(Math.abs((leg.endedAt ?? 0) - (left.endedAt ?? 0)), 'ledger end vs SIPp BYE (ms)').to.be.below(1_000);
    expect(await bridge.liveMembers(room.roomNumber)).to.have.length(2);

    for (const r of await Promise.all([staying.hangUpNow(), moderator.hangUpNow()])) expect(r).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
  });
});
