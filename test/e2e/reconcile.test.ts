// `tollbridge ledger reconcile` over real SIP: calls placed into the real Asterisk leave legs
// that match Asterisk's own CEL record (clean, exit 0); then the ledger is damaged in the
// three ways it can be (a leg Asterisk never saw, a leg closed at a wrong end, an answered
// call with no leg) and each is reported (exit 3). Runs the CLI as a process, as CI will.
import { PUBLIC_TEST_DATA_KEY } from '../../config/data-key.js';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { instancePaths } from '../../asterisk/local-asterisk.js';
import { repoRoot } from '../../config/paths.js';
import { AmiCallRecords, CelFileCallRecords } from '../../reconcile/call-records.js';
import { LegClosed } from '../../domain/errors.js';
import { placeCall, startCall, type CallOptions, type Step } from '../../sipp/caller.js';
import { enterRoom as enter } from '../support/caller-steps.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, type SeededRoom } from '../support/bridge-fixture.js';
import { testDatabaseUrl } from '../support/db-fixture.js';
import { waitFor } from '../support/wait.js';

const target = () => ({ host: '127.0.0.1', port: testAsteriskConfig().sipPort });


function call(seeded: SeededRoom, steps: Step[], hangup: CallOptions['hangup']): CallOptions {
  return { target: target(), dialled: seeded.tollFree, steps, hangup };
}

interface ReconcileJson {
  clean: boolean;
  legsChecked: number;
  asteriskCallsChecked: number;
  differences: Array<{ kind: string; channelId: string; delta?: number }>;
}

const dbUrl = (bridge: BridgeUnderTest) => testDatabaseUrl(bridge.db);

/** The spawned CLI reads the test database's personal fields with the tests' data key. */
function cliEnv(): NodeJS.ProcessEnv {
  return { ...process.env, TOLLBRIDGE_DATA_KEY: PUBLIC_TEST_DATA_KEY, TOLLBRIDGE_DEV_MODE: 'yes' };
}

function runReconcile(bridge: BridgeUnderTest, from: number): { status: number | null; report: ReconcileJson; stderr: string } {
  const cli = path.join(repoRoot(), 'dist', 'cli', 'main.js');
  const args = [cli, 'ledger', 'reconcile', '--db', dbUrl(bridge), '--from', new Date(from).toISOString(), '--asterisk-instance', testAsteriskConfig().instance, '--json'];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...cliEnv(), TOLLBRIDGE_LOG_LEVEL: 'silent' } });
  let report: ReconcileJson;
  try {
    report = JSON.parse(run.stdout) as ReconcileJson;
  } catch {
    throw new Error(`reconcile printed no JSON (exit ${String(run.status)}): ${run.stdout}\n${run.stderr}`);
  }
  return { status: run.status, report, stderr: run.stderr };
}

