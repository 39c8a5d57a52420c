// Room announcement settings and conference recordings through the HTTP API, without Asterisk:
// PATCH room's "announcements", the recordings list and file (owner only, streamed audio/wav),
// and start/stop through a fake RecordingControl (the bridge's recorder is proved over real
// SIP in test/e2e/announcements.test.ts). Retention deletes file and row together.
import { expect } from 'chai';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import { runRecordingRetention } from '../../app/accounts/recording-retention.js';
import type { Database } from '../../db/index.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import type { RecordingControl } from '../../flows/recording-control.js';
import { createTestDatabase } from '../support/db-fixture.js';
import { apiCall } from './api-client.js';

const OPERATOR = 'operator-token-for-tests-0123456789';
const log = pino({ level: 'silent' });

/** Records what the API asked for; a room "records" once started. */
class FakeRecorder implements RecordingControl {
  readonly asked: string[] = [];
  readonly recording = new Set<string>();
  live = true;
  async start(room: string, by: string): Promise<boolean> {
    this.asked.push(`start ${room} ${by}`);
    if (!this.live || this.recording.has(room)) return false;
    this.recording.add(room);
    return true;
  }
  async stop(room: string, by: string): Promise<boolean> {
    this.asked.push(`stop ${room} ${by}`);
    return this.recording.delete(room);
  }
  isRecording(room: string): boolean {
    return this.recording.has(room);
  }
}

interface RawResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: Buffer;
}

/**
 * One request over node:http, headers as given: fetch adds Cache-Control: no-cache to a
 * conditional request (the Fetch standard), which rightly forbids a 304.
 */
