// The load bench's pure parts: percentiles, the call plan, taskprocessor parsing, the
// ConfBridge dialplan, and the join timeline fed AMI events in the orders Asterisk 22 sends
// them (recorded from a real run: a ConfBridge wait_marked user gets MusicOnHoldStart before
// its BridgeEnter, and its MusicOnHoldStop is its release).
import { expect } from 'chai';
import { baselineConfig, roomsDialplan } from '../../bench/confbridge/baseline-config.js';
import { JoinTimeline, type BridgeFields } from '../../bench/join-timeline.js';
import { planCalls, type BenchRoom } from '../../bench/load-plan.js';
import { sideEndpoints } from '../../bench/load-side.js';
import { distribution, maxOverlap, percentile } from '../../bench/load-stats.js';
import { TaskprocessorWatch, parseTaskprocessors } from '../../bench/taskprocessors.js';

const rooms: BenchRoom[] = [
  { number: '12345678', dialled: '+18005551000', moderatorPin: '4826', participantPin: '1739' },
  { number: '87654321', dialled: '+18005551001', moderatorPin: '4826', participantPin: '1739' },
];

type Fields = Record<string, string>;
const at = (ms: number) => ({ timestamp: (ms / 1000).toFixed(6) });
const ev = (event: string, uniqueid: string, caller: string, ms: number, more: Fields = {}) => ({ event, uniqueid, calleridnum: caller, ...at(ms), ...more });
const hash = (id: string, caller: string, ms: number) => ev('DTMFEnd', id, caller, ms, { digit: '#', direction: 'Received' });
const enter = (id: string, caller: string, ms: number, bridge: Fields) => ev('BridgeEnter', id, caller, ms, bridge);
const confBridge = { bridgeuniqueid: 'b1', bridgecreator: 'ConfBridge', bridgename: '12345678' };
const tollLive = { bridgeuniqueid: 'tollbridge-live-12345678', bridgecreator: 'Stasis', bridgename: 'live-12345678' };
const tollHold = { bridgeuniqueid: 'tollbridge-hold-12345678', bridgecreator: 'Stasis', bridgename: 'hold-12345678' };

