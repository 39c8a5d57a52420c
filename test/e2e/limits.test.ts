// Limits and checked bridge operations over real SIP: SIPp callers into a real Asterisk 22
// started for this file with short limits (RTP timeout 4 s, forced session timers), the real
// app with short stay limits, a real database. Assertions are on what SIPp records (who hung
// up), what Asterisk reports through ARI (bridge membership, prompts played) and ledger rows
// (end reasons).
//
// Its own Asterisk instance, on ports movable by TOLLBRIDGE_TEST_LIMITS_* (defaults clear of
// the shared `test` instance and of start-process.test.ts's `starttest`).
import { expect } from 'chai';
import type { Client } from 'ari-client';
import { pino } from 'pino';
import { connectAri } from '../../bridge/ari-session.js';
import { loadConfig, type AsteriskConfig } from '../../config/config.js';
import { LocalAsterisk } from '../../asterisk/local-asterisk.js';
import { liveBridgeId } from '../../bridge/room-bridge-ids.js';
import { type ConferenceBridges } from '../../flows/ports.js';
import { DEFAULT_CALL_LIMITS, type CallLimits } from '../../domain/limits.js';
import type { LedgerEntry } from '../../db/index.js';
import { startCall, type CallHandle, type CallOptions, type Step } from '../../sipp/caller.js';
import { BridgeUnderTest, TEST_TIMING, type SeededRoom } from '../support/bridge-fixture.js';
import { waitFor } from '../support/wait.js';

const RTP_TIMEOUT_S = 4;

function limitsAsteriskConfig(): AsteriskConfig {
  const env = process.env;
  return loadConfig({
    ...env,
    TOLLBRIDGE_ASTERISK_INSTANCE: env.TOLLBRIDGE_TEST_LIMITS_INSTANCE ?? 'limitstest',
    TOLLBRIDGE_SIP_PORT: env.TOLLBRIDGE_TEST_LIMITS_SIP_PORT ?? '17160',
    TOLLBRIDGE_ARI_PORT: env.TOLLBRIDGE_TEST_LIMITS_ARI_PORT ?? '18298',
    TOLLBRIDGE_AMI_PORT: env.TOLLBRIDGE_TEST_LIMITS_AMI_PORT ?? '17138',
    TOLLBRIDGE_RTP_START: env.TOLLBRIDGE_TEST_LIMITS_RTP_START ?? '41000',
    TOLLBRIDGE_RTP_END: env.TOLLBRIDGE_TEST_LIMITS_RTP_END ?? '41999',
    TOLLBRIDGE_ARI_APP: env.TOLLBRIDGE_TEST_LIMITS_ARI_APP ?? 'tollbridge-limitstest',
    TOLLBRIDGE_RTP_TIMEOUT_S: String(RTP_TIMEOUT_S),
    TOLLBRIDGE_SESSION_TIMERS: 'forced',
    TOLLBRIDGE_SESSION_EXPIRES_S: '90',
  }).asterisk;
}

/** Room number then PIN, each ended by '#'. */
function enter(room: string, pin: string): Step[] {
  return [{ pauseMs: 300 }, { digits: `${room}#` }, { pauseMs: 300 }, { digits: `${pin}#` }];
}

/**
 * An ARI observer of its own (another app, subscribed to everything), so what the test sees does
 * not depend on the event types the app itself asks Asterisk for.
 */
async function ariObserver(cfg: AsteriskConfig): Promise<Client> {
  const client = await connectAri(`http://${cfg.host}:${cfg.ariPort}`, cfg.ariUser, cfg.ariPassword, pino({ level: 'silent' }));
  const app = `${cfg.ariApp}-observer`;
  await client.start(app, true);
  await waitFor('the observer app registered', async () => client.applications.get({ applicationName: app }).then(() => true, () => false));
  return client;
}

/** Prompts Asterisk started, per channel, as ARI reports them (PlaybackStarted / PlaybackContinuing). */
function recordPrompts(client: Client): Map<string, string[]> {
  const heard = new Map<string, string[]>();
  const note = (target: string | undefined, media: string | undefined) => {
    if (target === undefined || media === undefined || !target.startsWith('channel:')) return;
    const channelId = target.slice('channel:'.length);
    heard.set(channelId, [...(heard.get(channelId) ?? []), media]);
  };
  client.on('PlaybackStarted', (event) => note(event.playback.target_uri, event.playback.media_uri));
  client.on('PlaybackContinuing', (event) => note(event.playback.target_uri, event.playback.media_uri));
  return heard;
}

