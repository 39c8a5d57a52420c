// Hostile input at the HTTP API, over real HTTP on a real database: content types, Host names,
// caching, malformed URLs, paging and ranges, size caps, e-mail addresses, periods, dates, and
// the audit log of who changed what (API and CLI).
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { Database } from '../../db/index.js';
import { normaliseEmail } from '../../domain/email.js';
import { parseDate } from '../../domain/dates.js';
import { parseDate as cliParseDate } from '../../cli/usage.js';
import { sameSecret } from '../../api/routes.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { createTestDatabase, testDatabaseUrl, TEST_PIN_SECRET } from '../support/db-fixture.js';
import { apiCall, LogSink } from './api-client.js';

const OPERATOR = 'operator-token-for-tests-0123456789';
const PASSWORD = 'correct horse battery';
const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../cli/main.js');

/** A raw request: any path bytes, any Host (or none). */
function raw(url: string, options: { path: string; method?: string; host?: string | null; body?: string; contentType?: string }): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.host !== null) headers.host = options.host ?? target.host;
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    const req = http.request({ host: target.hostname, port: target.port, path: options.path, method: options.method ?? 'GET', headers, setHost: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('hostile input at the API', function () {
  this.timeout(60_000);
  let db: Database;
  let api: ApiServer;
  let logs: LogSink;
  const call = (method: string, p: string, token?: string, body?: unknown, headers?: Record<string, string>) => apiCall(api.url, method, p, token, body, headers);

  async function owner(name: string): Promise<{ id: number; token: string }> {
    const created = await call('POST', '/v1/operator/accounts', OPERATOR, { name, email: `${name}@example.test`, password: PASSWORD });
    expect(created.status, created.text).to.equal(201);
    const session = await call('POST', '/v1/sessions', undefined, { email: `${name}@example.test`, password: PASSWORD });
    return { id: (created.json.account as { id: number }).id, token: session.json.token as string };
  }

  before(async () => {
    db = await createTestDatabase();
    logs = new LogSink();
    const log = pino({ level: 'info' }, logs);
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: OPERATOR, allowedHosts: ['bridge.example.com'] }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await db?.close();
  });

  it('a body that is not JSON gets 415 on a JSON route (no cross-site form or text/plain POST)', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await raw(api.url, { path: '/v1/sessions', method: 'POST', contentType, body: '{"email":"a@example.test","password":"x"}' });
      expect(res.status, contentType).to.equal(415);
    }
    const none = await raw(api.url, { path: '/v1/operator/numbers', method: 'POST', body: '{"e164":"+18005550101","kind":"toll_free"}' });
    expect(none.status).to.equal(415);
    expect((await db.numbers.list()).map((n) => n.e164)).to.not.include('+18005550101');
  });

  it('a Host outside the allow-list gets 421, a missing Host 400; localhost, 127.0.0.1 and configured names are served', async () => {
    expect((await raw(api.url, { path: '/health', host: 'evil.example:80' })).status).to.equal(421);
    expect((await raw(api.url, { path: '/health', host: 'bridge.example.com.evil.example' })).status).to.equal(421);
    expect((await raw(api.url, { path: '/health', host: null })).status).to.equal(400);
    for (const host of ['localhost:8380', '127.0.0.1', 'bridge.example.com', 'BRIDGE.example.com:443']) {
      expect((await raw(api.url, { path: '/health', host })).status, host).to.equal(200);
    }
  });

  it('responses carrying tokens say Cache-Control: no-store', async () => {
    const o = await owner('nostore');
    const session = await call('POST', '/v1/sessions', undefined, { email: 'nostore@example.test', password: PASSWORD });
    expect(session.headers.get('cache-control')).to.equal('no-store');
    const key = await call('POST', `/v1/accounts/${o.id}/api-keys`, o.token, { label: 'k', password: PASSWORD });
    expect(key.status).to.equal(201);
    expect(key.headers.get('cache-control')).to.equal('no-store');
  });

  it('malformed URLs and ids get 400/404, never a 500, and nothing is logged as an error', async () => {
    const o = await owner('malformed');
    const errorsBefore = logs.lines.filter((l) => Number(l.level) >= 50).length;
    expect((await raw(api.url, { path: `/v1/accounts/${o.id}/subscriptions/%E0%A4%A`, method: 'DELETE' })).status).to.equal(400);
    expect((await raw(api.url, { path: '/v1/accounts/%/room' })).status).to.equal(400);
    expect((await raw(api.url, { path: '//evil.example/health' })).status).to.equal(400);
    expect((await call('DELETE', `/v1/accounts/${o.id}/api-keys/abc`, o.token)).status).to.equal(404);
    expect((await call('DELETE', `/v1/accounts/${o.id}/api-keys/1e400`, o.token)).status).to.equal(404);
    expect((await call('POST', '/v1/operator/accounts/NaN/deactivate', OPERATOR)).status).to.equal(404);
    expect((await call('POST', '/v1/sessions', undefined, '[1,2')).status).to.equal(400);
    expect((await call('POST', '/v1/sessions', undefined, [1, 2])).status).to.equal(400);
    expect(logs.lines.filter((l) => Number(l.level) >= 50).length).to.equal(errorsBefore);
  });

  it('the operator token is compared in constant time, whatever the length', () => {
    expect(sameSecret(OPERATOR, OPERATOR)).to.equal(true);
    expect(sameSecret('x', OPERATOR)).to.equal(false);
    expect(sameSecret(OPERATOR + 'x', OPERATOR)).to.equal(false);
  });

  it('every list is paged: at most 500, 100 by default, a Link to the next page; /usage covers at most 366 days, 31 by default', async () => {
    for (let i = 0; i < 3; i++) await owner(`paged${i}`);
    const first = await call('GET', '/v1/operator/accounts?limit=2', OPERATOR);
    expect(first.json).to.have.length(2);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next, 'Link header').to.be.a('string');
    const second = await call('GET', next ?? '', OPERATOR);
    expect((second.json as unknown as Array<{ id: number }>)[0]?.id).to.be.greaterThan((first.json as unknown as Array<{ id: number }>)[1]?.id ?? 0);
    expect((await call('GET', '/v1/operator/accounts?limit=100000', OPERATOR)).status).to.equal(400);
    expect((await call('GET', '/v1/operator/accounts?limit=-1', OPERATOR)).status).to.equal(400);

    const o = await owner('usage');
    await db.numbers.add('+18005550177', 'toll_free');
    const sub = await db.numbers.subscribe('+18005550177', o.id);
    const now = Date.now();
    const leg = async (channelId: string, answeredAt: number) => {
      await db.ledger.openLeg({ channelId, accountId: o.id, subscriptionId: sub.id, numberId: sub.numberId, dialled: '+18005550177', callerNumber: null, answeredAt });
      await db.ledger.closeLeg(channelId, answeredAt + 1000);
    };
    await leg('old-leg', now - 40 * 86_400_000);
    for (let i = 0; i < 105; i++) await leg(`leg-${i}`, now - 60_000 - i * 1000);
    const usage = await call('GET', `/v1/accounts/${o.id}/usage`, o.token);
    expect(usage.json).to.have.length(100);
    const rest = await call('GET', /<([^>]+)>/.exec(usage.headers.get('link') ?? '')?.[1] ?? '', o.token);
    expect(rest.json).to.have.length(5); // the 40-day-old leg is outside the default window
    expect((await call('GET', `/v1/accounts/${o.id}/usage?from=2020-01-01&to=2026-12-01`, o.token)).json.error?.code).to.equal('RangeTooLong');
  });

  it('stored strings are capped: labels, names, languages, PINs, and at most 20 API keys', async () => {
    const o = await owner('caps');
    expect((await call('POST', `/v1/accounts/${o.id}/api-keys`, o.token, { label: 'x'.repeat(101), password: PASSWORD })).status).to.equal(400);
    expect((await call('POST', `/v1/accounts/${o.id}/api-keys`, o.token, { label: 'a\u0007b', password: PASSWORD })).status).to.equal(400);
    expect((await call('PATCH', `/v1/accounts/${o.id}/room`, o.token, { language: 'e'.repeat(5000) })).status).to.equal(400);
    expect((await call('POST', '/v1/operator/accounts', OPERATOR, { name: 'n'.repeat(201), email: 'longname@example.test' })).status).to.equal(400);
    expect((await call('POST', '/v1/operator/accounts', OPERATOR, { name: 'Zero\u200bWidth', email: 'zw@example.test' })).status).to.equal(400);
    for (let i = 0; i < 20; i++) expect((await call('POST', `/v1/accounts/${o.id}/api-keys`, o.token, { label: `k${i}`, password: PASSWORD })).status).to.equal(201);
    const over = await call('POST', `/v1/accounts/${o.id}/api-keys`, o.token, { label: 'one too many', password: PASSWORD });
    expect(over.status).to.equal(409);
    expect(over.json.error?.code).to.equal('TooManyApiKeys');
  });

  it('e-mail addresses are one strict addr-spec: no control or zero-width characters, no lists, no display names', async () => {
    for (const bad of ['a@example.com, b@example.com', 'a@example.com\r\nBcc: x@example.com', 'a\u200b@example.com', 'Ada <ada@example.com>', '"a b"@example.com', 'a@@example.com', 'a@example', 'a..b@example.com', 'a@[127.0.0.1]', 'a@exa_mple.com', 'ａ@example.com']) {
      expect(() => normaliseEmail(bad), JSON.stringify(bad)).to.throw().with.property('code', 'InvalidEmail');
      const res = await call('POST', '/v1/operator/accounts', OPERATOR, { name: 'Bad Mail', email: bad });
      expect(res.json.error?.code, JSON.stringify(bad)).to.equal('InvalidEmail');
    }
    expect(normaliseEmail('  Ada.Lovelace+bridge@Example.CO.uk ')).to.equal('ada.lovelace+bridge@example.co.uk');
  });

  it('statements only for sane periods: not year 0, not 9999, not a month that has not begun', async () => {
    const o = await owner('periods');
    for (const period of ['0000-01', '9999-12', '1999-12', '2999-12']) {
      const res = await call('GET', `/v1/accounts/${o.id}/statements/${period}`, o.token);
      expect(res.json.error?.code, period).to.equal('InvalidPeriod');
    }
    expect((await call('GET', `/v1/accounts/${o.id}/statements/${new Date().toISOString().slice(0, 7)}`, o.token)).status).to.equal(200);
  });

  it('one strict date rule in the API and the CLI', async () => {
    const o = await owner('dates');
    for (const bad of ['2026-02-30', '1', 'March 7, 2026', '2026-11-01T10:00:00', '0000-01-01', '1999-12-31', '+275760-09-13', '2026-11-01T25:00Z']) {
      expect(() => parseDate(bad, 'from'), bad).to.throw().with.property('code', 'InvalidDate');
      expect(() => cliParseDate(bad, 'from'), bad).to.throw().with.property('name', 'UsageError');
      const res = await call('GET', `/v1/accounts/${o.id}/usage?from=${encodeURIComponent(bad)}`, o.token);
      expect(res.json.error?.code, bad).to.equal('InvalidDate');
    }
    for (const good of ['2026-11-01', '2026-11-01T09:30Z', '2026-11-01T09:30:00.250+01:00']) {
      expect(parseDate(good, 'from')).to.equal(cliParseDate(good, 'from'));
    }
  });

  it('the audit log records who changed what through the API and the CLI; the operator reads it', async () => {
    const o = await owner('audited');
    expect((await call('POST', '/v1/operator/numbers', OPERATOR, { e164: '+18005550188', kind: 'toll_free' })).status).to.equal(201);
    expect((await call('PUT', `/v1/accounts/${o.id}/room/pins`, o.token, { moderator: '482916', participant: '1357' })).status).to.equal(200);
    const cli = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [MAIN, 'numbers', 'add', '+18005550189', '--kind', 'toll_free', '--db', testDatabaseUrl(db)], { env: { ...process.env, TOLLBRIDGE_PIN_SECRET: TEST_PIN_SECRET } }, (err, stdout) => resolve({ code: err === null ? 0 : Number(err.code), stdout }));
    });
    expect(cli.code).to.equal(0);
    const audit = await call('GET', '/v1/operator/audit?limit=500', OPERATOR);
    const entries = audit.json as unknown as Array<{ actor: string; action: string; target: string; address: string | null }>;
    expect(entries).to.deep.include({ ...entries.find((e) => e.action === 'POST /v1/operator/numbers'), actor: 'operator', target: '/v1/operator/numbers', address: '127.0.0.1' });
    const pins = entries.find((e) => e.action === 'PUT /v1/accounts/:accountId/room/pins');
    expect(pins).to.include({ actor: `account:${o.id}`, target: `/v1/accounts/${o.id}/room/pins` });
    const fromCli = entries.find((e) => e.action === 'tollbridge numbers add');
    expect(fromCli?.actor).to.match(/^cli:/);
    expect(fromCli).to.include({ target: '+18005550189 --kind toll_free', address: null });
    expect(JSON.stringify(entries)).to.not.contain('482916');
    const listed = await new Promise<string>((resolve) => {
      execFile(process.execPath, [MAIN, 'audit', '--json', '--limit', '1000', '--db', testDatabaseUrl(db)], { env: { ...process.env, TOLLBRIDGE_PIN_SECRET: TEST_PIN_SECRET } }, (_err, stdout) => resolve(stdout));
    });
    expect((JSON.parse(listed) as Array<{ action: string }>).map((e) => e.action)).to.include('tollbridge numbers add').and.include('POST /v1/operator/numbers');
  });
});
