// Room announcement settings and conference recordings through the HTTP API, without Asterisk:
// PATCH room's "announcements", the recordings list and file (owner only, streamed audio/wav),
// and start/stop through a fake RecordingControl (the bridge's recorder is proved over real
// SIP in test/e2e/announcements.test.ts). Retention deletes file and row together.
import { expect } from 'chai';
import fs from 'node:fs';
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
