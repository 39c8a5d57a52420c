// The IVR's forgiving details over real SIP: '*' starts an entry again without costing an
// attempt. (Keys typed after a wrong entry while it is being checked are dropped: proven with
// fakes in test/flows/call-machine.test.ts; real keys arrive too slowly to land in that window.)
import { expect } from 'chai';
import { startCall, type Step } from '../../sipp/caller.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, type SeededRoom } from '../support/bridge-fixture.js';

describe('IVR fixes over real SIP @asterisk', function () {
  this.timeout(120_000);
  let bridge: BridgeUnderTest;

  before(async () => {
    bridge = await BridgeUnderTest.start();
  });
  after(async () => {
    await bridge?.stop();
  });

  async function getsIn(room: SeededRoom, steps: Step[]): Promise<void> {
    const call = startCall({ target: { host: '127.0.0.1', port: testAsteriskConfig().sipPort }, dialled: room.tollFree, steps, hangup: { by: 'caller', afterMs: 60_000 } });
    try {
      const members = await bridge.waitForLive(room.roomNumber, 1, 30_000);
      expect(members).to.have.length(1);
    } finally {
      await call.hangUpNow();
      await bridge.waitForNothingLeft();
    }
    const [leg] = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(leg?.role).to.equal('moderator');
  }

  it("'*' starts the room entry again: the digits before it are forgotten, no attempt spent", async () => {
    const room = await bridge.seedRoom();
    await getsIn(room, [{ pauseMs: 300 }, { digits: `1133*${room.roomNumber}#` }, { pauseMs: 300 }, { digits: `${room.moderatorPin}#` }]);
  });
});