describe('tollbridge ledger reconcile against Asterisk CEL, over real SIP @asterisk', function () {
  this.timeout(180_000);
  let bridge: BridgeUnderTest;

  before(async () => {
    bridge = await BridgeUnderTest.start();
    bridge.skipReconcile = true; // this file damages its ledger on purpose
  });
  after(async () => {
    await bridge?.stop();
  });

  it("Asterisk's record of a call's end, over AMI (CEL events) and from the CEL file, is the leg's end", async () => {
    const room = await bridge.seedRoom();
    await bridge.app.ami.ready(10_000);
    const overAmi = new AmiCallRecords(bridge.app.ami); // hears CEL events from now on
    const result = await placeCall(call(room, [{ pauseMs: 300 }], { by: 'caller', afterMs: 1500 }));
    expect(result).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
    const [leg] = await bridge.db.ledger.legsFor(room.accountId, {});
    const channelId = leg?.channelId ?? '';
    const viaAmi = await waitFor('the HANGUP over AMI', () => overAmi.endOf(channelId));
    const fromFile = await waitFor('the HANGUP in the CEL file', () => new CelFileCallRecords(instancePaths(testAsteriskConfig()).celLog).endOf(channelId));
    const asTheAppAsks = await bridge.app.callRecords.endOf(channelId);
    for (const end of [viaAmi, fromFile, asTheAppAsks ?? 0]) expect(Math.abs(end - (leg?.endedAt ?? 0))).to.be.below(50);
    expect(await bridge.app.callRecords.endOf(`${testAsteriskConfig().systemName}-1.1`)).to.equal(null);
  });

  it('calls into a room and one abandoned in the IVR: clean, exit 0; then every kind of damage is reported, exit 3', async () => {
    const from = Date.now();
    const room = await bridge.seedRoom();
    const moderator = startCall(call(room, enter(room.roomNumber, room.moderatorPin), { by: 'far-end', maxWaitMs: 60_000 }));
    await bridge.waitForLive(room.roomNumber, 1);
    const participant = startCall(call(room, enter(room.roomNumber, room.participantPin), { by: 'far-end', maxWaitMs: 60_000 }));
    await bridge.waitForLive(room.roomNumber, 2);
    const abandoned = await placeCall(call(room, [{ pauseMs: 300 }, { digits: '12' }], { by: 'caller', afterMs: 1800 }));
    expect(abandoned).to.include({ answered: true, hungUpBy: 'caller' });
    await Promise.all([participant, moderator].map((c) => c.hangUpNow()));
    await bridge.waitForNothingLeft();
    expect(await bridge.db.ledger.legsFor(room.accountId, {})).to.have.length(3);

    // Asterisk may write its last HANGUP lines a moment after the call is gone.
    const clean = await waitFor('a clean reconciliation', () => {
      const run = runReconcile(bridge, from);
      return run.status === 0 ? run : null;
    }, { timeoutMs: 10_000, intervalMs: 500 });
    expect(clean.report).to.include({ clean: true, legsChecked: 3, asteriskCallsChecked: 3 });

    // 1. A leg Asterisk never saw, inserted through the repository.
    const [number] = await bridge.db.numbers.list();
    const sub = (await bridge.db.numbers.subscriptionsFor(room.accountId))[0];
    const ghost = `${testAsteriskConfig().systemName}-1000000000.99999`;
    await bridge.db.ledger.openLeg({ channelId: ghost, accountId: room.accountId, subscriptionId: sub?.id ?? 0, numberId: number?.id ?? 0, dialled: room.tollFree, callerNumber: null, answeredAt: Date.now() - 500 });

    // 2. A call whose close never reached the database, then closed by hand at a wrong end.
    const closeLeg = bridge.db.ledger.closeLeg.bind(bridge.db.ledger);
    bridge.db.ledger.closeLeg = async () => {
      throw new LegClosed('test: the close is lost');
    };
    const lostClose = await placeCall(call(room, [{ pauseMs: 300 }], { by: 'caller', afterMs: 4000 }));
    await bridge.waitForNothingLeft();
    bridge.db.ledger.closeLeg = closeLeg;
    const open = (await bridge.db.ledger.openLegs()).find((l) => l.channelId !== ghost);
    expect(open, 'the leg left open').to.not.equal(undefined);
    const openId = open?.channelId ?? '';
    const stillOpen = runReconcile(bridge, from);
    expect(stillOpen.report.differences.map((d) => `${d.kind} ${d.channelId}`)).to.include(`still-open ${openId}`);
    // Three seconds early (a time in the future would be refused).
    const wrongEnd = new Date((lostClose.endedAt ?? 0) - 3000).toISOString();
    const close = spawnSync(process.execPath, [path.join(repoRoot(), 'dist', 'cli', 'main.js'), 'ledger', 'close', openId, '--ended-at', wrongEnd, '--db', dbUrl(bridge)], { encoding: 'utf8', env: cliEnv() });
    expect(close.status, close.stderr).to.equal(0);

    // 3. An answered call whose leg never reached the database.
    const openLeg = bridge.db.ledger.openLeg.bind(bridge.db.ledger);
    bridge.db.ledger.openLeg = async () => {
      throw new LegClosed('test: the open is lost');
    };
    await placeCall(call(room, [{ pauseMs: 300 }], { by: 'caller', afterMs: 1000 }));
    await bridge.waitForNothingLeft();
    bridge.db.ledger.openLeg = openLeg;
    const unmetered = (await waitFor('the unmetered call in the CEL log', () => {
      const run = runReconcile(bridge, from);
      return run.report.differences.find((d) => d.kind === 'missing-in-ledger') ?? null;
    }, { timeoutMs: 10_000, intervalMs: 500 })).channelId;

    const damaged = runReconcile(bridge, from);
    expect(damaged.status).to.equal(3);
    const kinds = damaged.report.differences.map((d) => `${d.kind} ${d.channelId}`).sort();
    expect(kinds).to.deep.equal([`end-differs ${openId}`, `missing-in-asterisk ${ghost}`, `missing-in-ledger ${unmetered}`, `seconds-differ ${openId}`].sort());
    const end = damaged.report.differences.find((d) => d.kind === 'end-differs');
    expect(end?.delta).to.be.within(-3500, -2500);
  });
});
