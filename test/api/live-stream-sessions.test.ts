// The live view's event stream over real HTTP (issue 23, item 12): it ends with the session or
// key that opened it (sign-out, a password change, the account's erasure, the session's expiry),
// and it carries only what the page shows of a caller: the last four digits of their number.
import { expect } from 'chai';
import http from 'node:http';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import { LiveRooms } from '../../app/calls/live-rooms.js';
import type { Database } from '../../db/index.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { RoomRegistry } from '../../flows/room-registry.js';
import { createTestDatabase } from '../support/db-fixture.js';
import { FakeBridges, roomInfo } from '../support/fakes.js';
import { waitFor } from '../support/wait.js';

const OPERATOR = 'operator-token-for-tests-0123456789';
const PASSWORD = 'correct horse battery';
const SESSION_MS = 12 * 3_600_000;

/** An open event stream: its text so far, the events seen, and when the server ended it. */
interface OpenStream {
  text: () => string;
  events: string[];
  ended: Promise<void>;
  destroy: () => void;
}

async function openStream(url: string, token: string): Promise<OpenStream> {
  const req = http.get(url, { headers: { authorization: `Bearer ${token}` } });
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  expect(res.statusCode).to.equal(200);
  expect(res.headers['content-type']).to.equal('text/event-stream');
  res.setEncoding('utf8');
  let text = '';
  const events: string[] = [];
  res.on('data', (chunk: string) => {
    text += chunk;
    events.push(...[...chunk.matchAll(/^event: (.*)$/gm)].map((m) => m[1] as string));
  });
  const ended = new Promise<void>((resolve) => res.on('end', resolve));
  return { text: () => text, events, ended, destroy: () => req.destroy() };
}

/** Resolves true once the stream ended, false if it is still open after `ms` (a bound, not a pass condition's timing). */
const endsWithin = (stream: OpenStream, ms = 10_000) => Promise.race([stream.ended.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);

describe('live view event stream: ends with its session, shows the last four digits', function () {
  this.timeout(30_000);
  let db: Database;
  let api: ApiServer;
  let rooms: RoomRegistry;
  /** Shifts the database's and the API's clock (a session's expiry). */
  let clockShift = 0;
  const now = () => Date.now() + clockShift;
  const open: OpenStream[] = [];

  async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(api.url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, json: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
  }

  async function owner(name: string): Promise<{ id: number; token: string; room: string; events: string }> {
    const { account, room } = await db.accounts.create({ name, email: `${name}@example.test`, password: PASSWORD });
    return { id: account.id, token: (await db.credentials.session(account.id)).token, room: room.number, events: `${api.url}/v1/accounts/${account.id}/room/live/events` };
  }

  async function stream(url: string, token: string): Promise<OpenStream> {
    const s = await openStream(url, token);
    open.push(s);
    await waitFor('the first "room" event', () => s.events.includes('room'));
    return s;
  }

  before(async () => {
    db = await createTestDatabase({ now });
    const log = pino({ level: 'silent' });
    rooms = new RoomRegistry(new FakeBridges(), log);
    const live = new LiveRooms(rooms, { set: () => undefined });
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: OPERATOR, live, now }, '127.0.0.1', 0);
  });
  afterEach(() => {
    clockShift = 0;
    for (const s of open.splice(0)) s.destroy();
  });
  after(async () => {
    await api?.close();
    await db?.close();
  });

  it('signing out ends the stream opened with that session (a last "closed" event); another session\'s stream stays', async () => {
    const ann = await owner('ann-stream');
    const other = (await db.credentials.session(ann.id)).token;
    const signedOut = await stream(ann.events, ann.token);
    const stays = await stream(ann.events, other);
    expect((await call('DELETE', '/v1/sessions/current', ann.token)).status).to.equal(204);
    expect(await endsWithin(signedOut)).to.equal(true);
    expect(signedOut.events).to.deep.equal(['room', 'closed']);
    expect(signedOut.text()).to.contain('"reason":"revoked"');
    rooms.join(roomInfo({ number: ann.room }), 'a1', 'moderator', { callerNumber: '+15550001111' });
    await waitFor('the other session\'s stream to hear the join', () => stays.events.includes('joined'));
    expect(stays.events).to.not.include('closed');
  });

  it('a password change ends the streams of the other sessions', async () => {
    const ben = await owner('ben-stream');
    const changer = (await db.credentials.session(ben.id)).token;
    const s = await stream(ben.events, ben.token);
    expect((await call('PUT', `/v1/accounts/${ben.id}/password`, changer, { currentPassword: PASSWORD, newPassword: 'a new long password' })).status).to.equal(200);
    expect(await endsWithin(s)).to.equal(true);
    expect(s.events).to.deep.equal(['room', 'closed']);
  });

  it('erasing the account ends its streams', async () => {
    const cy = await owner('cy-stream');
    const s = await stream(cy.events, cy.token);
    expect((await call('POST', `/v1/accounts/${cy.id}/erasure`, cy.token, { password: PASSWORD, confirm: true })).status).to.equal(200);
    expect(await endsWithin(s)).to.equal(true);
    expect(s.events).to.deep.equal(['room', 'closed']);
  });

  it('a revoked API key ends its stream; the session expiring ends its stream', async () => {
    const di = await owner('di-stream');
    const key = await db.credentials.createApiKey(di.id, 'live');
    const byKey = await stream(di.events, key.token);
    expect((await call('DELETE', `/v1/accounts/${di.id}/api-keys/${key.id}`, di.token)).status).to.be.oneOf([200, 204]);
    expect(await endsWithin(byKey)).to.equal(true);
    // A session opened now, seen from 3 s before its 12 hours are up.
    const fresh = (await db.credentials.session(di.id)).token;
    clockShift = SESSION_MS - 3000;
    const expiring = await stream(di.events, fresh);
    expect(await endsWithin(expiring)).to.equal(true);
    expect(expiring.text()).to.contain('"reason":"expired"');
  });

  it('the stream, the view and a control\'s reply show only the last four digits of a caller\'s number, the first "room" event too', async () => {
    const eve = await owner('eve-stream');
    const info = roomInfo({ number: eve.room });
    rooms.join(info, 'e1', 'moderator', { callerNumber: '+15557771234' });
    const s = await stream(eve.events, eve.token);
    rooms.join(info, 'e2', 'participant', { callerNumber: '+15558885678' });
    rooms.join(info, 'e3', 'participant', { callerNumber: 'anonymous' });
    await waitFor('both joins on the stream', () => s.events.filter((e) => e === 'joined').length === 2);
    const text = s.text();
    for (const digits of ['5557771234', '5558885678']) expect(text).to.not.contain(digits);
    expect(text).to.contain('"callerNumber":"…1234"').and.to.contain('"callerNumber":"…5678"').and.to.contain('"callerNumber":null');
    const view = await call('GET', `/v1/accounts/${eve.id}/room/live`, eve.token);
    expect((view.json.members as Array<{ callerNumber: string | null }>).map((m) => m.callerNumber)).to.deep.equal(['…1234', '…5678', null]);
    const muted = await call('POST', `/v1/accounts/${eve.id}/room/live/members/e2/mute`, eve.token);
    expect(JSON.stringify(muted.json)).to.not.contain('5558885678');
  });
});