describe('load bench parts', () => {
  it('percentiles are nearest-rank: every figure is a sample someone saw', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).to.equal(2);
    expect(percentile([5], 0.99)).to.equal(5);
    expect(Number.isNaN(percentile([], 0.5))).to.equal(true);
    const d = distribution(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(d).to.deep.equal({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('counts the most calls up at once, an end and a start at the same instant not overlapping', () => {
    expect(maxOverlap([{ start: 0, end: 10 }, { start: 5, end: 15 }, { start: 10, end: 20 }])).to.equal(2);
    expect(maxOverlap([])).to.equal(0);
  });

  it('plans the moderator first in every room, or all participants first and the moderators after', () => {
    const first = planCalls(6, rooms, 'first');
    expect(first.second).to.deep.equal([]);
    expect(first.first.map((c) => `${c.room}${c.role[0]}`)).to.deep.equal(['0m', '1m', '0p', '1p', '0p', '1p']);
    expect(first.first[2]?.digits).to.equal('12345678#1739#');
    expect(first.first[1]?.digits).to.equal('87654321#4826#');
    expect(new Set(first.first.map((c) => c.callerNumber)).size).to.equal(6);
    const last = planCalls(6, rooms, 'last');
    expect(last.first.every((c) => c.role === 'participant')).to.equal(true);
    expect(last.second.map((c) => c.room)).to.deep.equal([0, 1]);
    expect(() => planCalls(3, rooms, 'first')).to.throw(/needs a moderator and at least one participant/);
  });

  it('plans a soak room after room: each moderator, then its participants', () => {
    const byRoom = planCalls(6, rooms, 'first', 'by-room');
    expect(byRoom.first.map((c) => `${c.room}${c.role[0]}`)).to.deep.equal(['0m', '0p', '0p', '1m', '1p', '1p']);
    expect(new Set(byRoom.first.map((c) => c.callerNumber)).size).to.equal(6);
  });

  it("reads Asterisk 22's taskprocessor table and keeps each queue's peak", () => {
    const output = [
      '',
      'Processor                                                               Processed   In Queue  Max Depth  Low water High water Low time(us) High time(us)',
      'stasis/m:ari:application/tollbridge-00000062                                  412         37        680        450        500          0       1545',
      'stasis/m:manager:core-0000000d                                               900          0         46       2700       3000          0          0',
      '',
      '115 taskprocessors',
    ];
    const rows = parseTaskprocessors(output);
    expect(rows).to.deep.equal([
      { name: 'stasis/m:ari:application/tollbridge-00000062', inQueue: 37, maxDepth: 680, highWater: 500 },
      { name: 'stasis/m:manager:core-0000000d', inQueue: 0, maxDepth: 46, highWater: 3000 },
    ]);
    const watch = new TaskprocessorWatch();
    watch.record(rows);
    watch.record([{ name: 'stasis/m:manager:core-0000000d', inQueue: 5, maxDepth: 50, highWater: 3000 }]);
    expect(watch.deepest(1)[0]?.name).to.match(/ari:application/);
    expect(watch.ariApplication()?.maxDepth).to.equal(680);
    expect(watch.deepest(3).find((p) => p.name.includes('manager'))).to.include({ inQueue: 5, maxDepth: 50 });
  });

  it('writes each room with its PINs and setting into the baseline dialplan, and refuses anything but digits', () => {
    const text = roomsDialplan([{ number: '12345678', moderatorPin: '4826', participantPin: '1739', onModeratorLeave: 'continue' }]);
    expect(text).to.contain('exten => 12345678,1,Set(MODERATOR_PIN=4826)').and.contain('Set(POLICY=continue)').and.contain('Return()');
    expect(() => roomsDialplan([{ number: '1234)', moderatorPin: '1', participantPin: '2', onModeratorLeave: 'end' }])).to.throw(/digits/);
    const files = baselineConfig([{ number: '12345678', moderatorPin: '4826', participantPin: '1739', onModeratorLeave: 'end' }]);
    expect(Object.keys(files).sort()).to.deep.equal(['confbridge.conf', 'extensions.conf']);
    expect(files['extensions.conf']).to.contain('ConfBridge(${ROOM},bench_bridge,bench_participant_${POLICY},bench_menu)').and.not.match(/@@[A-Z_]+@@/);
    expect(files['confbridge.conf']).to.contain('[bench_participant_end]');
  });

  it('takes instance and ports from the environment, with defaults', () => {
    const defaults = { instance: 'lbapp', sipPort: 1, ariPort: 2, amiPort: 3, rtpStart: 4, rtpEnd: 5 };
    expect(sideEndpoints({ X_SIP_PORT: '17000', X_INSTANCE: 'other' }, 'X', defaults)).to.deep.equal({ ...defaults, instance: 'other', sipPort: 17000 });
    expect(() => sideEndpoints({ X_AMI_PORT: 'nope' }, 'X', defaults)).to.throw(/X_AMI_PORT/);
  });

  describe('join timeline', () => {
    const conference = (bridge: BridgeFields) => bridge.creator === 'ConfBridge' || bridge.uniqueid.startsWith('tollbridge-live-');
    const timeline = () => new JoinTimeline(new Set(['15550000001', '15550000002', '15550000003']), conference);

    it("times the PIN's '#' (the second one) to entering the conference", () => {
      const t = timeline();
      t.onEvent(hash('m', '+15550000001', 1000)); // the room number's '#'
      t.onEvent(hash('m', '+15550000001', 2000));
      t.onEvent(enter('m', '+15550000001', 2001.5, confBridge));
      const m = t.byCaller().get('15550000001');
      expect(m?.pinHashAt).to.equal(2000);
      expect(m?.inConferenceAt).to.be.closeTo(2001.5, 0.01);
    });

    it('a ConfBridge caller waiting on hold in the bridge is in the conference when its music stops', () => {
      const t = timeline();
      t.onEvent(hash('p', '+15550000002', 1000));
      t.onEvent(hash('p', '+15550000002', 2000));
      t.onEvent(ev('MusicOnHoldStart', 'p', '+15550000002', 2001));
      t.onEvent(enter('p', '+15550000002', 2001, confBridge));
      expect(t.byCaller().get('15550000002')).to.include({ parkedAt: 2001, inConferenceAt: null });
      t.onEvent(ev('MusicOnHoldStop', 'p', '+15550000002', 7000));
      expect(t.byCaller().get('15550000002')?.inConferenceAt).to.equal(7000);
    });

    it('a tollbridge caller parked in the hold bridge is in the conference when it enters the live bridge', () => {
      const t = timeline();
      t.onEvent(hash('p', '+15550000002', 1000));
      t.onEvent(hash('p', '+15550000002', 2000));
      t.onEvent(enter('p', '+15550000002', 2005, tollHold));
      expect(t.byCaller().get('15550000002')).to.include({ parkedAt: 2005, inConferenceAt: null });
      t.onEvent(ev('BridgeLeave', 'p', '+15550000002', 6999, tollHold));
      t.onEvent(enter('p', '+15550000002', 7000, tollLive));
      expect(t.byCaller().get('15550000002')?.inConferenceAt).to.equal(7000);
    });

    it('a tollbridge caller waiting muted in the conference bridge of a room marked waiting is in when the mark is cleared (the moderator too)', () => {
      const t = timeline();
      // As asterisk-manager hands it over: the "Variable:" line parsed into an object.
      const mark = (value: string, ms: number) => ({ event: 'VarSet', channel: 'none', uniqueid: 'none', variable: { TOLLBRIDGE_HOLD_12345678: '' }, value, ...at(ms) });
      t.onEvent(hash('p', '+15550000002', 1000));
      t.onEvent(hash('p', '+15550000002', 2000));
      t.onEvent(mark('1', 2001));
      t.onEvent(enter('p', '+15550000002', 2005, tollLive));
      expect(t.byCaller().get('15550000002')).to.include({ parkedAt: 2005, inConferenceAt: null });
      t.onEvent(hash('m', '+15550000001', 6000));
      t.onEvent(hash('m', '+15550000001', 6990));
      t.onEvent(enter('m', '+15550000001', 7000, tollLive));
      t.onEvent(mark('', 7010));
      expect(t.byCaller().get('15550000002')?.inConferenceAt).to.equal(7010);
      expect(t.byCaller().get('15550000001')?.inConferenceAt).to.equal(7010);
      // A caller entering after the release is in at once.
      t.onEvent(hash('q', '+15550000003', 8000));
      t.onEvent(hash('q', '+15550000003', 9000));
      t.onEvent(enter('q', '+15550000003', 9004, tollLive));
      expect(t.byCaller().get('15550000003')?.inConferenceAt).to.equal(9004);
    });

    it('music stopping because the waiting caller hung up is not a release', () => {
      const t = timeline();
      t.onEvent(hash('p', '+15550000002', 1000));
      t.onEvent(hash('p', '+15550000002', 2000));
      t.onEvent(ev('MusicOnHoldStart', 'p', '+15550000002', 2001));
      t.onEvent(enter('p', '+15550000002', 2001, confBridge));
      t.onEvent(ev('HangupRequest', 'p', '+15550000002', 5000));
      t.onEvent(ev('MusicOnHoldStop', 'p', '+15550000002', 5001));
      t.onEvent(ev('Hangup', 'p', '+15550000002', 5002));
      expect(t.byCaller().get('15550000002')).to.include({ inConferenceAt: null, hungUpAt: 5002 });
      // What a caller that never got in went through, for the report.
      expect(t.byCaller().get('15550000002')?.trail).to.deep.equal(['MusicOnHoldStart+1', 'BridgeEnter+1', 'HangupRequest+3000', 'MusicOnHoldStop+3001', 'Hangup+3002']);
    });

    it('ignores bridges before the PIN, channels that are not the bench callers, and refuses events without a timestamp', () => {
      const t = timeline();
      t.onEvent(hash('m', '+15550000001', 1000));
      t.onEvent(enter('m', '+15550000001', 1500, confBridge));
      expect(t.byCaller().get('15550000001')?.inConferenceAt).to.equal(null);
      t.onEvent(enter('x', '', 1600, confBridge));
      expect(t.channels().map((c) => c.uniqueid)).to.deep.equal(['m']);
      expect(() => t.onEvent({ event: 'Hangup', uniqueid: 'm', calleridnum: '+15550000001' })).to.throw(/timestampevents/);
    });
  });
});