function rawRequest(method: string, url: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const value = (name: string) => {
          const v = res.headers[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        };
        resolve({ status: res.statusCode ?? 0, headers: { get: value }, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP API: room announcements and recordings', function () {
  this.timeout(30_000);
  let db: Database;
  let api: ApiServer;
  let apiWithoutBridge: ApiServer;
  let dir: string;
  const recorder = new FakeRecorder();

  async function owner(name: string): Promise<{ id: number; token: string; room: string; roomId: number }> {
    const created = await apiCall(api.url, 'POST', '/v1/operator/accounts', OPERATOR, { name, email: `${name}@example.test`, password: 'correct horse battery' });
    const session = await apiCall(api.url, 'POST', '/v1/sessions', undefined, { email: `${name}@example.test`, password: 'correct horse battery' });
    const room = created.json.room as { number: string; id: number };
    return { id: (created.json.account as { id: number }).id, token: session.json.token as string, room: room.number, roomId: room.id };
  }

  before(async () => {
    db = await createTestDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-api-recordings-'));
    const mailer = createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log);
    api = await startSite({ db, mailer, log, operatorToken: OPERATOR, recordingsDir: dir, recording: recorder }, '127.0.0.1', 0);
    apiWithoutBridge = await startSite({ db, mailer, log, operatorToken: OPERATOR, recordingsDir: dir }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await apiWithoutBridge?.close();
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('PATCH room changes announcement settings; unknown names and non-booleans are refused with a clear 400', async () => {
    const a = await owner('annie');
    const room = `/v1/accounts/${a.id}/room`;
    const changed = await apiCall(api.url, 'PATCH', room, a.token, { announcements: { joinLeaveTones: false, recordNames: true } });
    expect(changed.status).to.equal(200);
    expect(changed.json.announcements).to.deep.equal({ joinLeaveTones: false, announceCount: true, aloneMusic: true, recordNames: true, recordingConsent: false, keepRecordings: false });
    const unknown = await apiCall(api.url, 'PATCH', room, a.token, { announcements: { fanfare: true } });
    expect(unknown.status).to.equal(400);
    expect(unknown.json.error?.code).to.equal('InvalidRoomSettings');
    expect(JSON.stringify(unknown.json)).to.include('joinLeaveTones');
    const notBoolean = await apiCall(api.url, 'PATCH', room, a.token, { announcements: { aloneMusic: 'off' } });
    expect(notBoolean.status).to.equal(400);
    expect(notBoolean.json.error?.code).to.equal('BadField');
    expect((await apiCall(api.url, 'PATCH', room, a.token, { announcements: [true] })).json.error?.code).to.equal('BadField');
    expect((await apiCall(api.url, 'GET', room, a.token)).json.announcements).to.deep.equal(changed.json.announcements);
  });

  it('start/stop recording is a thin call of the recorder; 409 when nothing changes; 503 without the bridge in the process', async () => {
    const b = await owner('bert');
    const route = `/v1/accounts/${b.id}/room/recording`;
    expect((await apiCall(api.url, 'POST', route, b.token, { action: 'start' })).json).to.deep.equal({ recording: true });
    expect((await apiCall(api.url, 'POST', route, b.token, { action: 'start' })).json.error?.code).to.equal('AlreadyRecording');
    expect((await apiCall(api.url, 'POST', route, b.token, { action: 'stop' })).json).to.deep.equal({ recording: false });
    expect((await apiCall(api.url, 'POST', route, b.token, { action: 'stop' })).json.error?.code).to.equal('NotRecording');
    recorder.live = false;
    expect((await apiCall(api.url, 'POST', route, b.token, { action: 'start' })).json.error?.code).to.equal('RoomNotLive');
    recorder.live = true;
    expect((await apiCall(api.url, 'POST', route, b.token, { action: 'pause' })).status).to.equal(400);
    expect(recorder.asked).to.deep.equal([`start ${b.room} owner:${b.id}`, `start ${b.room} owner:${b.id}`, `stop ${b.room} owner:${b.id}`, `stop ${b.room} owner:${b.id}`, `start ${b.room} owner:${b.id}`]);
    expect((await apiCall(apiWithoutBridge.url, 'POST', route, b.token, { action: 'start' })).status).to.equal(503);
    const other = await owner('bettina');
    expect((await apiCall(api.url, 'POST', route, other.token, { action: 'start' })).status).to.equal(403);
  });

  it('lists the owner\'s recordings and streams a file as audio/wav; another account gets 403, a foreign id 404, a running one 409', async () => {
    const c = await owner('carla');
    const d = await owner('dora');
    const bytes = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(2000, 7)]);
    fs.writeFileSync(path.join(dir, 'carla.wav'), bytes);
    const done = await db.recordings.create({ roomId: c.roomId, accountId: c.id, file: 'carla.wav', startedAt: Date.now() - 60_000, startedBy: 'owner', present: [] });
    await db.recordings.finish(done, { endedAt: Date.now(), stoppedBy: 'owner', present: [], sizeBytes: bytes.length });
    const running = await db.recordings.create({ roomId: c.roomId, accountId: c.id, file: 'carla-2.wav', startedAt: Date.now(), startedBy: 'owner', present: [] });
    const list = await apiCall(api.url, 'GET', `/v1/accounts/${c.id}/recordings`, c.token);
    expect(list.status).to.equal(200);
    const items = list.json as unknown as Array<{ id: number; download: string | null }>;
    expect(items.map((r) => [r.id, r.download])).to.deep.equal([[running, null], [done, `/v1/accounts/${c.id}/recordings/${done}/file`]]);
    const file = await fetch(`${api.url}/v1/accounts/${c.id}/recordings/${done}/file`, { headers: { authorization: `Bearer ${c.token}` } });
    expect(file.status).to.equal(200);
    expect(file.headers.get('content-type')).to.equal('audio/wav');
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).to.equal(true);
    expect((await apiCall(api.url, 'GET', `/v1/accounts/${c.id}/recordings/${running}/file`, c.token)).json.error?.code).to.equal('StillRecording');
    expect((await apiCall(api.url, 'GET', `/v1/accounts/${c.id}/recordings/${done}/file`, d.token)).status).to.equal(403);
    expect((await apiCall(api.url, 'GET', `/v1/accounts/${c.id}/recordings`, d.token)).status).to.equal(403);
    expect((await apiCall(api.url, 'GET', `/v1/accounts/${d.id}/recordings/${done}/file`, d.token)).status).to.equal(404);
    const openapi = await apiCall(api.url, 'GET', '/openapi.json');
    expect(openapi.json.paths).to.have.property('/v1/accounts/{accountId}/recordings/{recordingId}/file');
  });

  describe('the recording file, served by send: players seek, downloads resume', () => {
    let g: { id: number; token: string; room: string; roomId: number };
    let h: { id: number; token: string };
    let url = '';
    let runningUrl = '';
    let etag = '';
    const bytes = Buffer.concat([Buffer.from('RIFF'), Buffer.from(Array.from({ length: 2000 }, (_, i) => i % 251))]);
    const get = (headers: Record<string, string> = {}, method = 'GET', token = g.token, target = url) => rawRequest(method, target, { authorization: `Bearer ${token}`, ...headers });

    before(async () => {
      g = await owner('greta');
      h = await owner('hugo');
      fs.writeFileSync(path.join(dir, 'greta.wav'), bytes);
      const done = await db.recordings.create({ roomId: g.roomId, accountId: g.id, file: 'greta.wav', startedAt: Date.now() - 60_000, startedBy: 'owner', present: [] });
      await db.recordings.finish(done, { endedAt: Date.now(), stoppedBy: 'owner', present: [], sizeBytes: bytes.length });
      const running = await db.recordings.create({ roomId: g.roomId, accountId: g.id, file: 'greta-2.wav', startedAt: Date.now(), startedBy: 'owner', present: [] });
      url = `${api.url}/v1/accounts/${g.id}/recordings/${done}/file`;
      runningUrl = `${api.url}/v1/accounts/${g.id}/recordings/${running}/file`;
    });

    it('a whole GET is audio/wav with a download name, Accept-Ranges, an ETag and Last-Modified, and no-store', async () => {
      const whole = await get();
      expect(whole.status).to.equal(200);
      expect(whole.headers.get('content-type')).to.equal('audio/wav');
      expect(whole.headers.get('content-disposition')).to.equal('attachment; filename="greta.wav"');
      expect(whole.headers.get('accept-ranges')).to.equal('bytes');
      expect(whole.headers.get('content-length')).to.equal(String(bytes.length));
      expect(whole.headers.get('cache-control')).to.equal('no-store');
      etag = whole.headers.get('etag') ?? '';
      expect(etag).to.match(/^(W\/)?"[^"]+"$/);
      expect(Date.parse(whole.headers.get('last-modified') ?? '')).to.equal(Math.floor(fs.statSync(path.join(dir, 'greta.wav')).mtimeMs / 1000) * 1000);
      expect(whole.body.equals(bytes)).to.equal(true);
    });

    it('a Range gets 206 with Content-Range and just those bytes; If-Range naming another version gets the whole file', async () => {
      const part = await get({ range: 'bytes=4-1003' });
      expect(part.status).to.equal(206);
      expect(part.headers.get('content-range')).to.equal(`bytes 4-1003/${bytes.length}`);
      expect(part.headers.get('content-type')).to.equal('audio/wav');
      expect(part.body.equals(bytes.subarray(4, 1004))).to.equal(true);
      const tail = await get({ range: 'bytes=-10' });
      expect(tail.status).to.equal(206);
      expect(tail.body.equals(bytes.subarray(-10))).to.equal(true);
      const resumed = await get({ range: 'bytes=1500-', 'if-range': etag });
      expect(resumed.status).to.equal(206);
      expect(resumed.body.equals(bytes.subarray(1500))).to.equal(true);
      const stale = await get({ range: 'bytes=1500-', 'if-range': '"another-version"' });
      expect(stale.status).to.equal(200);
      expect(stale.body.length).to.equal(bytes.length);
    });

    it('a Range past the end gets 416 with the file\'s size in Content-Range, in the API\'s error shape', async () => {
      const beyond = await get({ range: `bytes=${bytes.length}-` });
      expect(beyond.status).to.equal(416);
      expect(beyond.headers.get('content-range')).to.equal(`bytes */${bytes.length}`);
      expect(beyond.headers.get('content-type')).to.equal('application/json');
      expect(beyond.headers.get('content-disposition')).to.equal(null);
      expect((JSON.parse(beyond.body.toString('utf8')) as { error: { code: string } }).error.code).to.equal('RangeNotSatisfiable');
    });

    it('If-None-Match with its ETag gets 304 and no body; another ETag the file; a failed If-Match 412', async () => {
      const unchanged = await get({ 'if-none-match': etag });
      expect(unchanged.status).to.equal(304);
      expect(unchanged.headers.get('etag')).to.equal(etag);
      expect(unchanged.body.length).to.equal(0);
      expect((await get({ 'if-none-match': '"another-version"' })).status).to.equal(200);
      expect((await get({ 'if-match': '"another-version"' })).status).to.equal(412);
    });

    it('HEAD gets the GET\'s headers and no body; HEAD on a route that serves no file is still 405', async () => {
      const head = await get({}, 'HEAD');
      expect(head.status).to.equal(200);
      expect(head.headers.get('content-length')).to.equal(String(bytes.length));
      expect(head.headers.get('content-type')).to.equal('audio/wav');
      expect(head.headers.get('content-disposition')).to.equal('attachment; filename="greta.wav"');
      expect(head.headers.get('etag')).to.equal(etag);
      expect(head.body.length).to.equal(0);
      expect((await get({}, 'HEAD', g.token, `${api.url}/v1/accounts/${g.id}/recordings`)).status).to.equal(405);
    });

    it('the checks before the file hold for ranges and HEAD: another account 403, no credential 401, still recording 409', async () => {
      expect((await get({ range: 'bytes=0-3' }, 'GET', h.token)).status).to.equal(403);
      expect((await get({}, 'HEAD', h.token)).status).to.equal(403);
      expect((await get({}, 'HEAD', 'tb_s_not-a-token')).status).to.equal(401);
      expect((await get({ range: 'bytes=0-3' }, 'GET', g.token, runningUrl)).status).to.equal(409);
      const head = await get({}, 'HEAD', g.token, runningUrl);
      expect(head.status).to.equal(409);
      expect(head.body.length).to.equal(0);
    });

    it('My room\'s download link serves the same way (ranges, 304, HEAD)', async () => {
      // Pages want the PINs set first.
      await db.rooms.setPins(g.room, { moderator: '4826', participant: '1739' });
      const page = url.replace(`${api.url}/v1/accounts/${g.id}/`, `${api.url}/app/room/`);
      const fromPage = (headers: Record<string, string>, method = 'GET') => rawRequest(method, page, { cookie: `tb_session=${g.token}`, ...headers });
      const part = await fromPage({ range: 'bytes=0-3' });
      expect(part.status).to.equal(206);
      expect(part.headers.get('content-disposition')).to.equal('attachment; filename="greta.wav"');
      expect(part.body.toString('latin1')).to.equal('RIFF');
      expect((await fromPage({ 'if-none-match': etag })).status).to.equal(304);
      const head = await fromPage({}, 'HEAD');
      expect(head.status).to.equal(200);
      expect(head.headers.get('content-length')).to.equal(String(bytes.length));
      expect(head.body.length).to.equal(0);
    });
  });

  it('my data: the export lists the recordings; deleting the account for good deletes them, files and rows', async () => {
    const f = await owner('fritz');
    fs.writeFileSync(path.join(dir, 'fritz.wav'), 'RIFF');
    await db.recordings.create({ roomId: f.roomId, accountId: f.id, file: 'fritz.wav', startedAt: Date.now(), startedBy: 'owner', present: [] });
    const exported = await apiCall(api.url, 'GET', `/v1/accounts/${f.id}/export`, f.token);
    expect((exported.json.recordings as Array<{ file: string }>).map((r) => r.file)).to.deep.equal(['fritz.wav']);
    const erased = await apiCall(api.url, 'POST', `/v1/accounts/${f.id}/erasure`, f.token, { password: 'correct horse battery', confirm: true });
    expect(erased.status).to.equal(200);
    expect(fs.existsSync(path.join(dir, 'fritz.wav'))).to.equal(false);
    expect(await db.recordings.listForAccount(f.id, { limit: 10 })).to.deep.equal([]);
  });

  it('retention deletes recordings started before the cutoff, file and row; newer ones stay', async () => {
    const e = await owner('emil');
    const now = Date.now();
    for (const [file, startedAt] of [['old.wav', now - 40 * 86_400_000], ['new.wav', now - 86_400_000]] as const) {
      fs.writeFileSync(path.join(dir, file), 'RIFF');
      await db.recordings.create({ roomId: e.roomId, accountId: e.id, file, startedAt, startedBy: 'owner', present: [] });
    }
    expect(await runRecordingRetention(db, { dir, days: 30 }, log, now)).to.equal(1);
    expect(fs.existsSync(path.join(dir, 'old.wav'))).to.equal(false);
    expect(fs.existsSync(path.join(dir, 'new.wav'))).to.equal(true);
    expect((await db.recordings.listForAccount(e.id, { limit: 10 })).map((r) => r.file)).to.deep.equal(['new.wav']);
  });
});
