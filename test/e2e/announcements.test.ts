// What callers hear in the room, over real SIP (issue 12): the join/leave tone and a recorded
// name, heard in a recording of a listener's channel (an ARI snoop on what Asterisk sends that
// caller, measured with sox) against a silent control; the count and "only person" prompts and
// music while alone; a recorded conference's notice before entering, its file listed and
// downloaded through the API; consent by pressing 1.
// What Asterisk played, and to whom, is seen through a second ARI app subscribed to everything
// (as test/e2e/language.test.ts does): each PlaybackStarted names its media, its target (a
// caller's channel or the room's bridge) and the language Asterisk played it in.
import { expect } from 'chai';
import type { Client } from 'ari-client';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { createMailer } from '../../app/accounts/mailer.js';
import { liveBridgeId } from '../../bridge/room-bridge-ids.js';
import type { RoomAnnouncements } from '../../domain/rooms.js';
import { startCall, type CallHandle, type Step } from '../../sipp/caller.js';
import { apiCall } from '../api/api-client.js';
import { sharedAsterisk, testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, TEST_TIMING, type SeededRoom } from '../support/bridge-fixture.js';
import { startObserverApp } from '../support/playback-observer.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);

/** RMS amplitude of a recording, optionally through a sox effect (e.g. a band-pass). */
async function soxRms(file: string, effect: string[] = []): Promise<number> {
  // `sox FILE -n [effect] stat` prints its figures on stderr.
  const { stderr } = await run('sox', [file, '-n', ...effect, 'stat']);
  return Number(/RMS\s+amplitude:\s+(-?[0-9.]+)/.exec(stderr)?.[1] ?? NaN);
}

interface Seen {
  kind: 'play' | 'played' | 'entered';
  /** channel:<id> or bridge:<id> for plays; the channel id for entered. */
  target: string;
  media: string;
  language: string;
}

/** A second ARI app that sees every playback and bridge entry, snoops and records. */
class Observer {
  readonly seen: Seen[] = [];
  private readonly recordingDone = new Map<string, () => void>();
  private readonly inStasis = new Map<string, () => void>();
  /** An app subscribed to everything hears a bridge's playback twice (bridge and playback topics): once is kept. */
  private readonly once = new Set<string>();

  private constructor(
    readonly client: Client,
    readonly app: string,
  ) {
    const note = (key: string, seen: Seen) => {
      if (this.once.has(key)) return;
      this.once.add(key);
      this.seen.push(seen);
    };
    client.on('PlaybackStarted', (e) => note(`play ${e.playback.id}`, { kind: 'play', target: e.playback.target_uri, media: e.playback.media_uri, language: e.playback.language ?? '' }));
    client.on('PlaybackFinished', (e) => note(`played ${e.playback.id}`, { kind: 'played', target: e.playback.target_uri, media: e.playback.media_uri, language: e.playback.language ?? '' }));
    client.on('ChannelEnteredBridge', (e) => note(`entered ${e.channel.id} ${e.bridge.id} ${e.timestamp ?? ''}`, { kind: 'entered', target: e.channel.id, media: e.bridge.id, language: '' }));
    client.on('RecordingFinished', (e) => this.recordingDone.get(e.recording.name)?.());
    client.on('StasisStart', (_e, channel) => this.inStasis.get(channel.id)?.());
  }

  static async start(): Promise<Observer> {
    const { client, app } = await startObserverApp('announce');
    return new Observer(client, app);
  }

  /** Media started on a target (channel:<id> or bridge:<id>), in order. */
  played(target: string, kind: 'play' | 'played' = 'play'): Seen[] {
    return this.seen.filter((s) => s.kind === kind && s.target === target);
  }

  /**
   * Records what Asterisk sends to a caller (a snoop on the channel's outgoing audio) until
   * `stop`, which returns the file (in the test Asterisk's spool).
   */
  async listenTo(channelId: string, name: string): Promise<{ stop(): Promise<string> }> {
    const spool = (await sharedAsterisk()).paths.spoolDir;
    const snoopId = `snoop-${name}`;
    const ready = new Promise<void>((resolve) => this.inStasis.set(snoopId, resolve));
    const snoop = await this.client.channels.snoopChannelWithId({ channelId, snoopId, app: this.app, spy: 'out' });
    await ready;
    const done = new Promise<void>((resolve) => this.recordingDone.set(name, resolve));
    await this.client.channels.record({ channelId: snoop.id, name, format: 'wav', ifExists: 'overwrite' });
    return {
      stop: async () => {
        await this.client.recordings.stop({ recordingName: name });
        await done;
        await this.client.channels.hangup({ channelId: snoop.id }).catch(() => undefined);
        return path.join(spool, 'recording', `${name}.wav`);
      },
    };
  }
}

