// The owner's live view and controls over real HTTP, on a real database, with the room
// machines on fake bridges (the real-SIP proof is test/e2e/in-call-controls.test.ts).
import { expect } from 'chai';
import http from 'node:http';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import { LiveRooms } from '../../app/calls/live-rooms.js';
import type { Database } from '../../db/index.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { RoomRegistry } from '../../flows/room-registry.js';
import type { LiveRoom, MemberChannels } from '../../flows/room-controls.js';
import { createTestDatabase } from '../support/db-fixture.js';
import { FakeBridges, flush, roomInfo } from '../support/fakes.js';

const OPERATOR = 'operator-token-for-tests-0123456789';

describe('live view and controls API (fake bridges)', function () {
  this.timeout(30_000);
  let db: Database;
  let api: ApiServer;
  let rooms: RoomRegistry;
  const members: string[] = [];
  const talk: string[] = [];

  async function call(method: string, path: string, token: string): Promise<{ status: number; json: Record<string, unknown> & { error?: { code: string } } }> {
    const res = await fetch(api.url + path, { method, headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return { status: res.status, json: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> & { error?: { code: string } } };
  }

  async function owner(name: string): Promise<{ id: number; token: string; room: string }> {
    const { account, room } = await db.accounts.create({ name, email: `${name}@example.test` });
    return { id: account.id, token: (await db.credentials.session(account.id)).token, room: room.number };
  }

  before(async () => {
    db = await createTestDatabase();
    const log = pino({ level: 'silent' });
    const channels: MemberChannels = {
      mute: async (ids, muted) => void members.push(`${muted ? 'mute' : 'unmute'} ${ids.join(',')}`),
      tell: async () => undefined,
    };
    rooms = new RoomRegistry(new FakeBridges(), log, { members: channels });
    const live = new LiveRooms(rooms, { set: (ids, on) => void talk.push(`${on ? 'on' : 'off'} ${ids.join(',')}`) });
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: OPERATOR, live }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await db?.close();
  });

  it('an empty room: an idle view, and controls answer 409 RoomEmpty', async () => {
    const alice = await owner('alice-live');
    const view = await call('GET', `/v1/accounts/${alice.id}/room/live`, alice.token);
    expect(view.status).to.equal(200);
    expect(view.json).to.deep.include({ room: alice.room, state: 'idle', members: [] });
    expect((await call('POST', `/v1/accounts/${alice.id}/room/live/lock`, alice.token)).json.error?.code).to.equal('RoomEmpty');
  });

  it('mute and unmute a member, lock, remove, end: the same room events; an unknown member 404; another account 403, no token 401', async () => {
    const bob = await owner('bob-live');
    const eve = await owner('eve-live');
    const info = roomInfo({ number: bob.room });
    rooms.join(info, 'm1', 'moderator', { callerNumber: '+15550001' });
    rooms.join(info, 'p1', 'participant', { callerNumber: '+15550002' });
    const base = `/v1/accounts/${bob.id}/room/live`;
    const muted = await call('POST', `${base}/members/p1/mute`, bob.token);
    expect(muted.status).to.equal(200);
    expect((muted.json as unknown as LiveRoom).members.map((m) => [m.channelId, m.role, m.callerNumber, m.muted])).to.deep.equal([
      ['m1', 'moderator', '…0001', false],
      ['p1', 'participant', '…0002', true],
    ]);
    expect((await call('POST', `${base}/members/p1/unmute`, bob.token)).status).to.equal(200);
    await flush();
    await rooms.settled();
    expect(members).to.deep.equal(['mute p1', 'unmute p1']);
    expect((await call('POST', `${base}/members/nobody/mute`, bob.token)).json.error?.code).to.equal('NotInRoom');
    expect((await call('POST', `${base}/lock`, eve.token)).status).to.equal(403);
    expect((await call('GET', base, 'not-a-token')).status).to.equal(401);
    expect(((await call('POST', `${base}/lock`, bob.token)).json as unknown as LiveRoom).locked).to.equal(true);
    expect((await call('DELETE', `${base}/members/p1`, bob.token)).status).to.equal(202);
    expect((await call('POST', `${base}/end`, bob.token)).status).to.equal(202);
    expect((await call('POST', `${base}/recording/start`, bob.token)).status).to.equal(202);
  });

  it('the event stream: text/event-stream, the room first, then joins and leaves; talk detection only while it is open', async () => {
    const carol = await owner('carol-live');
    const info = roomInfo({ number: carol.room });
    rooms.join(info, 'c1', 'moderator', { callerNumber: '+15550003' });
    talk.length = 0;
    const got: string[] = [];
    const req = http.get(`${api.url}/v1/accounts/${carol.id}/room/live/events`, { headers: { authorization: `Bearer ${carol.token}` } });
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    expect(res.headers['content-type']).to.equal('text/event-stream');
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => got.push(...[...chunk.matchAll(/^event: (.*)$/gm)].map((m) => m[1] as string)));
    await waitUntil(() => got.includes('room'));
    rooms.join(info, 'c2', 'participant', { callerNumber: '+15550004' });
    rooms.leave(carol.room, 'c2');
    await waitUntil(() => got.includes('left'));
    expect(got).to.deep.equal(['room', 'joined', 'left']);
    req.destroy();
    await waitUntil(() => talk.some((t) => t.startsWith('off')));
    expect(talk).to.deep.equal(['on c1', 'on c2', 'off c1']);
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).to.equal(true);
}
