// The caller's journey over real SIP: SIPp callers into the real Asterisk 22, the real app
// (BridgeApp) and a real database. Assertions are on what Asterisk, the caller and the ledger
// show: SIP responses, who hung up, bridge membership through ARI, ledger rows.
import { expect } from 'chai';
import { ARI_EVENT_TYPES } from '../../bridge/ari-events.js';
import { placeCall, placeCalls, startCall, type CallOptions, type Step } from '../../sipp/caller.js';
import { enterRoom as enter } from '../support/caller-steps.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, type SeededRoom } from '../support/bridge-fixture.js';
import { waitFor } from '../support/wait.js';

const target = () => ({ host: '127.0.0.1', port: testAsteriskConfig().sipPort });

/** Room number then PIN, each ended by '#', with a short pause as a person would leave. */

function call(seeded: SeededRoom, steps: Step[], hangup: CallOptions['hangup'], callerNumber?: string): CallOptions {
  return { target: target(), dialled: seeded.tollFree, steps, hangup, ...(callerNumber === undefined ? {} : { callerNumber }) };
}

describe('the dial-in call over real SIP @asterisk', function () {
  this.timeout(120_000);
  let bridge: BridgeUnderTest;

  before(async () => {
    bridge = await BridgeUnderTest.start();
  });
  after(async () => {
    await bridge?.stop();
  });
  afterEach(async () => {
    await bridge.waitForNothingLeft();
  });

  it('the app asks Asterisk for the event types it handles and no others (no ChannelVarset storm)', async () => {
    const app = await bridge.app.ari.client.applications.get({ applicationName: testAsteriskConfig().ariApp });
    const allowed = (app as unknown as { events_allowed?: Array<{ type: string }> }).events_allowed ?? [];
    expect(allowed.map((e) => e.type).sort()).to.deep.equal([...ARI_EVENT_TYPES].sort());
    expect(allowed.map((e) => e.type)).to.not.include('ChannelVarset');
  });

  it('moderator first, then 3 participants: all four are in the live conference bridge', async () => {
    const room = await bridge.seedRoom();
    const moderator = startCall(call(room, enter(room.roomNumber, room.moderatorPin), { by: 'far-end', maxWaitMs: 60_000 }));
    await bridge.waitForLive(room.roomNumber, 1);
    const participants = [1, 2, 3].map(() => startCall(call(room, enter(room.roomNumber, room.participantPin), { by: 'far-end', maxWaitMs: 60_000 })));
    await bridge.waitForLive(room.roomNumber, 4);
    expect(await bridge.holdMembers(room.roomNumber)).to.have.length(0);
    await Promise.all([moderator, ...participants].map((c) => c.hangUpNow()));
    const results = await Promise.all([moderator, ...participants].map((c) => c.result));
    for (const r of results) expect(r).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
    const legs = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(legs.map((l) => l.role).sort()).to.deep.equal(['moderator', 'participant', 'participant', 'participant']);
    for (const leg of legs) expect(leg.endedAt).to.be.a('number');
  });

  it('3 participants first wait on hold with music; the moderator brings them all into the conference', async () => {
    const room = await bridge.seedRoom();
    const participants = [1, 2, 3].map(() => startCall(call(room, enter(room.roomNumber, room.participantPin), { by: 'far-end', maxWaitMs: 60_000 })));
    await bridge.waitForHold(room.roomNumber, 3);
    expect(await bridge.liveMembers(room.roomNumber)).to.have.length(0);
    const moderator = startCall(call(room, enter(room.roomNumber, room.moderatorPin), { by: 'far-end', maxWaitMs: 60_000 }));
    await bridge.waitForLive(room.roomNumber, 4);
    expect(await bridge.holdMembers(room.roomNumber)).to.have.length(0);
    await Promise.all([moderator, ...participants].map((c) => c.hangUpNow()));
    await Promise.all([moderator, ...participants].map((c) => c.result));
  });

  it('a wrong room three times: the bridge says goodbye and hangs up; the leg stays unauthenticated', async () => {
    const room = await bridge.seedRoom();
    const steps: Step[] = [{ pauseMs: 300 }, { digits: '12345678#' }, { pauseMs: 1500 }, { digits: '87654321#' }, { pauseMs: 1500 }, { digits: '11111111#' }];
    const result = await placeCall(call(room, steps, { by: 'far-end', maxWaitMs: 40_000 }));
    expect(result).to.include({ answered: true, hungUpBy: 'far-end' });
    await bridge.waitForNothingLeft();
    const legs = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(legs).to.have.length(1);
    expect(legs[0]).to.include({ role: 'unauthenticated' });
  });

  it('a wrong PIN three times: the bridge says goodbye and hangs up', async () => {
    const room = await bridge.seedRoom();
    const steps: Step[] = [{ pauseMs: 300 }, { digits: `${room.roomNumber}#` }, { pauseMs: 800 }, { digits: '0000#' }, { pauseMs: 1500 }, { digits: '9999#' }, { pauseMs: 1500 }, { digits: '5555#' }];
    const result = await placeCall(call(room, steps, { by: 'far-end', maxWaitMs: 40_000 }));
    expect(result).to.include({ answered: true, hungUpBy: 'far-end' });
    expect(await bridge.liveMembers(room.roomNumber)).to.have.length(0);
  });

  it('silence: the caller is prompted again, then the bridge hangs up', async () => {
    const room = await bridge.seedRoom();
    const started = Date.now();
    const result = await placeCall(call(room, [{ silenceMs: 1000 }], { by: 'far-end', maxWaitMs: 60_000 }));
    expect(result).to.include({ answered: true, hungUpBy: 'far-end' });
    // Three prompts and three first-digit timeouts (1.5 s each) cannot pass in under ~10 s.
    expect(Date.now() - started).to.be.greaterThan(10_000);
  });

  it('the caller hangs up during PIN entry: the leg is closed with the call\'s seconds and no role', async () => {
    const room = await bridge.seedRoom();
    const steps: Step[] = [{ pauseMs: 300 }, { digits: `${room.roomNumber}#` }, { pauseMs: 300 }, { digits: '12' }];
    const result = await placeCall(call(room, steps, { by: 'caller', afterMs: 6500 }, '+15551234567'));
    expect(result).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
    const [leg] = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(leg).to.include({ role: 'unauthenticated', callerNumber: '+15551234567', dialled: room.tollFree });
    // SIPp's clock and Asterisk's differ by SIP/ARI transit; the ledger counts whole seconds.
    const callSeconds = ((result.endedAt ?? 0) - (result.answeredAt ?? 0)) / 1000;
    expect(leg?.seconds).to.be.within(Math.floor(callSeconds), Math.ceil(callSeconds) + 1);
  });

  it('an unknown or unsubscribed number is rejected with SIP 404, never answered, never metered', async () => {
    const room = await bridge.seedRoom();
    await bridge.db.numbers.add('+18885550199', 'toll_free'); // in inventory, subscribed by nobody
    for (const dialled of ['+18885550198', '+18885550199']) {
      const result = await placeCall({ target: target(), dialled, steps: [], hangup: { by: 'far-end', maxWaitMs: 10_000 } });
      expect(result.finalStatus, dialled).to.equal(404);
      expect(result.answered).to.equal(false);
    }
    expect(await bridge.db.ledger.legsFor(room.accountId, {})).to.have.length(0);
  });

  for (const policy of ['end', 'continue', 'wait'] as const) {
    it(`when the moderator leaves a room set to "${policy}"`, async () => {
      const room = await bridge.seedRoom({ policy });
      const moderator = startCall(call(room, enter(room.roomNumber, room.moderatorPin), { by: 'far-end', maxWaitMs: 60_000 }));
      const participants = [1, 2].map(() => startCall(call(room, enter(room.roomNumber, room.participantPin), { by: 'far-end', maxWaitMs: 60_000 })));
      await bridge.waitForLive(room.roomNumber, 3);
      await moderator.hangUpNow();
      await moderator.result;
      if (policy === 'end') {
        // Everyone hears conf-leaderhasleft and is hung up by the bridge.
        const results = await Promise.all(participants.map((p) => p.result));
        for (const r of results) expect(r.hungUpBy).to.equal('far-end');
      } else if (policy === 'continue') {
        await bridge.waitForLive(room.roomNumber, 2);
        expect(await bridge.holdMembers(room.roomNumber)).to.have.length(0);
        await Promise.all(participants.map((p) => p.hangUpNow()));
      } else {
        await bridge.waitForHold(room.roomNumber, 2);
        // A moderator's return brings them back.
        const back = startCall(call(room, enter(room.roomNumber, room.moderatorPin), { by: 'far-end', maxWaitMs: 60_000 }));
        await bridge.waitForLive(room.roomNumber, 3);
        await Promise.all([back, ...participants].map((p) => p.hangUpNow()));
        await back.result;
      }
      await Promise.all(participants.map((p) => p.result));
    });
  }

  it('callers in the conference are quiet (no channel events to the app), yet hear a prompt to its end and their hang-ups close their legs', async () => {
    const room = await bridge.seedRoom({ policy: 'end' });
    const moderator = startCall(call(room, enter(room.roomNumber, room.moderatorPin), { by: 'far-end', maxWaitMs: 60_000 }));
    const participants = [1, 2].map(() => startCall(call(room, enter(room.roomNumber, room.participantPin), { by: 'far-end', maxWaitMs: 60_000 })));
    const members = await bridge.waitForLive(room.roomNumber, 3);
    const subscribedTo = async () => {
      const app = await bridge.app.ari.client.applications.get({ applicationName: testAsteriskConfig().ariApp });
      return typeof app.channel_ids === 'string' ? [app.channel_ids] : app.channel_ids;
    };
    await waitFor('conference members unsubscribed', async () => ((await subscribedTo()).some((id) => members.includes(id)) ? null : true));
    await moderator.hangUpNow();
    // 'end': the participants are subscribed again, hear conf-leaderhasleft, and are hung up.
    for (const r of await Promise.all(participants.map((p) => p.result))) expect(r.hungUpBy).to.equal('far-end');
    await bridge.waitForNothingLeft();
    // Every prompt's PlaybackFinished arrived (a lost one would stay pending for ever).
    expect(bridge.app.ari.playbacks.pending).to.equal(0);
    expect(bridge.app.ari.subscriptions.quietCount).to.equal(0);
    const legs = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(legs.filter((l) => l.endedAt !== null)).to.have.length(3);
  });

  it('a room number and PIN full of repeated digits (22332233, 1133) are entered correctly', async () => {
    bridge.nextRoomNumbers.push('22332233');
    const room = await bridge.seedRoom({ moderatorPin: '1133', participantPin: '7717' });
    expect(room.roomNumber).to.equal('22332233');
    const moderator = startCall(call(room, enter(room.roomNumber, '1133'), { by: 'far-end', maxWaitMs: 60_000 }));
    const participant = startCall(call(room, enter(room.roomNumber, '7717'), { by: 'far-end', maxWaitMs: 60_000 }));
    await bridge.waitForLive(room.roomNumber, 2);
    await Promise.all([moderator.hangUpNow(), participant.hangUpNow()]);
  });

  it('ledger legs match what happened to the second: seconds, roles, caller numbers', async () => {
    const room = await bridge.seedRoom();
    const plan = [
      { caller: '+15550000001', pin: room.moderatorPin, afterMs: 9000, role: 'moderator' },
      { caller: '+15550000002', pin: room.participantPin, afterMs: 6000, role: 'participant' },
      { caller: '+15550000003', pin: '0000', afterMs: 4200, role: 'unauthenticated' },
    ];
    const results = await Promise.all(plan.map((p) => placeCall(call(room, enter(room.roomNumber, p.pin), { by: 'caller', afterMs: p.afterMs }, p.caller))));
    await bridge.waitForNothingLeft();
    const legs = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(legs).to.have.length(3);
    plan.forEach((p, i) => {
      const leg = legs.find((l) => l.callerNumber === p.caller);
      const r = results[i];
      expect(leg, p.caller).to.not.equal(undefined);
      expect(leg?.role).to.equal(p.role);
      // The ledger takes the answer time from ARI's answer and the end from Asterisk's StasisEnd;
      // SIPp measures 200 OK and BYE. They differ by transit (ms), and seconds are rounded up.
      const sippSeconds = ((r?.endedAt ?? 0) - (r?.answeredAt ?? 0)) / 1000;
      expect(leg?.seconds, `${p.caller}: SIPp ${sippSeconds} s`).to.be.within(Math.floor(sippSeconds), Math.ceil(sippSeconds) + 1);
      expect(leg?.billableSeconds).to.equal(60);
      expect(leg?.amountMicros).to.equal(20_000); // one started minute at the opening 0.02/min
    });
  });

  it('30 callers into one room at once all reach the conference', async () => {
    const room = await bridge.seedRoom();
    const handles = Array.from({ length: 30 }, (_, i) =>
      startCall(call(room, enter(room.roomNumber, i === 0 ? room.moderatorPin : room.participantPin), { by: 'far-end', maxWaitMs: 90_000 })),
    );
    await bridge.waitForLive(room.roomNumber, 30, 60_000);
    await Promise.all(handles.map((h) => h.hangUpNow()));
    const results = await Promise.all(handles.map((h) => h.result));
    expect(results.filter((r) => r.answered)).to.have.length(30);
    await bridge.waitForNothingLeft(30_000);
    const legs = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(legs.filter((l) => l.role === 'participant')).to.have.length(29);
  });

  it('many separate calls at once each enter their own room', async () => {
    const rooms = await Promise.all([1, 2, 3, 4, 5].map(() => bridge.seedRoom()));
    const results = await placeCalls(rooms.length, (i) => {
      const room = rooms[i] as SeededRoom;
      return call(room, enter(room.roomNumber, room.moderatorPin), { by: 'caller', afterMs: 9000 });
    });
    expect(results.every((r) => r.answered)).to.equal(true);
    await waitFor('legs closed', async () => {
      const legs = (await Promise.all(rooms.map((r) => bridge.db.ledger.legsFor(r.accountId, {})))).flat();
      return legs.length === rooms.length && legs.every((l) => l.role === 'moderator' && l.endedAt !== null);
    });
  });
});
