// GET /v1/operator/organizations over real HTTP: every organization (deactivated ones too, no
// personal account), its administrator's e-mail and current member count, paged by id like the
// other operator lists; only the operator token reaches it.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { Database, OrganizationSummary } from '../../db/index.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { createTestDatabase } from '../support/db-fixture.js';
import { apiCall, type ApiResponse } from './api-client.js';

const OPERATOR = 'operator-token-for-tests-0123456789';
const PASSWORD = 'correct horse battery';

describe('HTTP API: the operator\'s list of organizations', function () {
  this.timeout(30_000);
  let db: Database;
  let api: ApiServer;
  const call = (method: string, path: string, token?: string): Promise<ApiResponse> => apiCall(api.url, method, path, token);
  const listOf = (res: ApiResponse) => res.json as unknown as OrganizationSummary[];

  before(async () => {
    db = await createTestDatabase();
    const log = pino({ level: 'silent' });
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'orgs@tollbridge.test' }, log), log, operatorToken: OPERATOR }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await db?.close();
  });

  it('lists every organization with its administrator and current members, paged by id; personal accounts are not in it', async () => {
    const acme = await db.organizations.create({ name: 'Acme', email: 'admin@acme.example', password: PASSWORD });
    const { account: grace } = await db.accounts.create({ name: 'Grace', email: 'grace@example.test', password: PASSWORD });
    const { account: alan } = await db.accounts.create({ name: 'Alan', email: 'alan@example.test', password: PASSWORD });
    const { account: ada } = await db.accounts.create({ name: 'Ada', email: 'ada@example.test', password: PASSWORD });
    const globex = await db.organizations.create({ name: 'Globex', email: 'admin@globex.example', password: PASSWORD });
    const initech = await db.organizations.create({ name: 'Initech', email: 'admin@initech.example' });
    for (const member of [grace, alan]) await db.organizations.joinByCode(member.id, acme.joinCode);
    await db.organizations.joinByCode(ada.id, globex.joinCode);
    await db.organizations.leave(alan.id);
    await db.accounts.deactivate(initech.account.id);

    const all = await call('GET', '/v1/operator/organizations', OPERATOR);
    expect(all.status, all.text).to.equal(200);
    expect(all.headers.get('link')).to.equal(null);
    expect(listOf(all).map((o) => [o.account.id, o.account.name, o.account.email, o.account.kind, o.memberCount, o.account.deactivatedAt === null])).to.deep.equal([
      [acme.account.id, 'Acme', 'admin@acme.example', 'organization', 1, true],
      [globex.account.id, 'Globex', 'admin@globex.example', 'organization', 1, true],
      [initech.account.id, 'Initech', 'admin@initech.example', 'organization', 0, false],
    ]);

    const first = await call('GET', '/v1/operator/organizations?limit=2', OPERATOR);
    expect(listOf(first).map((o) => o.account.id)).to.deep.equal([acme.account.id, globex.account.id]);
    expect(first.headers.get('link')).to.equal(`</v1/operator/organizations?limit=2&after=${globex.account.id}>; rel="next"`);
    const second = await call('GET', `/v1/operator/organizations?limit=2&after=${globex.account.id}`, OPERATOR);
    expect(listOf(second).map((o) => o.account.id)).to.deep.equal([initech.account.id]);
    expect(second.headers.get('link')).to.equal(null);
  });

  it('only the operator token reaches it; a bad page is 400', async () => {
    const { account } = await db.accounts.create({ name: 'Owner', email: 'owner@example.test', password: PASSWORD });
    const session = await db.credentials.session(account.id);
    expect((await call('GET', '/v1/operator/organizations')).status).to.equal(401);
    expect((await call('GET', '/v1/operator/organizations', 'not-the-operator-token')).status).to.equal(403);
    expect((await call('GET', '/v1/operator/organizations', session.token)).status).to.equal(403);
    expect((await call('GET', '/v1/operator/organizations?after=x', OPERATOR)).json.error?.code).to.equal('BadQuery');
    expect((await call('GET', '/v1/operator/organizations?limit=501', OPERATOR)).status).to.equal(400);
  });
});
