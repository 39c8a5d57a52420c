// GET /metrics over real SIP: SIPp callers into the real Asterisk 22 and the app wired as
// `tollbridge start` wires it, scraped over HTTP as Prometheus would. One caller in a room shows
// as one leg opened, one live call in the room, one '#' -> in observation; a wrong PIN counts;
// after the hang-up the leg is closed and no call is left.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { BridgeMetrics } from '../../metrics/bridge-metrics.js';
import { CALL_STEPS } from '../../flows/call-steps.js';
import { placeCall, startCall, type Step } from '../../sipp/caller.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, TEST_TIMING } from '../support/bridge-fixture.js';
import { parseExposition, type Exposition } from '../support/prometheus-text.js';
import { waitFor } from '../support/wait.js';

const target = () => ({ host: '127.0.0.1', port: testAsteriskConfig().sipPort });

describe('GET /metrics over real SIP @asterisk', function () {
  this.timeout(120_000);
  let bridge: BridgeUnderTest;
  let api: ApiServer;
  const metrics = new BridgeMetrics();

  const scrape = async (): Promise<Exposition> => {
    const res = await fetch(`${api.url}/metrics`);
    expect(res.status).to.equal(200);
    return parseExposition(await res.text());
  };
  const joins = (m: Exposition) => m.value('tollbridge_join_seconds_count', { bridge: 'live' }) + m.value('tollbridge_join_seconds_count', { bridge: 'hold' });
  const liveCalls = (m: Exposition) => CALL_STEPS.reduce((sum, step) => sum + m.value('tollbridge_live_calls', { step }), 0);

  before(async () => {
    bridge = await BridgeUnderTest.start(TEST_TIMING, { metrics });
    const log = pino({ level: 'silent' });
    api = await startSite({ db: bridge.db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: '', metrics: { registry: metrics.registry, token: '' } }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await bridge?.stop();
  });
  afterEach(async () => {
    await bridge.waitForNothingLeft();
  });

  it('a caller in a room: 1 leg opened, 1 live call in the room, 1 join observed; after the hang-up 1 leg closed and no live call', async () => {
    const room = await bridge.seedRoom();
    const before = await scrape();
    expect(before.value('tollbridge_ari_connected')).to.equal(1);
    const caller = startCall({ target: target(), dialled: room.tollFree, steps: [{ pauseMs: 300 }, { digits: `${room.roomNumber}#` }, { pauseMs: 300 }, { digits: `${room.moderatorPin}#` }], hangup: { by: 'far-end', maxWaitMs: 60_000 } });
    await bridge.waitForLive(room.roomNumber, 1);
    // Asterisk has the caller in the bridge; its event reaches the app a moment later.
    const during = await waitFor('the caller counted in the room', async () => {
      const m = await scrape();
      return m.value('tollbridge_live_calls', { step: 'in-room' }) === 1 ? m : null;
    });
    expect(liveCalls(during)).to.equal(1);
    expect(during.value('tollbridge_live_rooms')).to.equal(1);
    expect(during.value('tollbridge_ledger_legs_opened_total') - before.value('tollbridge_ledger_legs_opened_total')).to.equal(1);
    expect(during.value('tollbridge_join_seconds_count', { bridge: 'live' }) - before.value('tollbridge_join_seconds_count', { bridge: 'live' })).to.equal(1);
    expect(joins(during) - joins(before)).to.equal(1);
    // The join took some time (how long is not asserted: the machine is shared).
    expect(during.value('tollbridge_join_seconds_sum', { bridge: 'live' })).to.be.greaterThan(before.value('tollbridge_join_seconds_sum', { bridge: 'live' }));
    expect(during.value('tollbridge_ari_request_duration_seconds_count', { operation: 'channels.answer' })).to.be.at.least(1);
    expect(during.value('tollbridge_ari_request_duration_seconds_count', { operation: 'bridges.addChannel' })).to.be.at.least(1);

    await caller.hangUpNow();
    expect(await caller.result).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
    const after = await scrape();
    expect(after.value('tollbridge_ledger_legs_closed_total') - before.value('tollbridge_ledger_legs_closed_total')).to.equal(1);
    expect(liveCalls(after)).to.equal(0);
    expect(after.value('tollbridge_live_rooms')).to.equal(0);
    expect(after.value('tollbridge_calls_finished_total', { outcome: 'joined' }) - before.value('tollbridge_calls_finished_total', { outcome: 'joined' })).to.equal(1);
    expect(after.value('tollbridge_ledger_journal_backlog')).to.equal(0);
    // Nothing personal: the room, the numbers, the PIN appear nowhere in the text.
    const text = await (await fetch(`${api.url}/metrics`)).text();
    for (const secret of [room.roomNumber, room.tollFree.slice(1), room.moderatorPin]) expect(text, secret).to.not.include(secret);
  });

  it('a wrong PIN increments the PIN failures counter (and no join is observed)', async () => {
    const room = await bridge.seedRoom();
    const before = await scrape();
    const steps: Step[] = [{ pauseMs: 300 }, { digits: `${room.roomNumber}#` }, { pauseMs: 800 }, { digits: '0000#' }];
    const result = await placeCall({ target: target(), dialled: room.tollFree, steps, hangup: { by: 'caller', afterMs: 5_000 } });
    expect(result).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
    const after = await scrape();
    expect(after.value('tollbridge_pin_failures_total', { reason: 'invalid' }) - before.value('tollbridge_pin_failures_total', { reason: 'invalid' })).to.equal(1);
    expect(joins(after)).to.equal(joins(before));
    expect(after.value('tollbridge_ledger_legs_opened_total') - before.value('tollbridge_ledger_legs_opened_total')).to.equal(1);
    expect(after.value('tollbridge_ledger_legs_closed_total') - before.value('tollbridge_ledger_legs_closed_total')).to.equal(1);
    expect(liveCalls(after)).to.equal(0);
  });
});
