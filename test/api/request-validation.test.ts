// The API refuses what its schemas do not take, over real HTTP: an unknown field, a missing one,
// a wrong type or range is a 400 that names the field, and nothing changes; the OpenAPI document
// carries every route's schemas.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { Database } from '../../db/index.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { createTestDatabase } from '../support/db-fixture.js';
import { apiCall, type ApiResponse } from './api-client.js';

const OPERATOR = 'operator-token-for-tests-0123456789';
const PASSWORD = 'correct horse battery';

interface Refusal {
  code: string;
  message: string;
  fields?: string[];
}

const refusalOf = (res: ApiResponse): Refusal => res.json.error as Refusal;

interface Operation {
  parameters?: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>;
  requestBody?: { content: { 'application/json': { schema: { type?: string; properties?: Record<string, unknown>; additionalProperties?: unknown }; example?: unknown } } };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security: Array<Record<string, unknown>>;
}

describe('HTTP API: request schemas', function () {
  this.timeout(30_000);
  let db: Database;
  let api: ApiServer;
  const call = (method: string, path: string, token?: string, body?: unknown) => apiCall(api.url, method, path, token, body);

  async function owner(name: string): Promise<{ id: number; token: string; room: string }> {
    const created = await call('POST', '/v1/operator/accounts', OPERATOR, { name, email: `${name}@example.test`, password: PASSWORD });
    expect(created.status).to.equal(201);
    const session = await call('POST', '/v1/sessions', undefined, { email: `${name}@example.test`, password: PASSWORD });
    return { id: (created.json.account as { id: number }).id, token: session.json.token as string, room: (created.json.room as { number: string }).number };
  }

  before(async () => {
    db = await createTestDatabase();
    const log = pino({ level: 'silent' });
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'billing@tollbridge.test' }, log), log, operatorToken: OPERATOR }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await db?.close();
  });

  it('an unknown field is a 400 UnknownField naming it, and the room does not change ({"lockd": true} answered 200 before)', async () => {
    const o = await owner('lockd');
    const before = await db.rooms.get(o.room);
    const res = await call('PATCH', `/v1/accounts/${o.id}/room`, o.token, { lockd: true });
    expect(res.status).to.equal(400);
    expect(refusalOf(res).code).to.equal('UnknownField');
    expect(refusalOf(res).fields).to.deep.equal(['lockd']);
    expect(refusalOf(res).message).to.contain('"lockd"').and.contain('locked');
    // A known field beside it changes nothing either: the request is refused whole.
    expect((await call('PATCH', `/v1/accounts/${o.id}/room`, o.token, { locked: true, lockd: true })).status).to.equal(400);
    expect(await db.rooms.get(o.room)).to.deep.equal(before);
    const two = await call('POST', `/v1/accounts/${o.id}/subscriptions`, o.token, { e164: '+18005550100', plan: 'gold', coupon: 'x' });
    expect([two.status, refusalOf(two).code, refusalOf(two).fields]).to.deep.equal([400, 'UnknownField', ['plan', 'coupon']]);
  });

  it('a wrong type, a missing field, a value out of range or too long is a 400 naming the field', async () => {
    const o = await owner('types');
    const room = `/v1/accounts/${o.id}/room`;
    const cases: Array<[string, string, unknown, string, string[]]> = [
      ['PATCH', room, { locked: 'yes' }, 'BadField', ['locked']],
      ['PATCH', room, { callback: 'on' }, 'BadField', ['callback']],
      ['PATCH', room, { callback: null }, 'BadField', ['callback']],
      ['PATCH', room, { maxParticipants: 'ten' }, 'BadField', ['maxParticipants']],
      ['PATCH', room, { maxParticipants: 2.5 }, 'BadField', ['maxParticipants']],
      // Out of range: the domain's code and message, as before and as the CLI.
      ['PATCH', room, { maxParticipants: 1 }, 'InvalidRoomSettings', []],
      ['PATCH', room, { onModeratorLeave: 'explode' }, 'BadField', ['onModeratorLeave']],
      ['PATCH', room, { announcements: { aloneMusic: 'off' } }, 'BadField', ['announcements.aloneMusic']],
      ['PUT', `${room}/pins`, { moderator: 482913, participant: '5732' }, 'BadField', ['moderator']],
      ['PUT', `${room}/pins`, { moderator: '482913' }, 'MissingField', ['participant']],
      ['POST', `/v1/accounts/${o.id}/api-keys`, { label: 'x'.repeat(101), password: PASSWORD }, 'FieldTooLong', ['label']],
      ['POST', `/v1/accounts/${o.id}/subscriptions`, [1, 2], 'BadBody', []],
      ['POST', `/v1/accounts/${o.id}/room/live/lock`, { force: true }, 'UnknownField', ['force']],
    ];
    for (const [method, path, body, code, fields] of cases) {
      const res = await call(method, path, o.token, body);
      const label = `${method} ${path} ${JSON.stringify(body)}`;
      expect([res.status, refusalOf(res).code], label).to.deep.equal([400, code]);
      expect(refusalOf(res).fields ?? [], label).to.deep.equal(fields);
      for (const field of fields) expect(refusalOf(res).message, label).to.contain(`"${field}"`);
    }
    const wrongType = await call('PATCH', room, o.token, { locked: 'yes' });
    expect(refusalOf(wrongType).message).to.equal('"locked" must be true or false');
    expect((await db.rooms.get(o.room)).locked).to.equal(false);
    expect(refusalOf(await call('PATCH', room, o.token, { callback: 1 })).message).to.equal('"callback" must be true or false');
    expect((await db.rooms.get(o.room)).callbackEnabled).to.equal(true);
  });

  it('queries are strict too: an unknown parameter or a bad value is a 400 BadQuery naming it', async () => {
    const o = await owner('queries');
    const unknown = await call('GET', `/v1/accounts/${o.id}/subscriptions?limt=5`, o.token);
    expect([unknown.status, refusalOf(unknown).code, refusalOf(unknown).fields]).to.deep.equal([400, 'BadQuery', ['limt']]);
    const format = await call('GET', `/v1/accounts/${o.id}/statements/2026-11?format=xml`, o.token);
    expect([format.status, refusalOf(format).code, refusalOf(format).fields]).to.deep.equal([400, 'BadQuery', ['format']]);
    expect(refusalOf(format).message).to.equal('"format" must be json, csv or pdf');
  });

  it('authentication comes first: a stranger learns nothing from the schemas (401, 403 before any 400)', async () => {
    const a = await owner('first-a');
    const b = await owner('first-b');
    expect((await call('PATCH', `/v1/accounts/${a.id}/room`, undefined, { lockd: true })).status).to.equal(401);
    expect((await call('PATCH', `/v1/accounts/${a.id}/room`, b.token, { lockd: true })).status).to.equal(403);
    expect((await call('POST', '/v1/operator/numbers', 'not-the-operator', { bogus: 1 })).status).to.equal(403);
  });

  it('the OpenAPI document carries each route\'s parameters, request body with an example, answers and security', async () => {
    const doc = (await call('GET', '/openapi.json')).json as unknown as {
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
      components: { securitySchemes: Record<string, unknown>; responses: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    expect(doc.openapi).to.equal('3.1.0');
    expect(Object.keys(doc.components.securitySchemes)).to.have.members(['session', 'apiKey', 'operator']);
    const patch = doc.paths['/v1/accounts/{accountId}/room']?.patch;
    const body = patch?.requestBody?.content['application/json'];
    expect(body?.schema.additionalProperties).to.equal(false);
    expect(Object.keys(body?.schema.properties ?? {})).to.include.members(['onModeratorLeave', 'language', 'locked', 'callback', 'maxParticipants', 'announcements']);
    expect(body?.example).to.be.an('object');
    expect(patch?.security).to.deep.equal([{ session: [] }, { apiKey: [] }]);
    expect(patch?.responses['200']?.content?.['application/json']?.schema).to.be.an('object');
    expect(patch?.responses['4XX']).to.deep.equal({ $ref: '#/components/responses/Error' });
    expect(doc.paths['/v1/operator/accounts']?.get?.parameters?.map((p) => [p.name, p.in, p.required])).to.deep.equal([['limit', 'query', false], ['after', 'query', false]]);
    expect(doc.paths['/v1/operator/numbers']?.post?.security).to.deep.equal([{ operator: [] }]);

    const methods = new Set(['get', 'put', 'post', 'delete', 'patch']);
    for (const [path, operations] of Object.entries(doc.paths)) {
      expect(path).to.match(/^\//);
      for (const [method, op] of Object.entries(operations)) {
        const label = `${method.toUpperCase()} ${path}`;
        expect(methods.has(method), label).to.equal(true);
        const named = [...path.matchAll(/\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]);
        expect((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name), label).to.deep.equal(named);
        if (method === 'post' || method === 'put' || method === 'patch') {
          expect(op.requestBody?.content['application/json'].schema.type, label).to.equal('object');
          expect(op.requestBody?.content['application/json'].schema.additionalProperties, label).to.equal(false);
        } else {
          expect(op.requestBody, label).to.equal(undefined);
        }
        expect(Object.keys(op.responses).some((status) => /^2\d\d$/.test(status)), label).to.equal(true);
        for (const requirement of op.security) for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes, label).to.have.property(scheme);
      }
    }
    // Every $ref points into the document.
    for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/([a-zA-Z]+)\/([A-Za-z]+)"/g)) {
      const section = (doc.components as Record<string, Record<string, unknown>>)[ref[1] ?? ''];
      expect(section, ref[0]).to.have.property(ref[2] ?? '');
    }
  });
});
