// The OpenAPI document against the routes themselves: every API route is registered with its
// schemas, every example body passes its schema, and real answers match the documented answer
// schemas (so the document cannot say one thing while a route answers another).
import { expect } from 'chai';
import { pino } from 'pino';
import type { z } from 'zod';
import { createMailer } from '../../app/accounts/mailer.js';
import type { Database } from '../../db/index.js';
import { Router, type Reply, type RouteDoc } from '../../api/http.js';
import { openApiDocument } from '../../api/openapi.js';
import { registerRoutes } from '../../api/routes.js';
import { createTestDatabase } from '../support/db-fixture.js';

const OPERATOR = 'operator-token-for-tests-0123456789';
const PASSWORD = 'correct horse battery';
const BODY_METHODS = ['POST', 'PUT', 'PATCH'];

describe('OpenAPI document and the routes\' schemas', function () {
  this.timeout(30_000);
  let db: Database;
  let router: Router;

  before(async () => {
    db = await createTestDatabase();
    const log = pino({ level: 'silent' });
    router = new Router({ allowedHosts: ['localhost'], onInternalError: (err) => log.error({ err }, 'internal') });
    registerRoutes(router, { db, mailer: createMailer({ smtpUrl: '', from: 'billing@tollbridge.test' }, log), log, operatorToken: OPERATOR });
  });
  after(async () => {
    await db?.close();
  });

  const docs = (): RouteDoc[] =>
    router.list().map((r) => {
      if (r.doc === undefined) throw new Error(`${r.method} ${r.pattern} was added without schemas (Router.endpoint)`);
      return r.doc;
    });

  it('every API route is registered with its schemas and is in the document with them', () => {
    const all = docs();
    expect(all.length).to.be.greaterThan(60);
    const doc = openApiDocument(router.list()) as { paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string }>; requestBody?: unknown; responses: Record<string, unknown> }>> };
    for (const route of all) {
      const path = route.pattern.replace(/:([A-Za-z0-9]+)/g, '{$1}');
      const op = doc.paths[path]?.[route.method.toLowerCase()];
      const label = `${route.method} ${path}`;
      expect(op, label).to.be.an('object');
      expect(op?.parameters.filter((p) => p.in === 'path').map((p) => p.name), label).to.deep.equal(Object.keys(route.params.shape));
      expect(op?.parameters.filter((p) => p.in === 'query').map((p) => p.name), label).to.deep.equal(Object.keys(route.query.shape));
      expect(op?.requestBody !== undefined, label).to.equal(BODY_METHODS.includes(route.method));
      for (const status of Object.keys(route.answers)) expect(op?.responses, label).to.have.property(status);
    }
    const routes = new Set(all.map((r) => `${r.method} ${r.pattern.replace(/:([A-Za-z0-9]+)/g, '{$1}')}`));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).to.deep.equal([...routes].sort());
  });

  it('every route that takes a body has an example, and each example passes its schema', () => {
    for (const route of docs()) {
      const label = `${route.method} ${route.pattern}`;
      if (route.body === undefined) continue;
      if (Object.keys(route.body.shape).length === 0) {
        expect(route.example, label).to.equal(undefined);
        continue;
      }
      expect(route.example, `${label}: an example body`).to.not.equal(undefined);
      const parsed = route.body.safeParse(route.example);
      expect(parsed.success, `${label}: ${JSON.stringify(parsed.error?.issues)}`).to.equal(true);
    }
  });

  it('the answers of a journey through the routes match their documented schemas', async () => {
    const all = docs();
    const docFor = (method: string, url: string): RouteDoc => {
      const parts = url.split('?')[0]?.split('/').filter(Boolean) ?? [];
      const found = all.find((r) => {
        const pattern = r.pattern.split('/').filter(Boolean);
        return r.method === method && pattern.length === parts.length && pattern.every((p, i) => p.startsWith(':') || p === parts[i]);
      });
      if (found === undefined) throw new Error(`no route for ${method} ${url}`);
      return found;
    };
    const checked = new Set<string>();
    const call = async (method: string, url: string, token?: string, body?: unknown): Promise<unknown> => {
      const reply: Reply = await router.invoke({ method, url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body }), address: '127.0.0.1' });
      const route = docFor(method, url);
      const label = `${method} ${url} -> ${reply.status} ${'json' in reply ? JSON.stringify(reply.json) : ''}`;
      const answer = route.answers[reply.status];
      expect(answer, `${label}: an undocumented status`).to.not.equal(undefined);
      if ('json' in reply && reply.status !== 204) {
        const schema: z.ZodType | undefined = answer?.json;
        expect(schema, `${label}: no JSON schema`).to.not.equal(undefined);
        // As a client reads it: through JSON.
        const wire: unknown = JSON.parse(JSON.stringify(reply.json));
        const parsed = schema?.safeParse(wire);
        expect(parsed?.success, `${label}: ${JSON.stringify(parsed?.error?.issues)}`).to.equal(true);
        checked.add(`${route.method} ${route.pattern}`);
        return wire;
      }
      checked.add(`${route.method} ${route.pattern}`);
      return undefined;
    };

    const created = (await call('POST', '/v1/operator/accounts', OPERATOR, { name: 'Journey', email: 'journey@example.test', password: PASSWORD })) as { account: { id: number } };
    const id = created.account.id;
    const { token } = (await call('POST', '/v1/sessions', undefined, { email: 'journey@example.test', password: PASSWORD })) as { token: string };
    const base = `/v1/accounts/${id}`;
    await call('GET', '/health');
    await call('GET', '/v1/sessions/current', token);
    await call('GET', base, token);
    await call('GET', `${base}/room`, token);
    await call('PATCH', `${base}/room`, token, { onModeratorLeave: 'wait', announcements: { recordNames: true } });
    await call('PUT', `${base}/room/pins`, token, { moderator: '482913', participant: '5732' });
    await call('GET', `${base}/room/pin-lock`, token);
    await call('POST', '/v1/operator/numbers', OPERATOR, { e164: '+18005550142', kind: 'toll_free' });
    await call('GET', '/v1/operator/numbers?available=true', OPERATOR);
    await call('GET', `${base}/numbers/available`, token);
    await call('POST', `${base}/subscriptions`, token, { e164: '+18005550142' });
    await call('GET', `${base}/subscriptions`, token);
    await call('GET', `${base}/subscriptions/%2B18005550142/usage`, token);
    const route = await db.numbers.routeFor('+18005550142');
    const t = Date.now() - 120_000;
    await db.ledger.openLeg({ channelId: 'openapi-1', accountId: id, subscriptionId: route?.subscriptionId ?? 0, numberId: route?.numberId ?? 0, dialled: '+18005550142', callerNumber: '+15550100', answeredAt: t });
    await db.ledger.closeLeg('openapi-1', t + 61_000);
    // A callback too: the statement's and the usage's callbacks parts are checked against their schemas.
    await db.ledger.openLeg({ channelId: 'openapi-cb', accountId: id, subscriptionId: route?.subscriptionId ?? 0, numberId: route?.numberId ?? 0, dialled: '+18005550142', callerNumber: '+15550100', answeredAt: t + 1_000, legKind: 'callback' });
    await db.ledger.closeLeg('openapi-cb', t + 31_000, 'hangup');
    await call('GET', `${base}/usage`, token);
    await call('GET', `${base}/statements/${new Date(t).toISOString().slice(0, 7)}`, token);
    await call('POST', `${base}/api-keys`, token, { label: 'script', password: PASSWORD });
    await call('GET', `${base}/api-keys`, token);
    await call('GET', `${base}/recordings`, token);
    await call('GET', `${base}/export`, token);
    await call('DELETE', `${base}/subscriptions/%2B18005550142`, token);
    await call('PUT', '/v1/operator/rates/local', OPERATOR, { perMinute: '0.015', incrementSeconds: 6 });
    await call('GET', '/v1/operator/rates/local', OPERATOR);
    await call('GET', '/v1/operator/rates/callback', OPERATOR);
    await call('GET', '/v1/operator/accounts', OPERATOR);
    await call('GET', '/v1/operator/audit', OPERATOR);
    await call('POST', '/v1/operator/retention/run', OPERATOR);
    const org = (await call('POST', '/v1/operator/organizations', OPERATOR, { name: 'Engines', email: 'admin@engines.test', password: PASSWORD })) as { account: { id: number } };
    await call('GET', '/v1/operator/organizations', OPERATOR);
    await call('GET', `/v1/operator/organizations/${org.account.id}`, OPERATOR);
    const admin = (await call('POST', '/v1/sessions', undefined, { email: 'admin@engines.test', password: PASSWORD })) as { token: string };
    const orgBase = `/v1/accounts/${org.account.id}`;
    const { joinCode } = (await call('POST', `${orgBase}/organization/join-code`, admin.token)) as { joinCode: string };
    await call('POST', `${base}/organization/join`, token, { code: joinCode });
    await call('GET', `${base}/organization`, token);
    await call('GET', `${orgBase}/organization`, admin.token);
    await call('GET', `${orgBase}/organization/members`, admin.token);
    await call('GET', `${orgBase}/organization/members/${id}/usage`, admin.token);
    await call('GET', `${orgBase}/statements/${new Date().toISOString().slice(0, 7)}`, admin.token);
    await call('POST', `/v1/operator/accounts/${org.account.id}/deactivate`, OPERATOR);
    await call('DELETE', `${base}/sessions`, token);
    expect(checked.size).to.be.greaterThan(35);
  });
});
