// The owner's view and lift of a PIN-guessing lock over the HTTP API (issue 23, item 11): the
// lock is shown (kind, since, until, wrong PINs), the owner lifts it, another owner cannot,
// nothing locked is a 409, and a PIN change lifts the lock of the kind it changes.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { Database } from '../../db/index.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import type { RoomPinLocks } from '../../api/pin-lock-routes.js';
import { createTestDatabase } from '../support/db-fixture.js';

const OPERATOR = 'operator-token-for-tests-0123456789';
const LOCK_MS = 3_600_000;

interface Answer {
  status: number;
  json: { error?: { code: string } } & Record<string, unknown>;
}

describe('HTTP API: the owner sees and lifts a PIN-guessing lock', function () {
  this.timeout(30_000);
  let db: Database;
  let api: ApiServer;

  async function call(method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
    const res = await fetch(api.url + path, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Answer['json']) };
  }

  async function owner(name: string): Promise<{ id: number; token: string; roomId: number }> {
    const created = await call('POST', '/v1/operator/accounts', OPERATOR, { name, email: `${name}@example.test`, password: 'correct horse battery' });
    const session = await call('POST', '/v1/sessions', undefined, { email: `${name}@example.test`, password: 'correct horse battery' });
    return { id: (created.json.account as { id: number }).id, token: session.json.token as string, roomId: (created.json.room as { id: number }).id };
  }

  const wrongPins = async (roomId: number, count: number, callerNumber = '+15550001111') => {
    for (let i = 0; i < count; i++) await db.pinFailures.recordFailure({ roomId, callerNumber, kinds: ['moderator', 'participant'] });
  };

  before(async () => {
    db = await createTestDatabase({ pinLockPolicy: { roomLockAfter: { moderator: 3, participant: 3 }, callerLockAfter: 3, lockMs: LOCK_MS, windowMs: LOCK_MS } });
    const log = pino({ level: 'silent' });
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: OPERATOR }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await db?.close();
  });

  it('shows the lock of each PIN kind; the owner lifts it (audited), the guesser\'s number stays locked; a second lift is 409 NotLocked', async () => {
    const o = await owner('lifter');
    const path = `/v1/accounts/${o.id}/room/pin-lock`;
    const nothing = await call('GET', path, o.token);
    expect(nothing.status).to.equal(200);
    expect((nothing.json as unknown as RoomPinLocks).moderator).to.deep.include({ locked: false, failures: 0, lockedUntil: null });
    expect((await call('DELETE', path, o.token)).json.error?.code).to.equal('NotLocked');

    const before = Date.now();
    await wrongPins(o.roomId, 3);
    const shown = (await call('GET', path, o.token)).json as unknown as RoomPinLocks;
    for (const kind of ['moderator', 'participant'] as const) {
      const lock = shown[kind];
      expect(lock).to.deep.include({ locked: true, failures: 3, liftedAt: null });
      const since = Date.parse(lock.lockedSince ?? '');
      expect(since).to.be.at.least(before - 1000);
      expect(Date.parse(lock.lockedUntil ?? '')).to.equal(since + LOCK_MS);
      expect(lock.firstFailureAt).to.be.a('string');
    }

    expect((await call('DELETE', `${path}?kind=owner`, o.token)).json.error?.code).to.equal('BadQuery');
    const lifted = await call('DELETE', `${path}?kind=participant`, o.token);
    expect(lifted.status).to.equal(200);
    expect(lifted.json.lifted).to.deep.equal(['participant']);
    expect((lifted.json as unknown as RoomPinLocks).participant).to.deep.include({ locked: false, failures: 3 });
    expect((lifted.json as unknown as RoomPinLocks).participant.relocksUntil).to.equal(shown.participant.lockedUntil);
    expect((lifted.json as unknown as RoomPinLocks).moderator.locked).to.equal(true);
    expect((await call('DELETE', path, o.token)).json.lifted).to.deep.equal(['moderator']);
    expect((await call('DELETE', path, o.token)).json.error?.code).to.equal('NotLocked');

    const state = await db.pinFailures.state({ roomId: o.roomId, callerNumber: '+15550001111' });
    expect(state.room.moderator.locked || state.room.participant.locked).to.equal(false);
    expect(state.caller.locked).to.equal(true);
    const audit = await db.audit.list({ limit: 500 });
    expect(audit.filter((e) => e.action === 'DELETE /v1/accounts/:accountId/room/pin-lock').map((e) => e.actor)).to.deep.equal([`account:${o.id}`, `account:${o.id}`]);
  });

  it('another owner\'s token is refused (403) and the lock stays; without a token 401', async () => {
    const a = await owner('victim');
    const b = await owner('stranger');
    await wrongPins(a.roomId, 3, '+15550002222');
    const path = `/v1/accounts/${a.id}/room/pin-lock`;
    expect((await call('GET', path, b.token)).status).to.equal(403);
    expect((await call('DELETE', path, b.token)).status).to.equal(403);
    expect((await call('DELETE', path)).status).to.equal(401);
    expect(((await call('GET', path, a.token)).json as unknown as RoomPinLocks).moderator.locked).to.equal(true);
  });

  it('a PIN change lifts the lock of the kind it changes and forgets its wrong PINs', async () => {
    const o = await owner('changer');
    expect((await call('PUT', `/v1/accounts/${o.id}/room/pins`, o.token, { moderator: '482619', participant: '1739' })).status).to.equal(200);
    await wrongPins(o.roomId, 3, '+15550003333');
    expect((await call('PUT', `/v1/accounts/${o.id}/room/pins`, o.token, { moderator: '591730', participant: '1739' })).status).to.equal(200);
    const locks = (await call('GET', `/v1/accounts/${o.id}/room/pin-lock`, o.token)).json as unknown as RoomPinLocks;
    expect(locks.moderator).to.deep.include({ locked: false, failures: 0 });
    expect(locks.participant).to.deep.include({ locked: true, failures: 3 });
  });

  it('the OpenAPI document describes both routes', async () => {
    const paths = (await call('GET', '/openapi.json')).json.paths as Record<string, Record<string, { summary: string }>>;
    expect(paths['/v1/accounts/{accountId}/room/pin-lock']?.get?.summary).to.contain('locked');
    expect(paths['/v1/accounts/{accountId}/room/pin-lock']?.delete?.summary).to.contain('Lift');
  });
});
