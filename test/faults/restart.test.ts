// Restarts and crashes with live calls, over real SIP: `tollbridge start` runs as a spawned
// process with its own Asterisk instance (test/support/spawned-bridge.ts).
//  1. kill -9 the app with 30 callers up (a moderator and participants live in one room, others
//     on hold in a second) and one more in the middle of the IVR, start it again: nobody is hung
//     up, everyone is where they were, the caller in the IVR is asked for the PIN again and gets
//     in, the rebuilt room still applies its policy when the moderator leaves, and every leg's
//     seconds match SIPp's.
//  2. kill -9 Asterisk with callers up: the app notices, starts Asterisk again, closes the legs
//     at the moment Asterisk died, and the next call works.
//  3. A graceful restart (SIGUSR2, for an upgrade): the app exits 0 leaving Asterisk and every
//     call up; the next start takes them back, the room's policy still works, legs match SIPp;
//     a room locked before the restart (a moderator's key 2) still refuses a participant after.
import { expect } from 'chai';
import { startCall, type CallHandle, type CallOptions, type CallResult, type Step } from '../../sipp/caller.js';
import { enterRoom as enter } from '../support/caller-steps.js';
import { processAlive, SpawnedBridge, type SpawnedRoom } from '../support/spawned-bridge.js';
import { waitFor } from '../support/wait.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


