// Keys in the room and the owner's live controls over real SIP (issue 12): SIPp callers press
// keys once in the conference (heard by the app over AMI, the members being quiet on ARI), and
// the owner drives the same controls through the HTTP API. Effects are read from Asterisk:
// bridge membership through ARI, a recording of the live bridge measured with sox (mute), SIPp's
// record of who hung up, the ledger's end reasons, and what each channel was played, through an
// observer ARI app subscribed to every channel (the app itself hears none of an in-room prompt).
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { createMailer } from '../../app/accounts/mailer.js';
import { liveBridgeId } from '../../bridge/room-bridge-ids.js';
import type { RecordingControl } from '../../flows/recording-control.js';
import type { LiveRoom } from '../../flows/room-controls.js';
import { startCall, type CallHandle, type Step } from '../../sipp/caller.js';
import { enterRoom as enter } from '../support/caller-steps.js';
import { sharedAsterisk, testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest, type SeededRoom } from '../support/bridge-fixture.js';
import { playbackObserver, type PlaybackObserver } from '../support/playback-observer.js';
import { waitFor } from '../support/wait.js';
import { lastFourDigits } from '../../api/live-shown.js';

const run = promisify(execFile);
const target = () => ({ host: '127.0.0.1', port: testAsteriskConfig().sipPort });
/** After the PIN's '#', a person takes a moment before pressing a key in the room. */
const SETTLE: Step = { pauseMs: 1500 };

/** `sox FILE -n stat`'s RMS amplitude (printed on stderr). */
async function rmsOf(file: string): Promise<number> {
  const { stderr } = await run('sox', [file, '-n', 'stat']);
  return Number(/RMS\s+amplitude:\s+(-?[0-9.]+)/.exec(stderr)?.[1] ?? NaN);
}

/** A recorder that only notes what it was asked (the real one is another branch's). */
class NotingRecorder implements RecordingControl {
  readonly asked: string[] = [];
  private readonly on = new Set<string>();
  async start(room: string, by: string): Promise<boolean> {
    this.asked.push(`start ${room} ${by}`);
    this.on.add(room);
    return true;
  }
  async stop(room: string, by: string): Promise<boolean> {
    this.asked.push(`stop ${room} ${by}`);
    return this.on.delete(room);
  }
  isRecording(room: string): boolean {
    return this.on.has(room);
  }
}

interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

/** An open text/event-stream: its events as they come. */
function openStream(url: string, token: string): Promise<{ events: StreamEvent[]; status: number; contentType: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const events: StreamEvent[] = [];
    const req = http.get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      });
      res.on('error', () => undefined);
      resolve({ events, status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), close: () => req.destroy() });
    });
    req.on('error', (err) => (events.length === 0 ? reject(err) : undefined));
  });
}

