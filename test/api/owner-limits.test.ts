// Owner abuse over real HTTP: an owner cannot subscribe a local number, gets the same answer
// for a number that is taken, in quarantine, unknown or local, and is held to the
// subscription limits (429). SQLite, and PostgreSQL with TOLLBRIDGE_TEST_DB.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { Database } from '../../db/index.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { createTestDatabase } from '../support/db-fixture.js';

const OPERATOR = 'operator-token-for-owner-limits-0123';

describe('HTTP API: owner limits on numbers', function () {
  this.timeout(30_000);
  let db: Database;
  let api: ApiServer;

  async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> & { error?: { code: string; message: string } } }> {
    const res = await fetch(api.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> & { error?: { code: string; message: string } } };
  }
  async function owner(name: string): Promise<{ id: number; token: string }> {
    const created = await call('POST', '/v1/operator/accounts', OPERATOR, { name, email: `${name}@limits.test`, password: 'correct horse battery' });
    const res = await fetch(`${api.url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${name}@limits.test`, password: 'correct horse battery' }) });
    const session = (await res.json()) as { token: string };
    return { id: (created.json.account as { id: number }).id, token: session.token };
  }

  before(async () => {
    db = await createTestDatabase({ ownerLimits: { maxNumbersPerAccount: 2, maxSubscribesPerDay: 10, unusedReleaseMs: 0 } });
    const log = pino({ level: 'silent' });
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: OPERATOR }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await db?.close();
  });

  it('taken, quarantined, unknown and local numbers all get the same 409 NumberNotAvailable; the offer lists toll-free only', async () => {
    const a = await owner('amy');
    const b = await owner('ben');
    for (const [e164, kind] of [['+18005550301', 'toll_free'], ['+18005550302', 'toll_free'], ['+14155550303', 'local']]) {
      expect((await call('POST', '/v1/operator/numbers', OPERATOR, { e164, kind })).status).to.equal(201);
    }
    expect((await call('POST', `/v1/accounts/${b.id}/subscriptions`, b.token, { e164: '+18005550301' })).status).to.equal(201);
    expect((await call('POST', `/v1/accounts/${b.id}/subscriptions`, b.token, { e164: '+18005550302' })).status).to.equal(201);
    expect((await call('DELETE', `/v1/accounts/${b.id}/subscriptions/+18005550302`, b.token)).status).to.equal(200);
    const offer = await fetch(`${api.url}/v1/accounts/${a.id}/numbers/available`, { headers: { authorization: `Bearer ${a.token}` } });
    expect(((await offer.json()) as Array<{ kind: string }>).map((n) => n.kind)).to.deep.equal([]);
    const answers = new Set<string>();
    for (const e164 of ['+18005550301', '+18005550302', '+14155550303', '+18005550399']) {
      const res = await call('POST', `/v1/accounts/${a.id}/subscriptions`, a.token, { e164 });
      expect(res.status, e164).to.equal(409);
      answers.add(JSON.stringify(res.json).replace(e164, 'N'));
    }
    expect([...answers]).to.have.length(1);
    expect([...answers][0]).to.contain('NumberNotAvailable');
  });

  it('a third number for one account is refused with 429 SubscriptionLimit', async () => {
    const c = await owner('cat');
    for (const e164 of ['+18005550311', '+18005550312', '+18005550313']) await call('POST', '/v1/operator/numbers', OPERATOR, { e164, kind: 'toll_free' });
    expect((await call('POST', `/v1/accounts/${c.id}/subscriptions`, c.token, { e164: '+18005550311' })).status).to.equal(201);
    expect((await call('POST', `/v1/accounts/${c.id}/subscriptions`, c.token, { e164: '+18005550312' })).status).to.equal(201);
    const third = await call('POST', `/v1/accounts/${c.id}/subscriptions`, c.token, { e164: '+18005550313' });
    expect([third.status, third.json.error?.code]).to.deep.equal([429, 'SubscriptionLimit']);
  });
});