describe('restarts and crashes with live calls @asterisk', function () {
  this.timeout(300_000);
  const bridge = new SpawnedBridge();
  let roomA: SpawnedRoom;
  let roomB: SpawnedRoom;
  const handles: CallHandle[] = [];

  const call = (room: SpawnedRoom, pin: string, callerNumber: string, steps = enter(room.roomNumber, pin)): CallHandle => {
    const options: CallOptions = {
      target: { host: '127.0.0.1', port: bridge.config.asterisk.sipPort },
      dialled: room.tollFree,
      callerNumber,
      steps,
      hangup: { by: 'far-end', maxWaitMs: 240_000 },
    };
    const handle = startCall(options);
    handles.push(handle);
    return handle;
  };

  before(async () => {
    roomA = await bridge.seedRoom('end');
    roomB = await bridge.seedRoom('end');
    await bridge.start();
  });

  after(async () => {
    await bridge.tearDown(handles);
  });

  // A failed test leaves its callers up: hung up here so the next test starts from empty rooms.
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    await Promise.all(handles.map((h) => h.hangUpNow().catch(() => undefined)));
    await waitFor('rooms A and B empty after a failed test', async () => {
      const left = (await bridge.members(roomA.roomNumber, 'live')).length + (await bridge.members(roomA.roomNumber, 'hold')).length + (await bridge.members(roomB.roomNumber, 'hold')).length;
      return left === 0 ? true : null;
    }, { timeoutMs: 30_000, intervalMs: 250 }).catch(() => undefined);
  });

  it('kill -9 of the app with 30 callers up and one in the IVR: nobody dropped, rooms and roles as before, the IVR step asked again, policy applied afterwards, legs match SIPp', async () => {
    const moderator = call(roomA, roomA.moderatorPin, '+15550100000');
    await bridge.waitForMembers(roomA.roomNumber, 'live', 1);
    // Started 100 ms apart: 29 SIPp processes at once on a loaded 2-core CI machine bunch their key packets.
    const participants: CallHandle[] = [];
    for (let i = 0; i < 23; i++) {
      participants.push(call(roomA, roomA.participantPin, `+155501001${String(i).padStart(2, '0')}`));
      await pause(100);
    }
    const waiting: CallHandle[] = [];
    for (let i = 0; i < 6; i++) {
      waiting.push(call(roomB, roomB.participantPin, `+155501002${String(i).padStart(2, '0')}`));
      await pause(100);
    }
    const everyone = [moderator, ...participants, ...waiting];
    const ended = new Set<CallHandle>();
    for (const h of everyone) void h.result.then(() => ended.add(h));
    const liveBefore = await bridge.waitForMembers(roomA.roomNumber, 'live', 24).catch(async (err: unknown) => {
      // Which callers are not in, and what SIPp and the app say of them.
      const live = await bridge.members(roomA.roomNumber, 'live');
      const gone = await Promise.all([...ended].map((h) => h.result));
      throw new Error(`${String(err)}: ${live.length} live; ${gone.length} calls ended: ${gone.map((r) => `[${r.finalStatus ?? '-'} ${r.hungUpBy} ${r.log.slice(0, 300)}]`).join(' ')}\napp log:\n${bridge.logLinesSince(0, ['refused', 'failed', 'busy', 'goodbye', 'attempts', 'ending the call', 'locked'])}`);
    });
    const holdBefore = await bridge.waitForMembers(roomB.roomNumber, 'hold', 6);
    // One more caller, killed between the room number and the PIN: its PIN comes after the restart.
    // Its PIN comes after the restart, three times 4.5 s apart: whichever attempt the resumed call
    // is listening in takes it (a send that falls in a failure's feedback is dropped by design, and
    // how long the restart takes moves those windows); once in, the PIN's digits do nothing.
    const pin: Step = { digits: `${roomA.participantPin}#` };
    const ivr = call(roomA, roomA.participantPin, IVR_CALLER, [{ pauseMs: 300 }, { digits: `${roomA.roomNumber}#` }, { pauseMs: 9_000 }, pin, { pauseMs: 4_500 }, pin, { pauseMs: 4_500 }, pin]);
    void ivr.result.then(() => ended.add(ivr));
    await waitFor('the IVR caller marked as entering the PIN', async () => (await bridge.markOf(IVR_CALLER))?.startsWith('step=enteringPin') === true, { timeoutMs: 20_000, intervalMs: 100 });

    const ivrChannel = (await bridge.channelOf(IVR_CALLER)) ?? 'unknown';
    const markedAt = Date.now();

    const asteriskPid = bridge.asteriskPid();
    const logBeforeRestart = bridge.log.length;
    await bridge.kill9();
    expect(asteriskPid !== null && processAlive(asteriskPid), 'Asterisk survived the app').to.equal(true);
    await bridge.start();
    const restartedMs = Date.now() - markedAt;
    expect(bridge.log).to.include('attached to the running Asterisk');
    expect(bridge.asteriskPid()).to.equal(asteriskPid);

    // Nobody was hung up, and everyone is in the bridge they were in.
    expect(ended.size, 'calls ended by the restart').to.equal(0);
    expect(await bridge.members(roomA.roomNumber, 'live')).to.deep.equal(liveBefore);
    expect(await bridge.members(roomB.roomNumber, 'hold')).to.deep.equal(holdBefore);
    expect(bridge.log).to.match(/"resumed":31,/);
    // The IVR caller heard the PIN prompt again, typed the PIN, and joined the rebuilt live room.
    await bridge.waitForMembers(roomA.roomNumber, 'live', 25, 30_000).catch(async (err: unknown) => {
      // What the IVR caller went through, so a red run says why it is not in the room.
      const ivrEnded = ended.has(ivr) ? (await ivr.result).log.slice(-1500) : 'still up';
      throw new Error(
        `${err instanceof Error ? err.message : String(err)}; restart took ${restartedMs} ms from the IVR mark; ` +
          `IVR caller ${ivrChannel} mark: ${(await bridge.markOf(IVR_CALLER)) ?? 'none'}; its SIPp call: ${ivrEnded}\n` +
          `app log since the kill:\n${bridge.logLinesSince(logBeforeRestart, [ivrChannel])}`,
      );
    });
    expect((await bridge.markOf(IVR_CALLER)) ?? '').to.match(/^step=inRoom&.*role=participant/);

    // The rebuilt room knows its moderator: when they leave, "end" dismisses the 23 participants.
    await moderator.hangUpNow();
    const dismissed = await Promise.all([...participants, ivr].map((p) => p.result));
    for (const r of dismissed) expect(r, r.log).to.include({ answered: true, hungUpBy: 'far-end' });
    // Room B still waits for its moderator.
    expect(await bridge.members(roomB.roomNumber, 'hold')).to.deep.equal(holdBefore);
    await Promise.all(waiting.map((w) => w.hangUpNow()));
    everyone.push(ivr);
    const results = await Promise.all(everyone.map((h) => h.result));
    for (const r of results) expect(r.answered).to.equal(true);

    const legs = await waitFor('31 legs closed', () =>
      bridge.withDb(async (db) => {
        const all = [...(await db.ledger.legsFor(roomA.accountId)), ...(await db.ledger.legsFor(roomB.accountId))];
        return all.length === 31 && all.every((l) => l.endedAt !== null) ? all : null;
      }), { timeoutMs: 30_000, intervalMs: 250 });
    expect(legs.filter((l) => l.role === 'moderator')).to.have.length(1);
    expect(legs.filter((l) => l.role === 'participant')).to.have.length(30);
    everyone.forEach((_h, i) => {
      const r = results[i] as CallResult;
      const leg = legs.find((l) => l.callerNumber === callerOf(i));
      const sippSeconds = ((r.endedAt ?? 0) - (r.answeredAt ?? 0)) / 1000;
      expect(leg, callerOf(i)).to.not.equal(undefined);
      expect(leg?.seconds, `${callerOf(i)}: SIPp ${sippSeconds} s`).to.be.within(Math.floor(sippSeconds), Math.ceil(sippSeconds) + 1);
    });
  });

  it('kill -9 of Asterisk with callers up: legs closed when it died, Asterisk started again, the next call works', async () => {
    const moderator = call(roomA, roomA.moderatorPin, '+15550300000');
    await bridge.waitForMembers(roomA.roomNumber, 'live', 1);
    const participants = [1, 2].map((i) => call(roomA, roomA.participantPin, `+1555030000${i}`));
    await bridge.waitForMembers(roomA.roomNumber, 'live', 3);
    const oldPid = bridge.asteriskPid();
    expect(oldPid).to.be.a('number');
    const killedAt = Date.now();
    process.kill(oldPid as number, 'SIGKILL');

    const callers = ['+15550300000', '+15550300001', '+15550300002'];
    const legs = await waitFor('the 3 legs closed', () =>
      bridge.withDb(async (db) => {
        const mine = (await db.ledger.legsFor(roomA.accountId)).filter((l) => l.callerNumber !== null && callers.includes(l.callerNumber));
        return mine.length === 3 && mine.every((l) => l.endedAt !== null) ? mine : null;
      }), { timeoutMs: 90_000, intervalMs: 250 });
    for (const leg of legs) expect(Math.abs((leg.endedAt ?? 0) - killedAt), `leg ${leg.callerNumber ?? ''} ended ${(leg.endedAt ?? 0) - killedAt} ms from the kill`).to.be.below(1000);
    const newPid = bridge.asteriskPid();
    expect(newPid).to.not.equal(oldPid);
    expect(newPid !== null && processAlive(newPid)).to.equal(true);
    // The dead calls' SIPp never hears a BYE (Asterisk died); they are not waited for.
    for (const h of [moderator, ...participants]) void h.hangUpNow().catch(() => undefined);

    const next = call(roomA, roomA.moderatorPin, '+15550300009');
    await bridge.waitForMembers(roomA.roomNumber, 'live', 1, 60_000);
    const result = await next.hangUpNow();
    expect(result).to.include({ answered: true, hungUpBy: 'caller' });
    await waitFor('the next call\'s leg closed', () =>
      bridge.withDb(async (db) => {
        const leg = (await db.ledger.legsFor(roomA.accountId)).find((l) => l.callerNumber === '+15550300009');
        return leg?.endedAt !== null && leg?.role === 'moderator';
      }), { timeoutMs: 15_000, intervalMs: 250 });
  });

  it('a graceful restart (SIGUSR2) hands every call over: exit 0, Asterisk and the calls stay up, the next start takes them back', async () => {
    const moderator = call(roomA, roomA.moderatorPin, '+15550400000');
    await bridge.waitForMembers(roomA.roomNumber, 'live', 1);
    const participants = [1, 2, 3].map((i) => call(roomA, roomA.participantPin, `+1555040000${i}`));
    const waiting = [1, 2].map((i) => call(roomB, roomB.participantPin, `+1555040010${i}`));
    const everyone = [moderator, ...participants, ...waiting];
    const ended = new Set<CallHandle>();
    for (const h of everyone) void h.result.then(() => ended.add(h));
    await bridge.waitForMembers(roomA.roomNumber, 'live', 4);
    const holdBefore = await bridge.waitForMembers(roomB.roomNumber, 'hold', 2);
    // A second moderator locks room A (key 2) and leaves: the lock holds while the room has callers.
    const locker = call(roomA, roomA.moderatorPin, '+15550400008', [...enter(roomA.roomNumber, roomA.moderatorPin), { pauseMs: 800 }, { digits: '2' }]);
    await waitFor('room A marked locked in Asterisk', async () => (await bridge.roomMarkOf(roomA.roomNumber)).includes('lockedNow=1'), { timeoutMs: 30_000, intervalMs: 100 });
    await locker.hangUpNow();
    const liveBefore = await bridge.waitForMembers(roomA.roomNumber, 'live', 4);

    const asteriskPid = bridge.asteriskPid();
    expect(await bridge.handOver(), 'exit code of the handing-over process').to.equal(0);
    expect(asteriskPid !== null && processAlive(asteriskPid), 'Asterisk kept running').to.equal(true);
    expect(ended.size, 'calls ended by the hand-over').to.equal(0);
    await bridge.start();
    expect(bridge.log).to.include('attached to the running Asterisk');
    expect(ended.size, 'calls ended by the restart').to.equal(0);
    expect(await bridge.members(roomA.roomNumber, 'live')).to.deep.equal(liveBefore);
    expect(await bridge.members(roomB.roomNumber, 'hold')).to.deep.equal(holdBefore);
    // Still locked: a participant is told so and hung up, never in the conference.
    const refused = await call(roomA, roomA.participantPin, '+15550400009').result;
    expect(refused, refused.log).to.include({ answered: true, hungUpBy: 'far-end' });
    expect(await bridge.members(roomA.roomNumber, 'live')).to.deep.equal(liveBefore);

    // The taken-back room still applies its policy ("end") when the moderator leaves.
    await moderator.hangUpNow();
    for (const r of await Promise.all(participants.map((p) => p.result))) expect(r, r.log).to.include({ answered: true, hungUpBy: 'far-end' });
    await Promise.all(waiting.map((w) => w.hangUpNow()));
    const results = await Promise.all(everyone.map((h) => h.result));
    const callers = ['+15550400000', '+15550400001', '+15550400002', '+15550400003', '+15550400101', '+15550400102'];
    const legs = await waitFor('6 legs closed', () =>
      bridge.withDb(async (db) => {
        const mine = [...(await db.ledger.legsFor(roomA.accountId)), ...(await db.ledger.legsFor(roomB.accountId))].filter((l) => l.callerNumber !== null && callers.includes(l.callerNumber));
        return mine.length === 6 && mine.every((l) => l.endedAt !== null) ? mine : null;
      }), { timeoutMs: 30_000, intervalMs: 250 });
    callers.forEach((caller, i) => {
      const r = results[i] as CallResult;
      const sippSeconds = ((r.endedAt ?? 0) - (r.answeredAt ?? 0)) / 1000;
      const leg = legs.find((l) => l.callerNumber === caller);
      expect(leg?.seconds, `${caller}: SIPp ${sippSeconds} s`).to.be.within(Math.floor(sippSeconds), Math.ceil(sippSeconds) + 1);
    });
  });
});

const IVR_CALLER = '+15550109999';

/** The caller numbers of the first test, in the order the calls were placed. */
function callerOf(i: number): string {
  if (i === 30) return IVR_CALLER;
  if (i === 0) return '+15550100000';
  if (i <= 23) return `+155501001${String(i - 1).padStart(2, '0')}`;
  return `+155501002${String(i - 24).padStart(2, '0')}`;
}