describe('limits and checked bridge operations over real SIP @asterisk', function () {
  this.timeout(180_000);
  const cfg = limitsAsteriskConfig();
  let asterisk: LocalAsterisk;
  let observer: Client | undefined;
  let bridge: BridgeUnderTest | undefined;
  let prompts = new Map<string, string[]>();

  const target = () => ({ host: '127.0.0.1', port: cfg.sipPort });
  let calls: CallHandle[] = [];
  const call = (room: SeededRoom, pin: string, callerNumber: string, extra: Partial<CallOptions> = {}): CallHandle => {
    const handle = startCall({ target: target(), dialled: room.tollFree, callerNumber, steps: enter(room.roomNumber, pin), hangup: { by: 'far-end', maxWaitMs: 60_000 }, ...extra });
    calls.push(handle);
    return handle;
  };

  async function startBridge(limits: Partial<CallLimits>, wrapBridges?: (b: ConferenceBridges) => ConferenceBridges): Promise<BridgeUnderTest> {
    bridge = await BridgeUnderTest.start(TEST_TIMING, {
      asterisk: { cfg, running: asterisk },
      limits: { ...DEFAULT_CALL_LIMITS, placementMs: 2_000, ...limits },
      ...(wrapBridges === undefined ? {} : { wrapBridges }),
    });
    prompts.clear();
    return bridge;
  }

  const legOf = async (room: SeededRoom, callerNumber: string): Promise<LedgerEntry> =>
    waitFor(`the leg of ${callerNumber}`, async () => (await bridge!.db.ledger.legsFor(room.accountId, {})).find((l) => l.callerNumber === callerNumber) ?? null);

  const closedLegOf = async (room: SeededRoom, callerNumber: string, timeoutMs = 20_000): Promise<LedgerEntry> =>
    waitFor(`the closed leg of ${callerNumber}`, async () => {
      const leg = (await bridge!.db.ledger.legsFor(room.accountId, {})).find((l) => l.callerNumber === callerNumber);
      return leg !== undefined && leg.endedAt !== null ? leg : null;
    }, { timeoutMs });

  before(async function () {
    this.timeout(120_000);
    asterisk = new LocalAsterisk(cfg);
    await asterisk.start();
    observer = await ariObserver(cfg);
    prompts = recordPrompts(observer);
  });
  after(async () => {
    observer?.stop();
    await asterisk?.stop();
  });
  afterEach(async () => {
    // A failed test may leave calls up: end them so the next test starts clean.
    await Promise.all(calls.map((c) => c.hangUpNow().catch(() => undefined)));
    calls = [];
    if (bridge === undefined) return;
    await bridge.waitForNothingLeft(20_000);
    await bridge.stop();
    bridge = undefined;
  });

  it('lost BYE: a caller whose RTP stops and who never hangs up is cut at the RTP timeout, leg reason rtp-timeout', async () => {
    const b = await startBridge({});
    const room = await b.seedRoom();
    // Room and PIN take about 5 s of keys; the caller falls silent at 7 s and stays in the dialog.
    const lost = call(room, room.moderatorPin, '+15550000001', { rtp: { stopsAfterMs: 7_000 }, hangup: { by: 'far-end', maxWaitMs: 60_000 } });
    await b.waitForLive(room.roomNumber, 1);
    const result = await lost.result;
    expect(result).to.include({ answered: true, hungUpBy: 'far-end' });
    const leg = await closedLegOf(room, '+15550000001');
    expect(leg.endReason).to.equal('rtp-timeout');
    expect(leg.role).to.equal('moderator');
    // Cut by the timeout after the RTP stopped, long before the caller's own 60 s.
    const endedAfterAnswer = (result.endedAt ?? 0) - (result.answeredAt ?? 0);
    expect(endedAfterAnswer).to.be.greaterThan(7_000 + (RTP_TIMEOUT_S - 1) * 1000).and.lessThan(45_000);
  });

  it('a caller who keeps sending RTP stays past the RTP timeout (music on hold, forced session timers)', async () => {
    const b = await startBridge({});
    const room = await b.seedRoom();
    const waiting = call(room, room.participantPin, '+15550000002', { hangup: { by: 'caller', afterMs: 7_000 + 3 * RTP_TIMEOUT_S * 1000 } });
    await b.waitForHold(room.roomNumber, 1);
    const result = await waiting.result;
    expect(result).to.include({ answered: true, hungUpBy: 'caller' });
    expect((await closedLegOf(room, '+15550000002')).endReason).to.equal('hangup');
  });

  it('session timers: a caller that never answers the refresh re-INVITE is hung up by Asterisk, leg reason session-timeout', async function () {
    this.timeout(240_000);
    const b = await startBridge({ moderatorWaitMs: 0 });
    const room = await b.seedRoom();
    // Forced session timers, 90 s: Asterisk refreshes at 45 s; unanswered, the re-INVITE times out (Timer B, 32 s).
    const deaf = call(room, room.participantPin, '+15550000041', { ignoresReinvites: true, hangup: { by: 'far-end', maxWaitMs: 150_000 } });
    await b.waitForHold(room.roomNumber, 1);
    const result = await deaf.result;
    expect(result).to.include({ answered: true, hungUpBy: 'far-end' });
    const leg = await closedLegOf(room, '+15550000041');
    expect(leg.endReason).to.equal('session-timeout');
    expect((result.endedAt ?? 0) - (result.answeredAt ?? 0)).to.be.greaterThan(45_000).and.lessThan(140_000);
  });

  it('on hold past the moderator wait limit: the caller hears im-sorry and is hung up, reason moderator-wait-limit', async () => {
    const b = await startBridge({ moderatorWaitMs: 3_000 });
    const room = await b.seedRoom();
    const waiting = call(room, room.participantPin, '+15550000003');
    // No poll for the short stay on hold: the reason below exists only after Asterisk reported the caller in the holding bridge.
    const result = await waiting.result;
    expect(result).to.include({ answered: true, hungUpBy: 'far-end' });
    const leg = await closedLegOf(room, '+15550000003');
    expect(leg.endReason).to.equal('moderator-wait-limit');
    expect(prompts.get(leg.channelId ?? '')).to.include('sound:im-sorry');
  });

  it('alone in the conference past the alone limit: hears im-sorry and is hung up, reason alone-limit', async () => {
    const b = await startBridge({ aloneMs: 5_000 });
    const room = await b.seedRoom();
    const alone = call(room, room.moderatorPin, '+15550000004');
    await b.waitForLive(room.roomNumber, 1, 30_000);
    const result = await alone.result;
    expect(result).to.include({ answered: true, hungUpBy: 'far-end' });
    const leg = await closedLegOf(room, '+15550000004');
    expect(leg.endReason).to.equal('alone-limit');
    expect(prompts.get(leg.channelId ?? '')).to.include('sound:im-sorry');
  });

  it('two together are not alone: both stay until the maximum leg duration ends them, reason max-duration', async () => {
    const b = await startBridge({ aloneMs: 3_000, maxLegMs: 12_000 });
    const room = await b.seedRoom();
    const moderator = call(room, room.moderatorPin, '+15550000005');
    const participant = call(room, room.participantPin, '+15550000006');
    await b.waitForLive(room.roomNumber, 2);
    const results = await Promise.all([moderator.result, participant.result]);
    for (const r of results) expect(r).to.include({ answered: true, hungUpBy: 'far-end' });
    for (const caller of ['+15550000005', '+15550000006']) {
      const leg = await closedLegOf(room, caller);
      expect(leg.endReason).to.equal('max-duration');
      expect(prompts.get(leg.channelId ?? '')).to.include('sound:im-sorry');
      expect(leg.seconds).to.be.at.least(12).and.below(40); // 12 s, then the prompt before the hang-up
    }
  });

  it('a waiting caller hangs up in the same instant the moderator arrives: everyone else moves into the conference', async () => {
    let victim: string | undefined;
    const b = await startBridge({}, (inner) => ({
      ...bound(inner),
      // The moderator's arrival moves everyone waiting at once; one of them hangs up just before
      // Asterisk gets that move (the channel is gone when the bulk addChannel arrives).
      admitLive: async (room, ids) => {
        const chosen = ids[1];
        if (chosen !== undefined && victim === undefined) {
          victim = chosen;
          const client = bridge!.app.ari.client;
          await client.channels.hangup({ channelId: chosen });
          await waitFor('the hung-up channel to be gone', async () => client.channels.get({ channelId: chosen }).then(() => false, () => true));
        }
        return inner.admitLive(room, ids);
      },
    }));
    const room = await b.seedRoom();
    const waiting = [1, 2, 3].map((i) => call(room, room.participantPin, `+1555000001${i}`));
    await b.waitForHold(room.roomNumber, 3);
    const moderator = call(room, room.moderatorPin, '+15550000010');
    const live = await b.waitForLive(room.roomNumber, 3);
    expect(victim).to.be.a('string');
    expect(live).to.not.include(victim);
    expect(await b.holdMembers(room.roomNumber)).to.have.length(0);
    // Stays live: nobody is cut by the placement watch afterwards.
    await new Promise((r) => setTimeout(r, 2 * 2_000 + 500));
    expect((await b.liveMembers(room.roomNumber)).sort()).to.deep.equal([...live].sort());
    const legs = await Promise.all(['+15550000011', '+15550000012', '+15550000013'].map((n) => legOf(room, n)));
    const victimLeg = legs.find((l) => l.channelId === victim);
    expect(victimLeg).to.not.equal(undefined);
    await Promise.all([moderator, ...waiting].map((c) => c.hangUpNow()));
    const results = await Promise.all(waiting.map((c) => c.result));
    expect(results.filter((r) => r.hungUpBy === 'far-end')).to.have.length(1);
    expect(results.filter((r) => r.hungUpBy === 'caller')).to.have.length(2);
    await b.waitForNothingLeft();
    expect((await closedLegOf(room, victimLeg!.callerNumber ?? '')).endReason).to.equal('hangup');
  });

  it('the conference bridge destroyed under the app: its callers are placed again into a new one', async () => {
    const b = await startBridge({});
    const room = await b.seedRoom();
    const moderator = call(room, room.moderatorPin, '+15550000021');
    const participant = call(room, room.participantPin, '+15550000022');
    const before = await b.waitForLive(room.roomNumber, 2);
    await b.app.ari.client.bridges.destroy({ bridgeId: liveBridgeId(room.roomNumber) });
    const after = await b.waitForLive(room.roomNumber, 2, 20_000);
    expect([...after].sort()).to.deep.equal([...before].sort());
    await Promise.all([moderator, participant].map((c) => c.hangUpNow()));
    for (const r of await Promise.all([moderator.result, participant.result])) expect(r).to.include({ answered: true, hungUpBy: 'caller' });
    await b.waitForNothingLeft();
    for (const n of ['+15550000021', '+15550000022']) expect((await closedLegOf(room, n)).endReason).to.equal('hangup');
  });

  it('a bridge operation that never lands: the caller is retried, then told and hung up, leg closed with bridge-failed', async () => {
    let attempts = 0;
    const b = await startBridge({}, (inner) => ({
      ...bound(inner),
      // Asterisk accepts nothing: the request "succeeds" but the caller never enters the bridge.
      admitLive: async () => {
        attempts++;
      },
    }));
    const room = await b.seedRoom();
    const stranded = call(room, room.moderatorPin, '+15550000031');
    const result = await stranded.result;
    expect(result).to.include({ answered: true, hungUpBy: 'far-end' });
    expect(attempts).to.equal(2); // the first move and one retry
    const leg = await closedLegOf(room, '+15550000031');
    expect(leg.endReason).to.equal('bridge-failed');
    expect(prompts.get(leg.channelId ?? '')).to.include('sound:sorry-youre-having-problems');
  });
});

/** The wrapped object's methods, bound, so a test can replace one and keep the others. */
function bound(inner: ConferenceBridges): ConferenceBridges {
  return {
    admitLive: inner.admitLive.bind(inner),
    hold: inner.hold.bind(inner),
    dismiss: inner.dismiss.bind(inner),
    release: inner.release.bind(inner),
  };
}