describe('keys in the room and the owner\'s live controls over real SIP @asterisk', function () {
  this.timeout(120_000);
  let bridge: BridgeUnderTest;
  let watch: PlaybackObserver;
  let api: ApiServer;
  const recorder = new NotingRecorder();

  before(async () => {
    bridge = await BridgeUnderTest.start(undefined, { recording: recorder });
    watch = await playbackObserver('incall');
    const log = pino({ level: 'silent' });
    api = await startSite({ db: bridge.db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: '', live: bridge.app.live }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    watch?.client.stop();
    await bridge?.stop();
  });
  afterEach(async () => {
    await bridge.waitForNothingLeft().catch(async (err: unknown) => {
      const [channels, bridges] = await Promise.all([bridge.app.ari.client.channels.list(), bridge.app.ari.client.bridges.list()]);
      throw new Error(`${String(err)}: channels ${channels.map((c) => `${c.id} ${c.name} ${c.state}`).join(', ')}; bridges ${bridges.map((b) => `${b.id} [${String(b.channels)}]`).join(', ')}; calls ${bridge.app.router.activeCalls}`);
    });
  });

  const caller = (room: SeededRoom, pin: string, callerNumber: string, after: Step[] = [], maxWaitMs = 60_000): CallHandle =>
    startCall({ target: target(), dialled: room.tollFree, callerNumber, steps: [...enter(room.roomNumber, pin), ...after], hangup: { by: 'far-end', maxWaitMs } });

  /** One session per owner (each new session would be one more to keep). */
  const tokens = new Map<number, string>();
  const tokenFor = async (room: SeededRoom) => {
    const token = tokens.get(room.accountId) ?? (await bridge.db.credentials.session(room.accountId)).token;
    tokens.set(room.accountId, token);
    return token;
  };

  async function callApi(method: string, room: SeededRoom, suffix: string, token?: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${api.url}/v1/accounts/${room.accountId}/room/live${suffix}`, { method, headers: { authorization: `Bearer ${token ?? (await tokenFor(room))}` } });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
  }
  const view = async (room: SeededRoom) => (await callApi('GET', room, '')).body as LiveRoom;
  /** The channel of the caller with this number, once the room has them. */
  const channelOf = (room: SeededRoom, callerNumber: string) =>
    waitFor(`${callerNumber} in room ${room.roomNumber}`, async () => (await view(room)).members.find((m) => m.callerNumber === lastFourDigits(callerNumber))?.channelId ?? null);
  const playedTo = (channelId: string, media: string[]) =>
    waitFor(`${media.join(' ')} played to ${channelId}`, async () => {
      const heard = (watch.played.get(channelId) ?? []).join(' ');
      return heard.includes(media.join(' ')) ? heard : null;
    });

  async function recordLive(room: string, name: string, seconds: number): Promise<string> {
    const asterisk = await sharedAsterisk();
    const file = path.join(asterisk.paths.spoolDir, 'recording', `${name}.wav`);
    fs.rmSync(file, { force: true });
    await bridge.app.ari.client.bridges.record({ bridgeId: liveBridgeId(room), name, format: 'wav', maxDurationSeconds: seconds, ifExists: 'overwrite' });
    await waitFor(`recording ${name} finished`, async () => {
      try {
        await bridge.app.ari.client.recordings.getLive({ recordingName: name });
        return false;
      } catch {
        return fs.existsSync(file) && fs.statSync(file).size > 44;
      }
    }, { timeoutMs: (seconds + 10) * 1000 });
    return file;
  }

  it('key 1 mutes the caller (the conference records silence from them; they hear conf-muted); the owner\'s unmute brings their voice back', async () => {
    const room = await bridge.seedRoom();
    const listener = caller(room, room.moderatorPin, '+15550100');
    await bridge.waitForLive(room.roomNumber, 1);
    // Talks (a 440 Hz tone) for 20 s after muting themselves.
    const talker = caller(room, room.participantPin, '+15550101', [SETTLE, { digits: '1' }, { toneHz: 440, ms: 20_000 }]);
    const talkerId = await channelOf(room, '+15550101');
    await playedTo(talkerId, ['sound:conf-muted']);
    expect((await view(room)).members.find((m) => m.channelId === talkerId)).to.include({ role: 'participant', muted: true });
    const muted = await rmsOf(await recordLive(room.roomNumber, `incall-muted-${room.roomNumber}`, 2));
    const unmute = await callApi('POST', room, `/members/${encodeURIComponent(talkerId)}/unmute`);
    expect(unmute.status).to.equal(200);
    expect((unmute.body as LiveRoom).members.find((m) => m.channelId === talkerId)).to.include({ muted: false });
    await bridge.app.rooms.settled();
    const heard = await rmsOf(await recordLive(room.roomNumber, `incall-unmuted-${room.roomNumber}`, 2));
    expect(muted, 'muted caller reaches the room').to.be.below(0.01);
    expect(heard, 'unmuted caller is not heard: the measurement cannot tell').to.be.above(0.05);
    await playedTo(talkerId, ['sound:conf-muted', 'sound:conf-unmuted']);
    await Promise.all([listener.hangUpNow(), talker.hangUpNow()]);
  });

  it('key 2 locks the room: a participant calling in hears conf-locked and is hung up; the owner unlocks it and the next one enters', async () => {
    const room = await bridge.seedRoom();
    const moderator = caller(room, room.moderatorPin, '+15550200', [SETTLE, { digits: '2' }]);
    const moderatorId = await channelOf(room, '+15550200');
    await playedTo(moderatorId, ['sound:conf-lockednow']);
    expect((await view(room)).locked).to.equal(true);
    const refused = await caller(room, room.participantPin, '+15550201', [], 20_000).result;
    expect(refused).to.include({ answered: true, hungUpBy: 'far-end' });
    expect((await callApi('POST', room, '/unlock')).status).to.equal(200);
    const admitted = caller(room, room.participantPin, '+15550202');
    await bridge.waitForLive(room.roomNumber, 2);
    await Promise.all([moderator.hangUpNow(), admitted.hangUpNow()]);
    await bridge.waitForNothingLeft();
    const legs = await bridge.db.ledger.legsFor(room.accountId, {});
    // Refused: billed as a leg, but it never took part: no room, no role.
    expect(legs.find((l) => l.callerNumber === '+15550201')).to.include({ endReason: 'refused', roomId: null, role: 'unauthenticated' });
  });

  it('a second moderator presses 5 (count), * (help), 6 (record) and 3: the last participant is removed (hung up), the first stays', async () => {
    const room = await bridge.seedRoom();
    const moderator = caller(room, room.moderatorPin, '+15550300');
    await bridge.waitForLive(room.roomNumber, 1);
    const first = caller(room, room.participantPin, '+15550301');
    await bridge.waitForLive(room.roomNumber, 2);
    const last = caller(room, room.participantPin, '+15550302');
    await bridge.waitForLive(room.roomNumber, 3);
    const firstId = await channelOf(room, '+15550301');
    const second = caller(room, room.moderatorPin, '+15550303', [SETTLE, { digits: '5' }, { pauseMs: 500 }, { digits: '*' }, { pauseMs: 500 }, { digits: '6' }, { pauseMs: 500 }, { digits: '3' }]);
    const secondId = await channelOf(room, '+15550303');
    const removed = await last.result;
    expect(removed).to.include({ answered: true, hungUpBy: 'far-end' });
    await playedTo(secondId, ['sound:conf-thereare', 'number:4', 'sound:conf-peopleinconf', 'sound:conf-adminmenu']);
    expect(await bridge.waitForLive(room.roomNumber, 3)).to.include(firstId);
    expect(recorder.asked).to.include(`start ${room.roomNumber} ${secondId}`);
    await Promise.all([moderator.hangUpNow(), first.hangUpNow(), second.hangUpNow()]);
    await bridge.waitForNothingLeft();
    const legs = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(legs.find((l) => l.callerNumber === '+15550302')).to.include({ endReason: 'removed' });
  });

  it('key 4 mutes everyone but moderators (heard by all), key 9 lets a participant leave, the owner ends the conference for everyone', async () => {
    const room = await bridge.seedRoom({ policy: 'continue' });
    const moderator = caller(room, room.moderatorPin, '+15550400');
    await bridge.waitForLive(room.roomNumber, 1);
    const moderatorId = await channelOf(room, '+15550400');
    const staying = caller(room, room.participantPin, '+15550401');
    const stayingId = await channelOf(room, '+15550401');
    const leaving = caller(room, room.participantPin, '+15550402', [SETTLE, { pauseMs: 2000 }, { digits: '9' }]);
    const leavingId = await channelOf(room, '+15550402');
    const ender = caller(room, room.moderatorPin, '+15550403', [SETTLE, { digits: '4' }]);
    const enderId = await channelOf(room, '+15550403');
    for (const id of [moderatorId, stayingId, enderId]) await playedTo(id, ['sound:conf-now-muted']);
    const members = (await view(room)).members;
    expect(members.find((m) => m.channelId === stayingId)).to.include({ muted: true });
    expect(members.find((m) => m.channelId === moderatorId)).to.include({ muted: false });
    expect(await leaving.result).to.include({ answered: true, hungUpBy: 'far-end' });
    await playedTo(leavingId, ['sound:vm-goodbye']);
    // The owner ends it (the same event as a moderator's key 8).
    expect((await callApi('POST', room, '/end')).status).to.equal(202);
    const results = await Promise.all([moderator, staying, ender].map((c) => c.result));
    for (const r of results) expect(r).to.include({ answered: true, hungUpBy: 'far-end' });
    await bridge.waitForNothingLeft();
    const legs = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(legs.find((l) => l.callerNumber === '+15550402')).to.include({ endReason: 'left' });
    expect(legs.filter((l) => l.endReason === 'ended').map((l) => l.callerNumber).sort()).to.deep.equal(['+15550400', '+15550401', '+15550403']);
  });

  it('key 8 from a moderator ends the conference: everyone is hung up', async () => {
    const room = await bridge.seedRoom();
    const participant = caller(room, room.participantPin, '+15550501');
    await bridge.waitForHold(room.roomNumber, 1);
    const moderator = caller(room, room.moderatorPin, '+15550500', [SETTLE, { digits: '8' }]);
    const results = await Promise.all([participant.result, moderator.result]);
    for (const r of results) expect(r).to.include({ answered: true, hungUpBy: 'far-end' });
    await bridge.waitForNothingLeft();
    const legs = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(legs.map((l) => l.endReason)).to.deep.equal(['ended', 'ended']);
  });

  it('the owner\'s live view and event stream: members with role and mute, mute and remove through the API, joins, leaves, mutes and talking streamed; another account gets 403', async () => {
    const room = await bridge.seedRoom();
    const other = await bridge.seedRoom();
    const token = await tokenFor(room);
    const stream = await openStream(`${api.url}/v1/accounts/${room.accountId}/room/live/events`, token);
    expect(stream.status).to.equal(200);
    expect(stream.contentType).to.match(/^text\/event-stream/);
    const moderator = caller(room, room.moderatorPin, '+15550600');
    await bridge.waitForLive(room.roomNumber, 1);
    // Talks once the stream's talk detection is on, for long enough to be told.
    const talker = caller(room, room.participantPin, '+15550601', [SETTLE, { toneHz: 440, ms: 3000 }]);
    const talkerId = await channelOf(room, '+15550601');
    const seen = await view(room);
    expect(seen.members.map((m) => ({ callerNumber: m.callerNumber, role: m.role, muted: m.muted, where: m.where }))).to.deep.equal([
      { callerNumber: '…0600', role: 'moderator', muted: false, where: 'live' },
      { callerNumber: '…0601', role: 'participant', muted: false, where: 'live' },
    ]);
    expect(seen.members.every((m) => typeof m.joinedAt === 'number')).to.equal(true);
    expect((await callApi('GET', other, '', token)).status).to.equal(403);
    expect((await callApi('POST', other, `/members/${encodeURIComponent(talkerId)}/mute`, token)).status).to.equal(403);
    await waitFor('talking streamed', async () => stream.events.some((e) => e.event === 'talking' && e.data.channelId === talkerId && e.data.talking === true));
    const muted = await callApi('POST', room, `/members/${encodeURIComponent(talkerId)}/mute`);
    expect((muted.body as LiveRoom).members.find((m) => m.channelId === talkerId)).to.include({ muted: true });
    expect((await callApi('POST', room, '/members/no-such-channel/mute')).status).to.equal(404);
    expect((await callApi('DELETE', room, `/members/${encodeURIComponent(talkerId)}`)).status).to.equal(202);
    expect(await talker.result).to.include({ answered: true, hungUpBy: 'far-end' });
    await waitFor('the leave streamed', async () => stream.events.some((e) => e.event === 'left' && e.data.channelId === talkerId));
    const told = stream.events.map((e) => `${e.event}${e.data.channelId === talkerId ? ' talker' : ''}`);
    expect(told[0]).to.equal('room');
    expect(told).to.include.members(['joined', 'joined talker', 'talking talker', 'muted talker', 'left talker']);
    // The stream shows callers as the page does: the last four digits, never the whole number.
    expect(JSON.stringify(stream.events)).to.contain('…0601').and.not.contain('5550601').and.not.contain('5550600');
    stream.close();
    await moderator.hangUpNow();
    await bridge.waitForNothingLeft();
    const legs = await bridge.db.ledger.legsFor(room.accountId, {});
    expect(legs.find((l) => l.callerNumber === '+15550601')).to.include({ endReason: 'removed' });
    expect((await callApi('POST', room, '/lock')).status, 'an empty room has nothing to lock').to.equal(409);
  });
});
