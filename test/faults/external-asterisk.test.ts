// An external Asterisk (TOLLBRIDGE_MANAGE_ASTERISK=no), over real SIP: the app is killed with
// a caller in the room, the caller hangs up while no app is connected, and the app starts again.
// AMI heard nothing of that end (the app was down): the leg must close at the end Asterisk
// recorded in its CEL file (TOLLBRIDGE_CEL_FILE), not at the moment the app came back.
import { expect } from 'chai';
import { instancePaths, LocalAsterisk } from '../../asterisk/local-asterisk.js';
import { celFileOf } from '../../app/calls/bridge-app.js';
import { loadConfig } from '../../config/config.js';
import { startCall } from '../../sipp/caller.js';
import { instanceEnv, SpawnedBridge } from '../support/spawned-bridge.js';
import { waitFor } from '../support/wait.js';

/** How long the app stays down after the caller hung up: well beyond the 1 s a leg may differ. */
const APP_AWAY_MS = 4_000;

describe('an external Asterisk: legs of calls that ended while the app was down @asterisk', function () {
  this.timeout(180_000);
  const bridge = new SpawnedBridge({
    TOLLBRIDGE_MANAGE_ASTERISK: 'no',
    ...instanceEnv('EXT', { instance: 'exttest', sip: '16360', ari: '18488', ami: '16338', rtpStart: '42000', rtpEnd: '42999', app: 'tollbridge-ext' }),
  });
  // The operator's Asterisk: started by the test, never by the app.
  const asterisk = new LocalAsterisk(bridge.config.asterisk);

  before(async () => {
    await asterisk.start();
    bridge.env.TOLLBRIDGE_CEL_FILE = asterisk.paths.celLog;
  });

  after(async () => {
    await bridge.kill9();
    await asterisk.stop();
  });

  it('the app killed, the caller hangs up, the app starts again: the leg closes at the caller\'s real end (CEL file), not at the restart', async () => {
    const room = await bridge.seedRoom('continue');
    await bridge.start();
    const caller = startCall({
      target: { host: '127.0.0.1', port: bridge.config.asterisk.sipPort },
      dialled: room.tollFree,
      callerNumber: '+15550600001',
      steps: [{ pauseMs: 300 }, { digits: `${room.roomNumber}#` }, { pauseMs: 300 }, { digits: `${room.moderatorPin}#` }],
      hangup: { by: 'far-end', maxWaitMs: 120_000 },
    });
    await bridge.waitForMembers(room.roomNumber, 'live', 1);
    await bridge.kill9();
    const result = await caller.hangUpNow();
    expect(result.answered).to.equal(true);
    // The gap is the point of the test: while it lasts no app hears anything of the call.
    await new Promise((r) => setTimeout(r, APP_AWAY_MS));
    await bridge.start();

    const leg = await waitFor('the leg closed', () =>
      bridge.withDb(async (db) => {
        const found = (await db.ledger.legsFor(room.accountId)).find((l) => l.callerNumber === '+15550600001');
        return found?.endedAt !== null && found !== undefined ? found : null;
      }), { timeoutMs: 30_000, intervalMs: 250 });
    const sippEnd = result.endedAt ?? 0;
    expect(Math.abs((leg.endedAt ?? 0) - sippEnd), `leg ended ${(leg.endedAt ?? 0) - sippEnd} ms after SIPp's BYE`).to.be.below(1000);
    const sippSeconds = (sippEnd - (result.answeredAt ?? 0)) / 1000;
    expect(leg.seconds, `SIPp ${sippSeconds} s`).to.be.within(Math.floor(sippSeconds), Math.ceil(sippSeconds) + 1);
    expect(bridge.log).to.not.include('no TOLLBRIDGE_CEL_FILE');
  });
});

describe('which CEL file a resync reads', () => {
  const base = { TOLLBRIDGE_DATA_DIR: '/tmp/tollbridge-cel-choice', TOLLBRIDGE_ASTERISK_INSTANCE: 'celchoice' };

  it('a managed Asterisk: its own instance file', () => {
    const cfg = loadConfig(base).asterisk;
    expect(celFileOf(cfg, undefined)).to.equal(instancePaths(cfg).celLog);
  });

  it('an external Asterisk: none unless TOLLBRIDGE_CEL_FILE names one (then that file, resolved)', () => {
    expect(celFileOf(loadConfig({ ...base, TOLLBRIDGE_MANAGE_ASTERISK: 'no' }).asterisk, undefined)).to.equal(null);
    expect(celFileOf(loadConfig({ ...base, TOLLBRIDGE_MANAGE_ASTERISK: 'no', TOLLBRIDGE_CEL_FILE: '/mnt/asterisk-log/cel.json' }).asterisk, undefined)).to.equal('/mnt/asterisk-log/cel.json');
  });
});
