// The bridge's metrics with fakes: a call driven through the real call machine (fake ARI, fake
// database) moves the live-calls-by-step gauge, the failure counters and the join histogram;
// the ledger, database and ARI counts; nothing personal ever reaches the exposition text.
import { expect } from 'chai';
import { CallRouter } from '../../flows/call-router.js';
import type { Directory, PinGuard, RoomInfo } from '../../flows/ports.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { BridgeMetrics } from '../../metrics/bridge-metrics.js';
import { FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';
import { parseExposition, type Exposition } from '../support/prometheus-text.js';

const TOLL_FREE = '+18005550100';
const ROOM = '11331134';
const CALLER = '+15551230000';
const CH = 'ch-metrics-1';

async function scrape(metrics: BridgeMetrics): Promise<Exposition> {
  return parseExposition(await metrics.registry.metrics());
}

function bridgeWithMetrics() {
  const metrics = new BridgeMetrics({ processMetrics: false });
  const channel = new FakeChannel();
  const directory = new FakeDirectory();
  const ledger = new FakeLedger();
  directory.routes.set(TOLL_FREE, { numberId: 3, e164: TOLL_FREE, kind: 'toll_free', accountId: 7, subscriptionId: 9 });
  directory.rooms.set(ROOM, roomInfo({ number: ROOM }));
  directory.pins.set(1, { moderator: '4321', participant: '1111' });
  const ports = metrics.countPorts({ directory, ledger });
  const router = new CallRouter({
    channel, directory: ports.directory, ledger: ports.ledger,
    rooms: { join: (_room: RoomInfo) => undefined, leave: () => undefined, replace: () => undefined, admitted: () => true },
    clock: { now: () => 1_000_000 }, timing: DEFAULT_IVR_TIMING, log: silentLog, observer: metrics.calls,
  });
  const view = { eventsHeld: 0, operations: 0, connected: true };
  metrics.watch({
    callSteps: () => router.steps(), liveRooms: () => 1,
    ariConnected: () => view.connected, eventsHeld: () => view.eventsHeld, roomOperationsQueued: () => view.operations,
  });
  const press = async (keys: string) => {
    for (const k of keys) router.digit(CH, k);
    await flush();
  };
  return { metrics, channel, directory, ledger, router, press, view };
}

describe('bridge metrics (fakes)', () => {
  it('each BridgeMetrics has its own registry: two in one process, no clash', async () => {
    const a = new BridgeMetrics();
    const b = new BridgeMetrics();
    a.ledger.countLegs(new FakeLedger());
    const [ta, tb] = await Promise.all([a.registry.metrics(), b.registry.metrics()]);
    expect(ta).to.include('process_cpu_seconds_total');
    expect(tb).to.include('tollbridge_live_calls');
  });

  it('every counter and gauge is exported at 0 before the first call', async () => {
    const { metrics } = bridgeWithMetrics();
    const text = await scrape(metrics);
    expect(text.value('tollbridge_live_calls', { step: 'in-room' })).to.equal(0);
    expect(text.value('tollbridge_pin_failures_total', { reason: 'invalid' })).to.equal(0);
    expect(text.value('tollbridge_room_number_failures_total', { reason: 'no-input' })).to.equal(0);
    expect(text.value('tollbridge_pin_locks_total', { scope: 'room' })).to.equal(0);
    expect(text.value('tollbridge_calls_locked_out_total')).to.equal(0);
    expect(text.value('tollbridge_ledger_legs_opened_total')).to.equal(0);
    expect(text.value('tollbridge_database_errors_total', { operation: 'ledger-apply' })).to.equal(0);
    expect(text.value('tollbridge_join_seconds_count', { bridge: 'live' })).to.equal(0);
    expect(text.types.get('tollbridge_join_seconds')).to.equal('histogram');
    expect(text.types.get('tollbridge_pin_failures_total')).to.equal('counter');
    expect(text.types.get('tollbridge_live_calls')).to.equal('gauge');
  });

  it('a caller through the IVR: steps read at scrape, failures counted, one join observed, legs opened and closed', async () => {
    const t = bridgeWithMetrics();
    t.router.callStarted({ channelId: CH, dialled: '18005550100', callerNumber: CALLER });
    await flush();
    let text = await scrape(t.metrics);
    expect(text.value('tollbridge_live_calls', { step: 'room-number' })).to.equal(1);
    expect(text.value('tollbridge_ledger_legs_opened_total')).to.equal(1);

    await t.press('99999999#'); // a wrong room
    t.channel.finishPrompts();
    await flush();
    await t.press(`${ROOM}#`);
    text = await scrape(t.metrics);
    expect(text.value('tollbridge_room_number_failures_total', { reason: 'invalid' })).to.equal(1);
    expect(text.value('tollbridge_live_calls', { step: 'pin' })).to.equal(1);

    await t.press('0000#'); // a wrong PIN
    t.channel.finishPrompts();
    await flush();
    text = await scrape(t.metrics);
    expect(text.value('tollbridge_pin_failures_total', { reason: 'invalid' })).to.equal(1);

    await t.press('4321#');
    text = await scrape(t.metrics);
    expect(text.value('tollbridge_live_calls', { step: 'joining' })).to.equal(1);
    expect(text.value('tollbridge_join_seconds_count', { bridge: 'live' })).to.equal(0);

    t.router.bridgeEvent(CH, 'live', true);
    await flush();
    text = await scrape(t.metrics);
    expect(text.value('tollbridge_live_calls', { step: 'in-room' })).to.equal(1);
    expect(text.value('tollbridge_live_calls', { step: 'joining' })).to.equal(0);
    expect(text.value('tollbridge_join_seconds_count', { bridge: 'live' })).to.equal(1);
    expect(text.value('tollbridge_join_seconds_bucket', { bridge: 'live', le: '1' })).to.equal(1);

    // A later move (live -> hold -> live) is not a second join.
    t.router.bridgeEvent(CH, 'live', false);
    t.router.bridgeEvent(CH, 'hold', true);
    await flush();
    text = await scrape(t.metrics);
    expect(text.value('tollbridge_join_seconds_count', { bridge: 'hold' })).to.equal(0);
    expect(text.value('tollbridge_live_calls', { step: 'waiting' })).to.equal(1);

    t.router.callEnded(CH, 1_060_000);
    await flush();
    text = await scrape(t.metrics);
    expect(t.router.activeCalls).to.equal(0);
    expect(text.value('tollbridge_ledger_legs_closed_total')).to.equal(1);
    expect(text.value('tollbridge_calls_finished_total', { outcome: 'joined' })).to.equal(1);
    for (const step of ['admission', 'room-number', 'pin', 'joining', 'waiting', 'in-room', 'farewell', 'closing']) {
      expect(text.value('tollbridge_live_calls', { step }), step).to.equal(0);
    }
  });

  it('no room number, caller number, PIN, account or channel id in the exposition text', async () => {
    const t = bridgeWithMetrics();
    t.router.callStarted({ channelId: CH, dialled: '18005550100', callerNumber: CALLER });
    await flush();
    await t.press(`${ROOM}#`);
    await t.press('4321#');
    t.router.bridgeEvent(CH, 'live', true);
    await flush();
    const text = await t.metrics.registry.metrics();
    for (const secret of [ROOM, CALLER.slice(1), '4321', CH, TOLL_FREE.slice(1)]) expect(text, secret).to.not.include(secret);
    t.router.callEnded(CH, 1_060_000);
    await flush();
  });

  it('nothing typed: a no-input failure, not an invalid one', async () => {
    const t = bridgeWithMetrics();
    t.metrics.calls.roomNumberFailed('no-input');
    t.metrics.calls.pinFailed('no-input');
    t.metrics.calls.lockedOut();
    t.metrics.calls.pinLocked('caller');
    const text = await scrape(t.metrics);
    expect(text.value('tollbridge_room_number_failures_total', { reason: 'no-input' })).to.equal(1);
    expect(text.value('tollbridge_pin_failures_total', { reason: 'no-input' })).to.equal(1);
    expect(text.value('tollbridge_pin_failures_total', { reason: 'invalid' })).to.equal(0);
    expect(text.value('tollbridge_calls_locked_out_total')).to.equal(1);
    expect(text.value('tollbridge_pin_locks_total', { scope: 'caller' })).to.equal(1);
  });

  it('database errors by operation: failed lookups counted and still thrown; the journal read at scrape', async () => {
    const t = bridgeWithMetrics();
    const directory: Directory = { routeFor: async () => Promise.reject(new Error('SQLITE_BUSY')), findRoom: async () => null, verifyPin: async () => 'invalid' };
    const pinGuard: PinGuard = { status: async () => Promise.reject(new Error('gone')), recordFailure: async () => Promise.reject(new Error('gone')) };
    const ports = t.metrics.countPorts({ directory, ledger: new FakeLedger(), pinGuard });
    let thrown = 0;
    await ports.directory.routeFor('+1800').catch(() => thrown++);
    await ports.directory.findRoom('1');
    await ports.pinGuard?.status({ room: roomInfo(), callerNumber: null }).catch(() => thrown++);
    expect(thrown).to.equal(2);
    const journal = { backlog: () => 7, counts: { failedAttempts: 2, skipped: 1 } };
    t.metrics.ledger.watchJournal(journal);
    const text = await scrape(t.metrics);
    expect(text.value('tollbridge_database_errors_total', { operation: 'number-lookup' })).to.equal(1);
    expect(text.value('tollbridge_database_errors_total', { operation: 'room-lookup' })).to.equal(0);
    expect(text.value('tollbridge_database_errors_total', { operation: 'pin-guard' })).to.equal(1);
    expect(text.value('tollbridge_database_errors_total', { operation: 'ledger-apply' })).to.equal(3);
    expect(text.value('tollbridge_ledger_journal_backlog')).to.equal(7);
    // Counters never go down between scrapes while the journal's counts grow.
    journal.counts.failedAttempts = 5;
    expect((await scrape(t.metrics)).value('tollbridge_database_errors_total', { operation: 'ledger-apply' })).to.equal(6);
  });

  it('a leg whose opening fails is not counted as opened', async () => {
    const t = bridgeWithMetrics();
    const failing = new FakeLedger();
    failing.openLeg = async () => Promise.reject(new Error('disk full'));
    await t.metrics.ledger.countLegs(failing).openLeg({ channelId: 'x', accountId: 1, subscriptionId: 1, numberId: 1, dialled: TOLL_FREE, callerNumber: null, answeredAt: 1 }).catch(() => undefined);
    expect((await scrape(t.metrics)).value('tollbridge_ledger_legs_opened_total')).to.equal(0);
  });

  it('ARI: request durations by operation, failures, the connection and the queues read at scrape', async () => {
    const t = bridgeWithMetrics();
    t.metrics.ari.observe('channels.answer', 0.0042, true);
    t.metrics.ari.observe('bridges.addChannel', 0.3, false);
    t.view.connected = false;
    t.view.eventsHeld = 12;
    t.view.operations = 3;
    const text = await scrape(t.metrics);
    expect(text.value('tollbridge_ari_request_duration_seconds_count', { operation: 'channels.answer' })).to.equal(1);
    expect(text.value('tollbridge_ari_request_duration_seconds_bucket', { operation: 'channels.answer', le: '0.005' })).to.equal(1);
    expect(text.value('tollbridge_ari_request_duration_seconds_bucket', { operation: 'channels.answer', le: '0.0025' })).to.equal(0);
    expect(text.value('tollbridge_ari_request_failures_total', { operation: 'bridges.addChannel' })).to.equal(1);
    expect(text.value('tollbridge_ari_connected')).to.equal(0);
    expect(text.value('tollbridge_ari_events_held')).to.equal(12);
    expect(text.value('tollbridge_room_operations_queued')).to.equal(3);
    expect(text.value('tollbridge_live_rooms')).to.equal(1);
  });
});
