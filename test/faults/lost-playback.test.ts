// The ARI connection cut while a caller hears the goodbye after three wrong room numbers, over
// real SIP: the goodbye prompt's PlaybackFinished is lost with the connection (or its request
// is cut). The call must still end: hung up within the prompt guard (15 s in tests) once the
// connection is back, its leg closed with reason goodbye. Before, the call waited for ever.
import { expect } from 'chai';
import { startCall } from '../../sipp/caller.js';
import { CALL_MARK_VARIABLE } from '../../bridge/call-marks.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest } from '../support/bridge-fixture.js';
import { CuttableProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

/** Longer than the goodbye prompt (conf-invalid, vm-goodbye: about 3 s): its end falls in the cut. */
const CUT_MS = 6_000;
/** Wrong room numbers, each typed once the "invalid" notice before it has played. */
const WRONG_ROOMS = ['12345678', '11331133', '87654321'];

describe('the ARI connection cut during a goodbye prompt @asterisk', function () {
  this.timeout(180_000);
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

  it('the goodbye whose end was lost still hangs up, and the leg closes with reason goodbye', async () => {
    const room = await bridge.seedRoom();
    const call = startCall({
      target: { host: '127.0.0.1', port: testAsteriskConfig().sipPort },
      dialled: room.tollFree,
      callerNumber: '+15550300000',
      steps: WRONG_ROOMS.flatMap((r) => [{ pauseMs: 3_000 }, { digits: `${r}#` }]),
      hangup: { by: 'far-end', maxWaitMs: 90_000 },
    });
    const channelId = await waitFor('the call in the app', () => bridge.app.router.channelIds()[0], { timeoutMs: 15_000 });
    await waitFor(
      'the caller at the goodbye',
      async () => {
        const mark = await bridge.app.ari.client.channels.getChannelVar({ channelId, variable: CALL_MARK_VARIABLE });
        return mark.value.includes('"goodbye"');
      },
      { timeoutMs: 60_000 },
    );
    proxy.cut();
    await waitFor('the app to see the websocket gone', () => !bridge.app.health().ari.connected);
    await new Promise((r) => setTimeout(r, CUT_MS));
    proxy.restore();
    await waitFor('the websocket back', () => bridge.app.health().ari.connected, { timeoutMs: 60_000 });

    const result = await call.result;
    expect(result).to.include({ answered: true, hungUpBy: 'far-end' });
    const [leg] = await waitFor('the leg closed', async () => {
      const legs = await bridge.db.ledger.legsFor(room.accountId);
      return legs.length === 1 && legs[0]?.endedAt !== null ? legs : null;
    });
    expect(leg?.endReason).to.equal('goodbye');
    await bridge.waitForNothingLeft();
    expect(bridge.app.channelMemory.kept).to.equal(0);
  });
});
