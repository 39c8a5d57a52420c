// A room's monthly spend cap over real SIP (issue 25): with ledger legs seeded earlier this month
// so the room stands at 80 % of its cap, a moderator's join plays the warning tone and the owner
// gets exactly one e-mail across two joins; at the cap a participant hears "The conference cannot
// be extended", is hung up and never enters (the leg ends 'spend-cap'), and a moderator still gets
// in. What each channel was played is read through an observer ARI app subscribed to every channel.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import { periodBounds, periodOf } from '../../domain/billing.js';
import { placeCall, startCall, type CallOptions } from '../../sipp/caller.js';
import { enterRoom } from '../support/caller-steps.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, type SeededRoom } from '../support/bridge-fixture.js';
import { playbackObserver, type PlaybackObserver } from '../support/playback-observer.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { waitFor } from '../support/wait.js';

const WARNING = 'sound:beeperr';
const REFUSAL = 'sound:conf-nonextended';

describe('spend cap over real SIP: the moderator warned at 80 %, participants refused at the cap @asterisk', function () {
  this.timeout(120_000);
  let bridge: BridgeUnderTest;
  let smtp: SmtpSink;
  let watch: PlaybackObserver;
  let seeded = 0;

  before(async () => {
    smtp = await SmtpSink.start();
    const log = pino({ level: 'silent' });
    bridge = await BridgeUnderTest.start(undefined, { spendCaps: { mailer: createMailer({ smtpUrl: smtp.url, from: 'billing@tollbridge.test' }, log) } });
    watch = await playbackObserver('spendcap');
  });
  after(async () => {
    watch?.client.stop();
    await bridge?.stop();
    await smtp?.close();
  });

  const call = (room: SeededRoom, pin: string, callerNumber: string): CallOptions => ({
    target: { host: '127.0.0.1', port: testAsteriskConfig().sipPort }, dialled: room.tollFree, steps: enterRoom(room.roomNumber, pin), callerNumber,
    hangup: { by: 'far-end', maxWaitMs: 30_000 },
  });

  /**
   * A 30-minute leg in the room earlier this month, before this run (Asterisk's record of this
   * run does not know it): its amount, as the ledger rated it.
   */
  async function seedSpend(room: SeededRoom): Promise<number> {
    const now = Date.now();
    const answeredAt = Math.max(periodBounds(periodOf(now))?.start ?? 0, now - 3_600_000);
    const sub = (await bridge.db.numbers.subscriptionsFor(room.accountId))[0]!;
    const channelId = `seeded-spend-${++seeded}`;
    await bridge.db.ledger.openLeg({ channelId, accountId: room.accountId, subscriptionId: sub.id, numberId: sub.numberId, dialled: sub.e164, callerNumber: null, answeredAt });
    await bridge.db.ledger.assign(channelId, { roomId: (await bridge.db.rooms.get(room.roomNumber)).id, role: 'moderator' });
    const leg = await bridge.db.ledger.closeLeg(channelId, answeredAt + 30 * 60_000, 'hangup');
    expect(leg?.amountMicros).to.be.above(0);
    return leg?.amountMicros ?? 0;
  }

  const capAt = (room: SeededRoom, monthlyMicros: number) => bridge.db.rooms.updateSettings(room.roomNumber, { spendCap: { monthlyMicros, graceSeconds: null } });

  it('at 80 %: a moderator hears the warning tone on joining, twice over two joins; the owner gets exactly one e-mail', async () => {
    const room = await bridge.seedRoom();
    const owner = await bridge.db.accounts.get(room.accountId);
    const spent = await seedSpend(room);
    // 30 minutes of 35: about 86 %, and two short calls of a started minute each stay under the cap.
    await capAt(room, Math.ceil((spent * 35) / 30));
    for (const caller of ['+15550910001', '+15550910002']) {
      const moderator = startCall({ ...call(room, room.moderatorPin, caller), hangup: { by: 'far-end', maxWaitMs: 60_000 } });
      const [channelId] = await bridge.waitForLive(room.roomNumber, 1, 30_000);
      expect(watch.played.get(channelId ?? '')).to.include(WARNING);
      await moderator.hangUpNow();
      expect(await moderator.result).to.include({ answered: true, hungUpBy: 'caller' });
      await bridge.waitForNothingLeft();
    }
    const mail = await waitFor('the owner\'s e-mail at the SMTP server', () => (smtp.received.length > 0 ? smtp.received : null));
    // The second join's check has long finished: a second mail would be there by now.
    expect(mail).to.have.length(1);
    expect(mail[0]?.to).to.deep.equal([owner.email]);
    expect(mail[0]?.raw).to.contain(`Room ${room.roomNumber}: 80 % of this month's spend cap used`);
    const legs = await bridge.db.ledger.legsFor(room.accountId, { from: Date.now() - 600_000 });
    expect(legs.filter((l) => l.channelId?.startsWith('seeded') !== true).map((l) => [l.role, l.endReason])).to.deep.equal([['moderator', 'hangup'], ['moderator', 'hangup']]);
  });

  it('at the cap: a participant hears that the conference cannot be extended and is hung up, never in the room; a moderator still gets in, warned', async () => {
    const room = await bridge.seedRoom();
    const spent = await seedSpend(room);
    await capAt(room, spent);
    const refused = await placeCall(call(room, room.participantPin, '+15550920001'));
    expect(refused).to.include({ answered: true, hungUpBy: 'far-end' });
    const participantLeg = await waitFor('the refused participant\'s leg closed', async () =>
      (await bridge.db.ledger.legsFor(room.accountId, {})).find((l) => l.callerNumber === '+15550920001' && l.endedAt !== null) ?? null);
    expect(participantLeg).to.include({ endReason: 'spend-cap', roomId: null, role: 'unauthenticated' });
    // The refusal is the last thing the caller heard: hung up right after it, no goodbye.
    const heard = [...watch.played.values()].find((media) => media.includes(REFUSAL)) ?? [];
    expect(heard.at(-1)).to.equal(REFUSAL);
    expect(heard).to.not.include(WARNING);

    const moderator = startCall({ ...call(room, room.moderatorPin, '+15550920002'), hangup: { by: 'far-end', maxWaitMs: 60_000 } });
    const [channelId] = await bridge.waitForLive(room.roomNumber, 1, 30_000);
    expect(watch.played.get(channelId ?? '')).to.include(WARNING).and.not.include(REFUSAL);
    await moderator.hangUpNow();
    expect(await moderator.result).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
    expect((await bridge.db.ledger.legsFor(room.accountId, {})).find((l) => l.callerNumber === '+15550920002')).to.include({ role: 'moderator', endReason: 'hangup' });
  });
});