const target = () => ({ host: '127.0.0.1', port: testAsteriskConfig().sipPort });
const enter = (room: SeededRoom, pin: string): Step[] => [{ pauseMs: 300 }, { digits: `${room.roomNumber}#` }, { pauseMs: 300 }, { digits: `${pin}#` }];
/** A band-pass around the 1200 Hz tone a joiner "says" as their name. */
const NAME_BAND = ['sinc', '1100-1300'];
const REJOIN_WINDOW_MS = 10_000;
const QUIET: Partial<RoomAnnouncements> = { joinLeaveTones: false, announceCount: false, aloneMusic: false };

describe('tones, announcements and recording with consent @asterisk', function () {
  this.timeout(120_000);
  let bridge: BridgeUnderTest;
  let watch: Observer;
  let api: ApiServer;

  before(async () => {
    // A dropped caller's name waits out the rejoin window (2 minutes in service) before it is deleted.
    bridge = await BridgeUnderTest.start(TEST_TIMING, { rejoinWindowMs: REJOIN_WINDOW_MS });
    watch = await Observer.start();
    const log = pino({ level: 'silent' });
    api = await startSite({ db: bridge.db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: '', recordingsDir: bridge.recordingsDir, recording: bridge.app.recording }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    watch?.client.stop();
    await bridge?.stop();
  });

  async function roomWith(announcements: Partial<RoomAnnouncements>, language = 'en'): Promise<SeededRoom> {
    const room = await bridge.seedRoom();
    await bridge.db.rooms.updateSettings(room.roomNumber, { announcements, language });
    return room;
  }

  /** A caller who enters and stays until hung up; their channel id once in the live bridge. */
  async function join(room: SeededRoom, pin: string, extra: Step[] = []): Promise<{ call: CallHandle; channelId: string }> {
    const before = new Set(await bridge.liveMembers(room.roomNumber));
    const call = startCall({ target: target(), dialled: room.tollFree, steps: [...enter(room, pin), ...extra], hangup: { by: 'far-end', maxWaitMs: 90_000 } });
    const channelId = await waitFor(`a new caller live in room ${room.roomNumber}`, async () => (await bridge.liveMembers(room.roomNumber)).find((id) => !before.has(id)) ?? null, { timeoutMs: 30_000 });
    return { call, channelId };
  }

  async function hangUpAll(calls: CallHandle[]): Promise<void> {
    await Promise.all(calls.map((c) => c.hangUpNow()));
    await bridge.waitForNothingLeft();
  }

  it('when someone joins, the others hear a tone (and again when they leave); with tones off (the silent control) they hear nothing', async () => {
    // With tones: the listener's channel carries the join tone.
    const toned = await roomWith({ ...QUIET, joinLeaveTones: true });
    const listener = await join(toned, toned.moderatorPin);
    const ear = await watch.listenTo(listener.channelId, `tones-on-${toned.roomNumber}`);
    const started = Date.now();
    const joiner = await join(toned, toned.participantPin);
    const bridgeTarget = `bridge:${liveBridgeId(toned.roomNumber)}`;
    await waitFor('the join tone played to the conference', async () => watch.played(bridgeTarget, 'played').length === 1);
    const windowMs = Date.now() - started;
    const tonedRms = await soxRms(await ear.stop());
    await joiner.call.hangUpNow();
    await waitFor('the leave tone played to the conference', async () => watch.played(bridgeTarget, 'played').length === 2);
    expect(watch.played(bridgeTarget).map((s) => s.media)).to.deep.equal(['sound:beep', 'sound:beep']);
    await hangUpAll([listener.call]);

    // The control: the same, tones off, over the same window; nothing is played to the conference.
    const quiet = await roomWith(QUIET);
    const quietListener = await join(quiet, quiet.moderatorPin);
    const quietEar = await watch.listenTo(quietListener.channelId, `tones-off-${quiet.roomNumber}`);
    const quietStarted = Date.now();
    const quietJoiner = await join(quiet, quiet.participantPin);
    await new Promise((r) => setTimeout(r, Math.max(0, windowMs - (Date.now() - quietStarted))));
    const quietFile = await quietEar.stop();
    const quietRms = await soxRms(quietFile);
    // Also the control of the next test's measure: nothing in the band its spoken name is in.
    const quietNameBand = await soxRms(quietFile, NAME_BAND);
    await hangUpAll([quietJoiner.call, quietListener.call]);
    expect(watch.played(`bridge:${liveBridgeId(quiet.roomNumber)}`)).to.deep.equal([]);

    expect(quietRms, 'control: no tone, silent callers').to.be.below(0.01);
    expect(quietNameBand, 'control: nothing in the name\'s band').to.be.below(0.005);
    expect(tonedRms, 'the join tone in the listener\'s audio').to.be.above(0.02);
  });

  it('a room that records names: the others hear "<name> is now in the conference"; the recording is deleted once the caller is gone for good (a dropped call: after the rejoin window)', async () => {
    const room = await roomWith({ ...QUIET, recordNames: true });
    // The listener's own name is silence, ended early with '#'; the joiner "says" theirs as a
    // 1200 Hz tone after the prompt ("at the tone, please say your name") and the beep.
    const listener = await join(room, room.moderatorPin, [{ silenceMs: 3000 }, { digits: '#' }]);
    const ear = await watch.listenTo(listener.channelId, `names-${room.roomNumber}`);
    const joiner = await join(room, room.participantPin, [{ silenceMs: 2900 }, { toneHz: 1200, ms: 2500 }]);
    const bridgeTarget = `bridge:${liveBridgeId(room.roomNumber)}`;
    const nameRecording = `tollbridge-name-${joiner.channelId}`;
    await waitFor('the name announcement played to the conference', async () => watch.played(bridgeTarget, 'played').length === 1, { timeoutMs: 15_000 });
    const heard = await ear.stop();
    expect(watch.played(bridgeTarget)[0]?.media).to.equal(`recording:${nameRecording}`);
    // The name's band carries the tone; the listener's own entry (their silent name) did not.
    const nameBand = await soxRms(heard, NAME_BAND);
    expect(nameBand, 'the joiner\'s recorded name in the listener\'s audio').to.be.above(0.02);

    const stored = async () => bridge.app.ari.client.recordings.getStored({ recordingName: nameRecording }).then(() => true, () => false);
    expect(await stored()).to.equal(true);
    await joiner.call.hangUpNow();
    await waitFor('"has left" played', async () => watch.played(bridgeTarget, 'played').length === 2, { timeoutMs: 15_000 });
    expect(await stored(), 'kept through the rejoin window').to.equal(true);
    await waitFor('the name recording deleted after the rejoin window', async () => !(await stored()), { timeoutMs: REJOIN_WINDOW_MS + 15_000 });
    expect(watch.played(bridgeTarget)[1]?.media).to.equal(`recording:${nameRecording}`);
    await hangUpAll([listener.call]);
  });

  it('an Italian room: a lone caller hears "only person" and music; the second hears "one other", the third "there are 2 others"; the conference tone plays in Italian', async () => {
    const room = await roomWith({ joinLeaveTones: true, announceCount: true, aloneMusic: true }, 'it');
    const first = await join(room, room.moderatorPin);
    await waitFor('the lone caller\'s count prompt', async () => watch.played(`channel:${first.channelId}`, 'played').some((s) => s.media === 'sound:conf-onlyperson'));
    // Alone: music on hold in the conference.
    const alone = await watch.listenTo(first.channelId, `alone-${room.roomNumber}`);
    await new Promise((r) => setTimeout(r, 1500));
    const aloneRms = await soxRms(await alone.stop());
    const second = await join(room, room.participantPin);
    const bridgeTarget = `bridge:${liveBridgeId(room.roomNumber)}`;
    await waitFor('the join tone after the second caller', async () => watch.played(bridgeTarget, 'played').length === 1);
    // In company (the tone over, both callers silent): the music has stopped.
    const company = await watch.listenTo(first.channelId, `company-${room.roomNumber}`);
    await new Promise((r) => setTimeout(r, 1500));
    const companyRms = await soxRms(await company.stop());
    const third = await join(room, room.participantPin);
    // Its own count prompt: its IVR prompts were played to the same channel before.
    await waitFor('the third caller\'s count prompt', async () => watch.played(`channel:${third.channelId}`).some((s) => s.media === 'sound:conf-thereare'));

    expect(watch.played(`channel:${first.channelId}`).map((s) => [s.media, s.language])).to.deep.include(['sound:conf-onlyperson', 'it']);
    expect(watch.played(`channel:${second.channelId}`).map((s) => [s.media, s.language])).to.deep.include(['sound:conf-onlyone', 'it']);
    expect(watch.played(`channel:${third.channelId}`).map((s) => [s.media, s.language])).to.deep.include(['sound:conf-thereare', 'it']);
    expect(watch.played(bridgeTarget)[0]).to.deep.include({ media: 'sound:beep', language: 'it' });
    expect(aloneRms, 'music while alone').to.be.above(0.01);
    expect(companyRms, 'no music in company').to.be.below(0.01);
    await hangUpAll([first.call, second.call, third.call]);
  });

  it('a recorded conference: everyone hears the notice, a joiner hears it before entering; the file is listed and downloaded by the owner (not by another account)', async () => {
    const room = await roomWith({ ...QUIET });
    const token = (await bridge.db.credentials.session(room.accountId)).token;
    const other = await bridge.seedRoom();
    const otherToken = (await bridge.db.credentials.session(other.accountId)).token;
    const base = `/v1/accounts/${room.accountId}`;
    expect((await apiCall(api.url, 'POST', `${base}/room/recording`, token, { action: 'start' })).json.error?.code, 'nobody in the room yet').to.equal('RoomNotLive');

    // The moderator speaks (a 440 Hz tone) through the recording.
    const moderator = await join(room, room.moderatorPin, [{ silenceMs: 500 }, { toneHz: 440, ms: 15_000 }]);
    const started = await apiCall(api.url, 'POST', `${base}/room/recording`, token, { action: 'start' });
    expect(started.status).to.equal(200);
    expect(started.json).to.deep.equal({ recording: true });
    expect(watch.played(`bridge:${liveBridgeId(room.roomNumber)}`).map((s) => s.media)).to.deep.equal(['sound:conf-now-recording']);

    const participant = await join(room, room.participantPin);
    const order = watch.seen.filter((s) => s.target === participant.channelId || s.target === `channel:${participant.channelId}`).map((s) => `${s.kind} ${s.media}`);
    expect(order.indexOf('played sound:conf-now-recording'), `what the joiner heard, in order: ${order.join(' | ')}`).to.be.within(0, order.indexOf(`entered ${liveBridgeId(room.roomNumber)}`) - 1);

    await new Promise((r) => setTimeout(r, 1500));
    const stopped = await apiCall(api.url, 'POST', `${base}/room/recording`, token, { action: 'stop' });
    expect(stopped.json).to.deep.equal({ recording: false });
    const list = await apiCall(api.url, 'GET', `${base}/recordings`, token);
    expect(list.status).to.equal(200);
    const items = list.json as unknown as Array<{ id: number; endedAt: string | null; startedBy: string; present: Array<{ channelId: string; role: string | null }>; download: string }>;
    expect(items).to.have.length(1);
    expect(items[0]?.startedBy).to.equal(`owner:${room.accountId}`);
    expect(items[0]?.present.map((p) => [p.channelId, p.role])).to.have.deep.members([[moderator.channelId, 'moderator'], [participant.channelId, 'participant']]);

    const file = await fetch(api.url + (items[0]?.download ?? ''), { headers: { authorization: `Bearer ${token}` } });
    expect(file.status).to.equal(200);
    expect(file.headers.get('content-type')).to.equal('audio/wav');
    const local = path.join(os.tmpdir(), `tollbridge-recording-${room.roomNumber}.wav`);
    fs.writeFileSync(local, Buffer.from(await file.arrayBuffer()));
    const rms = await soxRms(local);
    fs.rmSync(local, { force: true });
    expect(rms, 'the recording carries the moderator\'s tone').to.be.above(0.02);
    expect((await fetch(api.url + (items[0]?.download ?? ''), { headers: { authorization: `Bearer ${otherToken}` } })).status).to.equal(403);
    expect((await apiCall(api.url, 'GET', `/v1/accounts/${other.accountId}/recordings`, otherToken)).json).to.deep.equal([]);
    await hangUpAll([moderator.call, participant.call]);
  });

  it('a room requiring consent, while recorded: a caller who does not press 1 is kept out; one who does comes in', async () => {
    const room = await roomWith({ ...QUIET, recordingConsent: true });
    const moderator = await join(room, room.moderatorPin);
    expect(await bridge.app.recording.start(room.roomNumber, 'test')).to.equal(true);
    const silent = startCall({ target: target(), dialled: room.tollFree, steps: enter(room, room.participantPin), hangup: { by: 'far-end', maxWaitMs: 30_000 } });
    const refused = await silent.result;
    expect(refused).to.include({ answered: true, hungUpBy: 'far-end' });
    expect(await bridge.liveMembers(room.roomNumber)).to.deep.equal([moderator.channelId]);
    // Pressing 1 during the question.
    const consenting = await join(room, room.participantPin, [{ pauseMs: 1200 }, { digits: '1' }]);
    expect(consenting.channelId).to.not.equal(moderator.channelId);
    await hangUpAll([moderator.call, consenting.call]);
    const legs = await bridge.db.ledger.legsFor(room.accountId);
    expect(legs.map((l) => [l.role, l.endReason])).to.have.deep.members([['moderator', 'hangup'], ['unauthenticated', 'refused'], ['participant', 'hangup']]);
  });
});
