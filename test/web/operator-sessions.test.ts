// The operator's web sessions live in the database (migration 018): signed in at one API process,
// the operator stays signed in at another on the same database and after a restart; signing out
// anywhere ends the session everywhere; a new operator token ends every session. Over real HTTP,
// on SQLite or PostgreSQL (TOLLBRIDGE_TEST_DB).
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { ApiServer } from '../../api/server.js';
import type { Database } from '../../db/index.js';
import { startSite } from '../../web/site.js';
import { csrfTokenFor } from '../../web/cookies.js';
import { createTestDatabase, openSecondHandle } from '../support/db-fixture.js';
import { apiCall } from '../api/api-client.js';

const OPERATOR = 'operator-token-for-tests-0123456789';
const log = pino({ level: 'silent' });

describe('operator sessions shared through the database', function () {
  this.timeout(30_000);
  let db: Database;
  let second: Database;
  const servers: ApiServer[] = [];

  const site = async (handle: Database, operatorToken = OPERATOR, now?: () => number): Promise<ApiServer> => {
    const server = await startSite({ db: handle, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken, ...(now === undefined ? {} : { now }) }, '127.0.0.1', 0);
    servers.push(server);
    return server;
  };
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  /** Signs in on the operator's sign-in page; the session cookie ("tb_operator=...") or '' when refused. */
  const signIn = async (server: ApiServer, token: string): Promise<{ status: number; cookie: string }> => {
    const page = await fetch(`${server.url}/operator/signin`);
    const nonce = /tb_form=([A-Za-z0-9_-]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const res = await fetch(`${server.url}/operator/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tb_form=${nonce}` }, body: form({ _form: nonce, token }) });
    return { status: res.status, cookie: /^(tb_operator=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '' };
  };
  /** Where a page visit with `cookie` lands: 200 (the page) or the redirect's location. */
  const visit = async (server: ApiServer, cookie: string, path = '/operator/numbers'): Promise<string> => {
    const res = await fetch(`${server.url}${path}`, { redirect: 'manual', headers: { cookie } });
    await res.text();
    return res.status === 200 ? '200' : (res.headers.get('location') ?? String(res.status));
  };

  beforeEach(async () => {
    db = await createTestDatabase();
    second = await openSecondHandle(db);
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    await second?.close();
    await db?.close();
  });

  it('signed in at one process, the operator is signed in at another on the same database, and after a restart', async () => {
    const a = await site(db);
    const b = await site(second);
    const { status, cookie } = await signIn(a, OPERATOR);
    expect(status).to.equal(303);
    expect(cookie).to.match(/^tb_operator=tb_o_[A-Za-z0-9_-]+$/);
    expect(await visit(a, cookie)).to.equal('200');
    expect(await visit(b, cookie)).to.equal('200');
    await a.close();
    servers.splice(servers.indexOf(a), 1);
    const restarted = await site(db);
    expect(await visit(restarted, cookie, '/operator/rates')).to.equal('200');
    // The table holds a hash of the session token, never the token or the operator token.
    const rows = JSON.stringify(await db.knex('operator_sessions').select());
    expect(rows).to.not.contain(cookie.slice('tb_operator='.length)).and.not.contain(OPERATOR);
  });

  it('signing out at one process ends the session at every process', async () => {
    const a = await site(db);
    const b = await site(second);
    const { cookie } = await signIn(a, OPERATOR);
    const token = cookie.slice('tb_operator='.length);
    const out = await fetch(`${b.url}/operator/signout`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: form({ _csrf: csrfTokenFor(token) }) });
    expect(out.status).to.equal(303);
    expect(await visit(a, cookie)).to.equal('/operator/signin');
    expect(await visit(b, cookie)).to.equal('/operator/signin');
  });

  it('a wrong token signs nobody in; a new operator token ends the sessions opened with the old one', async () => {
    const a = await site(db);
    expect(await signIn(a, 'not-the-operator-token')).to.deep.equal({ status: 403, cookie: '' });
    const { cookie } = await signIn(a, OPERATOR);
    const rotated = await site(second, 'a-new-operator-token-9876543210');
    expect(await visit(rotated, cookie)).to.equal('/operator/signin');
    expect((await signIn(rotated, 'a-new-operator-token-9876543210')).status).to.equal(303);
  });

  it('a session expires after 8 hours', async () => {
    let now = Date.now();
    const timed = await createTestDatabase({ now: () => now });
    try {
      const a = await site(timed, OPERATOR, () => now);
      const { cookie } = await signIn(a, OPERATOR);
      now += 8 * 3600_000 - 1000;
      expect(await visit(a, cookie)).to.equal('200');
      now += 2000;
      expect(await visit(a, cookie)).to.equal('/operator/signin');
    } finally {
      for (const server of servers.splice(0)) await server.close();
      await timed.close();
    }
  });

  it('over the API: a session reaches the operator routes but opens no session itself; the operator token cannot be "signed out"', async () => {
    const a = await site(db);
    const opened = await apiCall(a.url, 'POST', '/v1/operator/sessions', OPERATOR);
    expect(opened.status).to.equal(201);
    const session = opened.json.token as string;
    expect(session).to.match(/^tb_o_/);
    expect((await apiCall(a.url, 'GET', '/v1/operator/accounts', session)).status).to.equal(200);
    expect((await apiCall(a.url, 'GET', '/v1/operator/sessions/current', session)).json).to.include({ kind: 'session' });
    expect((await apiCall(a.url, 'GET', '/v1/operator/sessions/current', OPERATOR)).json).to.deep.equal({ kind: 'token', expiresAt: null });
    expect((await apiCall(a.url, 'POST', '/v1/operator/sessions', session)).status).to.equal(403);
    const notASession = await apiCall(a.url, 'DELETE', '/v1/operator/sessions/current', OPERATOR);
    expect(notASession.status).to.equal(400);
    expect(notASession.json.error?.code).to.equal('NotASession');
    expect((await apiCall(a.url, 'DELETE', '/v1/operator/sessions/current', session)).status).to.equal(204);
    expect((await apiCall(a.url, 'GET', '/v1/operator/accounts', session)).status).to.equal(403);
    // An owner's session token is no operator session.
    expect((await apiCall(a.url, 'GET', '/v1/operator/accounts', 'tb_s_not-an-operator-session')).status).to.equal(403);
  });
});
