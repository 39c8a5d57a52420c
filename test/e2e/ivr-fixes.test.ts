// The IVR's forgiving details over real SIP: a mistyped room does not spend the PIN typed
// straight after it as the next room attempt (keys are dropped while the room is checked and
// while "not valid" is said), and '*' starts an entry again without costing an attempt.
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

  it('two mistyped rooms, each with the PIN typed straight after: the third room attempt still gets in', async () => {
    const room = await bridge.seedRoom();
    const wrong = room.roomNumber === '12345674' ? '87654329' : '12345674';
    // conf-invalid lasts about 3.9 s: the next room is typed once it is over, during the room prompt.
    await getsIn(room, [
      { pauseMs: 300 }, { digits: `${wrong}#${room.moderatorPin}#` },
      { pauseMs: 4000 }, { digits: `${wrong}#${room.moderatorPin}#` },
      { pauseMs: 4000 }, { digits: `${room.roomNumber}#` },
      { pauseMs: 300 }, { digits: `${room.moderatorPin}#` },
    ]);
  });

  it("'*' starts the room entry again: the digits before it are forgotten, no attempt spent", async () => {
    const room = await bridge.seedRoom();
    await getsIn(room, [{ pauseMs: 300 }, { digits: `1133*${room.roomNumber}#` }, { pauseMs: 300 }, { digits: `${room.moderatorPin}#` }]);
  });
});
