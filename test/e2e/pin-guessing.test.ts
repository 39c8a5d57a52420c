// PIN guessing over real SIP: after N wrong PINs from one caller (N = 3 here), that caller's
// next call is refused PIN entry (it hears that entry is unavailable and the bridge hangs up,
// even though it types the right PIN), and the room's owner gets one e-mail at the SMTP server.
// The caller's counter in the database is keyed by a hash of the number, not the number.
// A room locked by wrong PINs is lifted by its owner through the API, and the right PIN gets in.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { placeCall, startCall, type CallOptions, type Step } from '../../sipp/caller.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, type SeededRoom } from '../support/bridge-fixture.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { waitFor } from '../support/wait.js';

const CALLER = '+15550123456';

function call(seeded: SeededRoom, steps: Step[]): CallOptions {
  return { target: { host: '127.0.0.1', port: testAsteriskConfig().sipPort }, dialled: seeded.tollFree, steps, hangup: { by: 'far-end', maxWaitMs: 30_000 }, callerNumber: CALLER };
}

describe('PIN guessing over real SIP: a caller locked out after 3 wrong PINs; the owner lifts a room lock @asterisk', function () {
  this.timeout(120_000);
  let bridge: BridgeUnderTest;
  let smtp: SmtpSink;
  let api: ApiServer;

  before(async () => {
    smtp = await SmtpSink.start();
    const log = pino({ level: 'silent' });
    bridge = await BridgeUnderTest.start(undefined, {
      pinGuard: {
        mailer: createMailer({ smtpUrl: smtp.url, from: 'security@tollbridge.test' }, log),
        guessing: { pauseMs: 200, maxPauseMs: 400, maxUnauthenticatedPerNumber: 10, maxUnauthenticatedPerCaller: 2 },
        lockPolicy: { roomLockAfter: { moderator: 3, participant: 3 }, callerLockAfter: 3, lockMs: 3_600_000, windowMs: 3_600_000 },
      },
    });
    api = await startSite({ db: bridge.db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: '' }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await bridge?.stop();
    await smtp?.close();
  });

  it('3 wrong PINs lock the room and the caller; the next call, with the right PIN, is hung up without getting in; the owner is mailed once', async () => {
    const room = await bridge.seedRoom();
    const owner = await bridge.db.accounts.get(room.accountId);
    const guessing: Step[] = [{ pauseMs: 300 }, { digits: `${room.roomNumber}#` }, { pauseMs: 800 }, { digits: '2580#' }, { pauseMs: 3500 }, { digits: '2581#' }, { pauseMs: 3500 }, { digits: '2582#' }];
    const first = await placeCall(call(room, guessing));
    expect(first).to.include({ answered: true, hungUpBy: 'far-end' });

    const retry = await placeCall(call(room, [{ pauseMs: 300 }, { digits: `${room.roomNumber}#` }, { pauseMs: 800 }, { digits: `${room.moderatorPin}#` }]));
    expect(retry).to.include({ answered: true, hungUpBy: 'far-end' });
    await bridge.waitForNothingLeft();
    expect(await bridge.liveMembers(room.roomNumber)).to.have.length(0);
    expect(await bridge.holdMembers(room.roomNumber)).to.have.length(0);

    const legs = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(legs.map((l) => [l.role, l.endReason, l.callerNumber])).to.deep.equal([
      ['unauthenticated', 'refused', CALLER],
      ['unauthenticated', 'refused', CALLER],
    ]);
    // The guard's counters hold a keyed hash of the calling number, never the number (issue 13).
    const counters = await bridge.db.knex('pin_failures').select<Array<{ scope: string; subject: string; locked_until: number | string | null }>>('scope', 'subject', 'locked_until');
    expect(JSON.stringify(counters)).not.to.contain(CALLER.slice(1));
    expect(counters.find((c) => c.scope === 'caller' && c.subject === bridge.db.pinFailures.callerSubject(CALLER))?.locked_until).to.not.equal(null);
    const mail = await waitFor('the owner e-mail at the SMTP server', () => (smtp.received.length > 0 ? smtp.received : null));
    expect(mail).to.have.length(1);
    expect(mail[0]?.to).to.deep.equal([owner.email]);
    expect(mail[0]?.raw).to.contain(room.roomNumber).and.not.contain('2580').and.not.contain(room.moderatorPin);
  });

  it('a room locked by wrong PINs refuses the right PIN; its owner lifts the lock through the API; then a caller with the right PIN gets into the room', async () => {
    const room = await bridge.seedRoom();
    const guesser = '+15550124001';
    const member = '+15550124002';
    const enter = (pin: string): Step[] => [{ pauseMs: 300 }, { digits: `${room.roomNumber}#` }, { pauseMs: 800 }, { digits: `${pin}#` }];
    const guessing: Step[] = [...enter('2580'), { pauseMs: 3500 }, { digits: '2581#' }, { pauseMs: 3500 }, { digits: '2582#' }];
    expect(await placeCall({ ...call(room, guessing), callerNumber: guesser })).to.include({ answered: true, hungUpBy: 'far-end' });
    const roomId = (await bridge.db.rooms.get(room.roomNumber)).id;
    expect((await bridge.db.pinFailures.roomLocks(roomId)).moderator).to.deep.include({ locked: true, failures: 3 });

    // Locked: another caller with the right moderator PIN is hung up without getting in.
    expect(await placeCall({ ...call(room, enter(room.moderatorPin)), callerNumber: member })).to.include({ answered: true, hungUpBy: 'far-end' });
    expect(await bridge.liveMembers(room.roomNumber)).to.have.length(0);

    // The owner lifts it with their own credential, as the web page's button does.
    const { token } = await bridge.db.credentials.session(room.accountId);
    const lifted = await fetch(`${api.url}/v1/accounts/${room.accountId}/room/pin-lock`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(lifted.status).to.equal(200);
    expect(((await lifted.json()) as { lifted: string[] }).lifted).to.deep.equal(['moderator', 'participant']);

    const moderator = startCall({ ...call(room, enter(room.moderatorPin)), callerNumber: member, hangup: { by: 'far-end', maxWaitMs: 60_000 } });
    await bridge.waitForLive(room.roomNumber, 1, 30_000);
    await moderator.hangUpNow();
    expect(await moderator.result).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
    const legs = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(legs.map((l) => [l.role, l.endReason])).to.deep.equal([['unauthenticated', 'refused'], ['unauthenticated', 'refused'], ['moderator', 'hangup']]);
    // The guesser's own number stays locked: lifting the room's lock is no reset for the guesser.
    expect((await bridge.db.pinFailures.state({ roomId, callerNumber: guesser })).caller.locked).to.equal(true);
  });

  it('over the cap of calls still in the IVR from one caller (2 here), the next call is refused busy (SIP 486) before answer', async () => {
    const room = await bridge.seedRoom();
    const other = (n: string): CallOptions => ({ ...call(room, []), callerNumber: n, hangup: { by: 'far-end', maxWaitMs: 30_000 } });
    const waiting = [startCall(other('+15550777001')), startCall(other('+15550777001'))];
    await Promise.all(waiting.map((c) => c.answered));
    const refused = await placeCall({ ...other('+15550777001'), hangup: { by: 'far-end', maxWaitMs: 10_000 } });
    expect(refused).to.include({ finalStatus: 486, answered: false });
    await Promise.all(waiting.map((c) => c.hangUpNow()));
    await bridge.waitForNothingLeft();
    expect(await bridge.db.ledger.legsFor(room.accountId, {})).to.have.length(2);
  });
});
