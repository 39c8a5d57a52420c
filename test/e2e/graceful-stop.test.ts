// A graceful stop over real SIP: SIPp callers into the real Asterisk 22, the real app
// (BridgeApp) and a real database. From the moment the stop begins a new call is refused with
// SIP 503 (never answered, no leg); a call that ends within the drain limit is left alone; a
// call still up at the limit hears goodbye, is hung up by us, and its leg is closed then.
// /health answers 200 before the stop and 503 while it drains. Drain limits are short here.
import { expect } from 'chai';
import type { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { placeCall, startCall, type CallOptions, type Step } from '../../sipp/caller.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, type SeededRoom } from '../support/bridge-fixture.js';
import { waitFor } from '../support/wait.js';

const target = () => ({ host: '127.0.0.1', port: testAsteriskConfig().sipPort });
const DRAIN_MS = 2_000;
/** SIPp logs the BYE with microseconds; the ledger stores milliseconds (README: 250 ms). */
const LEDGER_SIPP_AGREEMENT_MS = 250;

function enter(room: string, pin: string): Step[] {
  return [{ pauseMs: 300 }, { digits: `${room}#` }, { pauseMs: 300 }, { digits: `${pin}#` }];
}

function call(seeded: SeededRoom, steps: Step[], hangup: CallOptions['hangup']): CallOptions {
  return { target: target(), dialled: seeded.tollFree, steps, hangup };
}

async function healthOf(api: ApiServer): Promise<{ status: number; body: { status: string; problems: string[]; calls?: { live: number; draining: boolean } } }> {
  const res = await fetch(`${api.url}/health`);
  return { status: res.status, body: (await res.json()) as { status: string; problems: string[]; calls?: { live: number; draining: boolean } } };
}

describe('graceful stop over real SIP @asterisk', function () {
  this.timeout(120_000);
  let bridge: BridgeUnderTest | undefined;
  let api: ApiServer | undefined;

  afterEach(async () => {
    await api?.close();
    api = undefined;
    if (bridge !== undefined) {
      await bridge.waitForNothingLeft();
      await bridge.db.close();
      bridge = undefined;
    }
  });

  it('during the drain a new call gets 503 with no leg; a moderator still up at the limit hears goodbye, is hung up by us, leg closed then; /health 200 then 503', async () => {
    const b = await BridgeUnderTest.start();
    bridge = b;
    const log = pino({ level: 'silent' });
    api = await startSite({ db: b.db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: '', health: { bridge: b.app } }, '127.0.0.1', 0);
    const room = await b.seedRoom();
    const goodbyes = new Set<string>();
    b.app.ari.client.on('PlaybackFinished', (event) => {
      if (event.playback.media_uri === 'sound:vm-goodbye') goodbyes.add(event.playback.target_uri.replace(/^channel:/, ''));
    });
    const arrived: string[] = [];
    b.app.ari.client.on('StasisStart', (_event, channel) => arrived.push(channel.id));

    const moderator = startCall(call(room, enter(room.roomNumber, room.moderatorPin), { by: 'far-end', maxWaitMs: 60_000 }));
    const [moderatorChannel] = await b.waitForLive(room.roomNumber, 1);
    const before = await healthOf(api);
    expect(before.status).to.equal(200);
    expect(before.body).to.deep.include({ status: 'ok', problems: [], calls: { live: 1, draining: false } });

    const stopBegan = Date.now();
    const stopping = b.app.stop({ drainMs: DRAIN_MS });
    const during = await healthOf(api);
    expect(during.status).to.equal(503);
    expect(during.body).to.deep.include({ status: 'unavailable', problems: ['draining'], calls: { live: 1, draining: true } });

    // A new call while the stop drains: the app receives it and refuses it before answer.
    const refused = await placeCall(call(room, [], { by: 'far-end', maxWaitMs: 10_000 }));
    expect(refused, refused.log).to.include({ finalStatus: 503, answered: false, hungUpBy: 'none' });
    expect(arrived, 'the refused call reached the app').to.have.length(2);
    expect(b.app.draining()).to.equal(true);

    const kept = await moderator.result;
    await stopping;
    expect(kept, kept.log).to.include({ answered: true, hungUpBy: 'far-end' });
    expect(kept.endedAt ?? 0, 'not cut before the drain limit').to.be.greaterThan(stopBegan + DRAIN_MS);
    expect([...goodbyes], 'the moderator heard vm-goodbye to its end').to.deep.equal([moderatorChannel]);

    const legs = await b.db.ledger.legsFor(room.accountId, {});
    expect(legs, 'one leg: the refused call has none').to.have.length(1);
    const [leg] = legs;
    expect(leg).to.include({ channelId: moderatorChannel, role: 'moderator' });
    expect(leg?.endedAt, 'the leg is closed').to.be.a('number');
    expect(Math.abs((leg?.endedAt ?? 0) - (kept.endedAt ?? 0)), 'leg end vs SIPp BYE').to.be.below(LEDGER_SIPP_AGREEMENT_MS);
  });

  it('a caller who hangs up within the drain limit is not cut, and the stop ends without waiting out the limit', async () => {
    const b = await BridgeUnderTest.start();
    bridge = b;
    const room = await b.seedRoom();
    const participant = startCall(call(room, enter(room.roomNumber, room.participantPin), { by: 'far-end', maxWaitMs: 60_000 }));
    await b.waitForHold(room.roomNumber, 1);
    const drainMs = 30_000;
    const stopBegan = Date.now();
    const stopping = b.app.stop({ drainMs });
    const result = await participant.hangUpNow();
    await stopping;
    expect(Date.now() - stopBegan, 'the stop followed the last call, not the limit').to.be.below(drainMs);
    expect(result, result.log).to.include({ answered: true, hungUpBy: 'caller' });
    const legs = await waitFor('the leg closed', async () => {
      const all = await b.db.ledger.legsFor(room.accountId, {});
      return all.length === 1 && all[0]?.endedAt !== null ? all : null;
    });
    expect(Math.abs((legs[0]?.endedAt ?? 0) - (result.endedAt ?? 0))).to.be.below(LEDGER_SIPP_AGREEMENT_MS);
  });

  it('a second stop signal (hurry) ends the calls still up at once: a caller on hold hears goodbye and is hung up, leg closed', async () => {
    const b = await BridgeUnderTest.start();
    bridge = b;
    const room = await b.seedRoom();
    const participant = startCall(call(room, enter(room.roomNumber, room.participantPin), { by: 'far-end', maxWaitMs: 60_000 }));
    const [channel] = await b.waitForHold(room.roomNumber, 1);
    const stopping = b.app.stop({ drainMs: 600_000 });
    b.app.hurry();
    const result = await participant.result;
    await stopping;
    expect(result, result.log).to.include({ answered: true, hungUpBy: 'far-end' });
    const legs = await b.db.ledger.legsFor(room.accountId, {});
    expect(legs.map((l) => [l.channelId, l.role])).to.deep.equal([[channel, 'participant']]);
    expect(Math.abs((legs[0]?.endedAt ?? 0) - (result.endedAt ?? 0))).to.be.below(LEDGER_SIPP_AGREEMENT_MS);
  });

  it('once the app has disconnected, an Asterisk left running (external, or between restarts) refuses new calls with 503 too', async () => {
    const b = await BridgeUnderTest.start();
    bridge = b;
    const room = await b.seedRoom();
    await b.app.stop({ drainMs: 0 });
    const result = await placeCall(call(room, [], { by: 'far-end', maxWaitMs: 10_000 }));
    expect(result, result.log).to.include({ finalStatus: 503, answered: false });
  });

  it('when ari-client gives up reconnecting, the app does not give up: a new client connects and /health is 200 again', async () => {
    const b = await BridgeUnderTest.start();
    bridge = b;
    const log = pino({ level: 'silent' });
    api = await startSite({ db: b.db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: '', health: { bridge: b.app } }, '127.0.0.1', 0);
    expect(b.app.ariConnected()).to.equal(true);
    const first = b.app.ari.client;
    // What ari-client emits after its last reconnect attempt (about 43 s of backoff).
    (first as unknown as EventEmitter).emit('WebSocketMaxRetries', new Error('connect ECONNREFUSED'));
    await waitFor('a new ARI client', async () => (b.app.ari.client !== first ? true : null), { timeoutMs: 15_000 });
    const failedYet = await Promise.race([b.app.failed.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 200))]);
    expect(failedYet).to.equal(false);
    const server = api;
    await waitFor('/health 200', async () => ((await healthOf(server)).status === 200 ? true : null), { timeoutMs: 15_000 });
    first.stop();
    await b.app.stop({ drainMs: 0 });
  });
});
