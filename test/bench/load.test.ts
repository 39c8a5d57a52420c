// The load bench run small over real SIP, so it cannot rot, in both shapes and with both load
// generators: 20 SIPp callers at 10 per second into one room with the moderator first, and 30
// light callers into two rooms with the moderators last (everyone waits on hold first); each
// against tollbridge (spawned `tollbridge start`) and the ConfBridge baseline. Asserts what must hold whatever the
// machine's speed: every call answered and in the conference on both sides, every figure of
// the report present. No timings are asserted (they belong to the bench's output).
// Instances and ports: TOLLBRIDGE_TEST_LOAD_APP_* and TOLLBRIDGE_TEST_LOAD_CB_* (INSTANCE,
// SIP_PORT, ARI_PORT, AMI_PORT, RTP_START, RTP_END); the defaults collide with no other test.
import { expect } from 'chai';
import { runLoadBench } from '../../bench/load-bench.js';
import { formatReport } from '../../bench/load-report.js';
import { sideEndpoints } from '../../bench/load-side.js';
import type { Distribution } from '../../bench/load-stats.js';

const CALLS = 30;
const ROOMS = 2;

const endpoints = () => ({
  tollbridge: sideEndpoints(process.env, 'TOLLBRIDGE_TEST_LOAD_APP', { instance: 'lbtest-app', sipPort: 17140, ariPort: 18340, amiPort: 17440, rtpStart: 45000, rtpEnd: 45499 }),
  confbridge: sideEndpoints(process.env, 'TOLLBRIDGE_TEST_LOAD_CB', { instance: 'lbtest-cb', sipPort: 17150, ariPort: 18350, amiPort: 17450, rtpStart: 45500, rtpEnd: 45999 }),
});

function complete(d: Distribution | undefined, count: number, what: string): void {
  expect(d, what).to.not.equal(undefined);
  expect(d?.count, `${what}: samples`).to.equal(count);
  for (const q of ['p50', 'p95', 'p99', 'max'] as const) expect(d?.[q], `${what} ${q}`).to.be.a('number').and.satisfy(Number.isFinite);
}

describe('load bench (npm run bench:load), small @asterisk', function () {
  this.timeout(150_000);

  it('20 SIPp callers, moderator first, one room: all answered and in the conference on both sides, every caller timed', async () => {
    const report = await runLoadBench({ calls: 20, cps: 10, rooms: 1, moderator: 'first', stayS: 3, only: null, callers: 'sipp', endpoints: endpoints() });
    expect(report.sides.map((s) => s.side)).to.deep.equal(['tollbridge', 'confbridge']);
    for (const side of report.sides) {
      expect(side, side.side).to.include({ calls: 20, answered: 20, inConference: 20, release: null });
      complete(side.join, 20, `${side.side} '#' -> in`);
      expect(side.cpu.perCall.total, side.side).to.be.greaterThan(0);
    }
    expect(formatReport(report)).to.contain("'#' -> in conference p95");
  });

  it('30 light callers, moderators last, 2 rooms: all answered and in the conference on tollbridge and on ConfBridge, with every figure reported', async () => {
    const report = await runLoadBench({
      calls: CALLS,
      cps: 10,
      rooms: ROOMS,
      moderator: 'last',
      stayS: 3,
      idleS: 1,
      only: null,
      callers: 'light',
      endpoints: endpoints(),
    });
    expect(report.sides.map((s) => s.side)).to.deep.equal(['tollbridge', 'confbridge']);
    for (const side of report.sides) {
      const what = side.side;
      expect(side, what).to.include({ calls: CALLS, answered: CALLS, inConference: CALLS });
      complete(side.join, ROOMS, `${what} moderators '#' -> in`);
      complete(side.release?.moderatorIn, ROOMS, `${what} release: moderator in`);
      complete(side.release?.allIn, ROOMS, `${what} release: all in`);
      complete(side.release?.waitingIn, CALLS - ROOMS, `${what} release: each waiting caller`);
      expect(side.maxLiveCalls, what).to.equal(CALLS); // everyone waited, then all were in together
      expect(side.cpu.asteriskS, `${what} Asterisk CPU`).to.be.greaterThan(0);
      expect(side.callers, what).to.equal('light');
      expect(side.cpu.callersS, `${what} load generator CPU`).to.be.greaterThan(0);
      expect(side.taskprocessors.polls, `${what} taskprocessor polls`).to.be.greaterThan(0);
      expect(side.taskprocessors.deepest, what).to.have.length(3);
      expect(side.memory.asteriskPeakKb, what).to.be.greaterThan(0);
    }
    const tollbridge = report.sides[0];
    expect(tollbridge?.cpu.appS, 'app CPU').to.be.greaterThan(0);
    expect(tollbridge?.taskprocessors.ariApplication?.name).to.match(/ari:application\/tollbridge/);
    const memory = tollbridge?.memory;
    expect(memory?.appStartKb, 'app RSS at start').to.be.greaterThan(0);
    if (memory?.appStartKb != null) {
      expect(memory.appPeakKb).to.be.at.least(memory.appStartKb);
      expect(memory.appIdle?.afterS, 'RSS read again after the idle wait').to.equal(1);
      expect(memory.appIdle?.kb, 'RSS after the idle wait').to.be.greaterThan(0);
    }
    expect(formatReport(report)).to.contain('tollbridge/ConfBridge').and.contain('release: all waiting in p99').and.contain('app RSS after the idle wait');
  });
});
