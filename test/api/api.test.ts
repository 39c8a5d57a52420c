// The HTTP API over real HTTP, on a real database, with a real SMTP server for the mail.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { Database } from '../../db/index.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { createTestDatabase } from '../support/db-fixture.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { mailText } from '../support/browser.js';
import { pdfPages } from '../support/pdf-text.js';
import { waitFor } from '../support/wait.js';

const OPERATOR = 'operator-token-for-tests-0123456789';

describe('HTTP API', function () {
  this.timeout(30_000);
  let db: Database;
  let api: ApiServer;
  let smtp: SmtpSink;

  async function call(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: { error?: { code: string } } & Record<string, unknown>; text: string }> {
    const res = await fetch(api.url + path, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: { error?: { code: string } } & Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as { error?: { code: string } } & Record<string, unknown>;
    } catch {
      // CSV or empty
    }
    return { status: res.status, json, text };
  }

  async function owner(name: string): Promise<{ id: number; token: string; room: string }> {
    const created = await call('POST', '/v1/operator/accounts', OPERATOR, { name, email: `${name}@example.test`, password: 'correct horse battery' });
    expect(created.status).to.equal(201);
    const session = await call('POST', '/v1/sessions', undefined, { email: `${name}@example.test`, password: 'correct horse battery' });
    expect(session.status).to.equal(201);
    const account = created.json.account as { id: number };
    const room = created.json.room as { number: string };
    return { id: account.id, token: session.json.token as string, room: room.number };
  }

  before(async () => {
    smtp = await SmtpSink.start();
    db = await createTestDatabase();
    const log = pino({ level: 'silent' });
    api = await startSite({ db, mailer: createMailer({ smtpUrl: smtp.url, from: 'billing@tollbridge.test' }, log), log, operatorToken: OPERATOR }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await db?.close();
    await smtp?.close();
  });

  it('serves an OpenAPI document that lists every route', async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).to.equal(200);
    const paths = res.json.paths as Record<string, unknown>;
    expect(paths).to.have.property('/v1/accounts/{accountId}/subscriptions/{e164}');
    expect(paths).to.have.property('/v1/operator/rates/{kind}');
  });

  it('refuses wrong passwords, missing tokens and non-operators', async () => {
    await owner('alice');
    expect((await call('POST', '/v1/sessions', undefined, { email: 'alice@example.test', password: 'nope' })).json.error?.code).to.equal('BadCredentials');
    expect((await call('GET', '/v1/accounts/1')).status).to.equal(401);
    expect((await call('GET', '/v1/operator/accounts', 'not-the-operator')).status).to.equal(403);
  });

  it('another owner\'s token gets 403 on every owner route', async () => {
    const a = await owner('ann');
    const b = await owner('bob');
    const routes: Array<[string, string, unknown?]> = [
      ['GET', `/v1/accounts/${a.id}`],
      ['GET', `/v1/accounts/${a.id}/room`],
      ['PATCH', `/v1/accounts/${a.id}/room`, { onModeratorLeave: 'end' }],
      ['PUT', `/v1/accounts/${a.id}/room/pins`, { moderator: '2580', participant: '5179' }],
      ['GET', `/v1/accounts/${a.id}/numbers/available`],
      ['GET', `/v1/accounts/${a.id}/subscriptions`],
      ['POST', `/v1/accounts/${a.id}/subscriptions`, { e164: '+18005550100' }],
      ['DELETE', `/v1/accounts/${a.id}/subscriptions/%2B18005550100`],
      ['GET', `/v1/accounts/${a.id}/usage`],
      ['GET', `/v1/accounts/${a.id}/statements/2026-11`],
      ['GET', `/v1/accounts/${a.id}/api-keys`],
      ['POST', `/v1/accounts/${a.id}/api-keys`, { label: 'x' }],
      ['DELETE', `/v1/accounts/${a.id}/api-keys/1`],
    ];
    for (const [method, path, body] of routes) {
      const res = await call(method, path, b.token, body);
      expect(res.status, `${method} ${path}`).to.equal(403);
    }
    // Nothing of Ann's changed.
    expect((await db.rooms.get(a.room)).pinsSet).to.equal(false);
  });

  it('bad input gets a 4xx with a stable code and nothing half-written', async () => {
    const o = await owner('carol');
    const cases: Array<[string, string, string | undefined, unknown, number, string]> = [
      ['POST', '/v1/operator/numbers', OPERATOR, { e164: '18005550100', kind: 'toll_free' }, 400, 'InvalidPhoneNumber'],
      ['POST', '/v1/operator/numbers', OPERATOR, { e164: '+18005550101', kind: 'premium' }, 400, 'BadField'],
      ['PUT', `/v1/accounts/${o.id}/room/pins`, o.token, { moderator: '12', participant: '5678' }, 400, 'InvalidPin'],
      ['PUT', `/v1/accounts/${o.id}/room/pins`, o.token, { moderator: '2580', participant: '2580' }, 400, 'InvalidPin'],
      ['PATCH', `/v1/accounts/${o.id}/room`, o.token, { number: '12345674' }, 400, 'RoomNumberPermanent'],
      ['PATCH', `/v1/accounts/${o.id}/room`, o.token, { onModeratorLeave: 'explode' }, 400, 'BadField'],
      ['POST', `/v1/accounts/${o.id}/subscriptions`, o.token, { e164: '+18009990000' }, 409, 'NumberNotAvailable'],
      ['PUT', '/v1/operator/rates/toll_free', OPERATOR, { perMinute: '0.01.5' }, 400, 'InvalidMoney'],
      ['PUT', '/v1/operator/rates/toll_free', OPERATOR, { perMinute: '999999999' }, 400, 'InvalidRate'],
      ['PUT', '/v1/operator/rates/premium', OPERATOR, { perMinute: '0.01' }, 400, 'BadField'],
    ];
    for (const [method, path, token, body, status, code] of cases) {
      const res = await call(method, path, token, body);
      expect([res.status, res.json.error?.code], `${method} ${path} ${JSON.stringify(body)}`).to.deep.equal([status, code]);
    }
    const room = await db.rooms.get(o.room);
    expect(room.pinsSet).to.equal(false);
    expect((await db.numbers.list()).map((n) => n.e164)).to.not.include('+18005550101');
  });

  it('owner journey: PINs, settings, subscribe, statement as CSV, unsubscribe e-mails the usage and charges', async () => {
    const o = await owner('dave');
    expect((await call('POST', '/v1/operator/numbers', OPERATOR, { e164: '+18005550142', kind: 'toll_free' })).status).to.equal(201);
    expect((await call('PUT', `/v1/accounts/${o.id}/room/pins`, o.token, { moderator: '4826', participant: '1739' })).json).to.include({ pinsSet: true });
    expect((await call('PATCH', `/v1/accounts/${o.id}/room`, o.token, { onModeratorLeave: 'wait', maxParticipants: 20 })).json).to.include({ onModeratorLeave: 'wait', maxParticipants: 20, number: o.room });
    const available = await call('GET', `/v1/accounts/${o.id}/numbers/available`, o.token);
    expect((available.json as unknown as Array<{ e164: string }>).map((n) => n.e164)).to.include('+18005550142');
    expect((await call('POST', `/v1/accounts/${o.id}/subscriptions`, o.token, { e164: '+18005550142' })).status).to.equal(201);
    expect(await db.numbers.routeFor('+18005550142')).to.include({ accountId: o.id });
    // A 61-second leg at the opening rate: two started minutes at 0.02 = 0.04.
    const route = await db.numbers.routeFor('+18005550142');
    const t = Date.now() - 120_000;
    await db.ledger.openLeg({ channelId: 'api-test-1', accountId: o.id, subscriptionId: route?.subscriptionId ?? 0, numberId: route?.numberId ?? 0, dialled: '+18005550142', callerNumber: null, answeredAt: t });
    await db.ledger.closeLeg('api-test-1', t + 61_000);
    const period = new Date(t).toISOString().slice(0, 7);
    const csv = await call('GET', `/v1/accounts/${o.id}/statements/${period}?format=csv`, o.token);
    expect(csv.text.split('\n')[0]).to.equal('period,number,kind,legs,adjustments,late_entries,billable_seconds,billable_minutes,amount');
    expect(csv.text).to.contain(`${period},+18005550142,toll_free,1,0,0,120,2,0.04`);
    const gone = await call('DELETE', `/v1/accounts/${o.id}/subscriptions/%2B18005550142`, o.token);
    expect(gone.status).to.equal(200);
    expect(gone.json.usage).to.include({ legs: 1, billableSeconds: 120, amountMicros: 40_000 });
    expect(gone.json.mailed).to.equal(true);
    const mail = smtp.received.find((m) => m.to.includes('dave@example.test'));
    expect(mail, 'confirmation mail').to.not.equal(undefined);
    expect(mail?.raw).to.contain('+18005550142').and.to.contain('billable minutes: 2').and.to.contain('charges: 0.040000');
    expect(await db.numbers.routeFor('+18005550142')).to.equal(null);
    expect((await db.numbers.get('+18005550142')).state).to.equal('quarantined');
  });

  it('callbacks through the API: the statement shows them apart (JSON "callbacks", a "Callbacks" line in the CSV and the PDF) and in its total; the unsubscribe preview and e-mail too; usage marks the leg', async () => {
    const o = await owner('frank');
    expect((await call('POST', '/v1/operator/numbers', OPERATOR, { e164: '+18005550143', kind: 'toll_free' })).status).to.equal(201);
    expect((await call('POST', `/v1/accounts/${o.id}/subscriptions`, o.token, { e164: '+18005550143' })).status).to.equal(201);
    const route = (await db.numbers.routeFor('+18005550143'))!;
    const t = Date.now() - 180_000;
    const opening = { accountId: o.id, subscriptionId: route.subscriptionId, numberId: route.numberId, dialled: route.e164, callerNumber: '+15550003333' };
    await db.ledger.openLeg({ ...opening, channelId: 'api-in-1', answeredAt: t });
    await db.ledger.openLeg({ ...opening, channelId: 'api-cb-1', answeredAt: t + 1_000, legKind: 'callback' });
    await db.ledger.closeLeg('api-in-1', t + 61_000, 'callback'); // 120 s at 0.02: 0.04
    await db.ledger.closeLeg('api-cb-1', t + 151_000, 'hangup'); // 180 s at 0.03: 0.09
    const period = new Date(t).toISOString().slice(0, 7);
    const statement = (await call('GET', `/v1/accounts/${o.id}/statements/${period}`, o.token)).json;
    expect(statement).to.deep.include({ totalMicros: 130_000, total: '0.13' });
    expect(statement.callbacks).to.deep.equal({ legs: 1, adjustments: 0, lateEntries: 0, billableSeconds: 180, billableMinutes: '3', unroundedMicros: 90_000, amountMicros: 90_000, amount: '0.09' });
    const csv = (await call('GET', `/v1/accounts/${o.id}/statements/${period}?format=csv`, o.token)).text;
    expect(csv).to.contain(`${period},+18005550143,toll_free,1,0,0,120,2,0.04\n${period},Callbacks,callback,1,0,0,180,3,0.09\n${period},TOTAL,,,,,,,0.13\n`);
    const pdf = await fetch(`${api.url}/v1/accounts/${o.id}/statements/${period}?format=pdf`, { headers: { authorization: `Bearer ${o.token}` } });
    const printed = (await pdfPages(new Uint8Array(await pdf.arrayBuffer()))).flat();
    expect(printed).to.include.members(['+18005550143 toll_free 1 2 0.04', 'Callbacks callback 1 3 0.09', 'TOTAL 0.13']);
    const legs = (await call('GET', `/v1/accounts/${o.id}/usage?from=${period}-01`, o.token)).json as unknown as Array<{ channelId: string; legKind: string }>;
    expect(legs.map((l) => [l.channelId, l.legKind])).to.deep.equal([['api-in-1', 'inbound'], ['api-cb-1', 'callback']]);
    const preview = (await call('GET', `/v1/accounts/${o.id}/subscriptions/%2B18005550143/usage`, o.token)).json;
    expect(preview).to.deep.include({ legs: 2, amountMicros: 130_000, amount: '0.130000' });
    expect(preview.callbacks).to.deep.equal({ legs: 1, openLegs: 0, seconds: 150, billableSeconds: 180, amountMicros: 90_000, amount: '0.090000' });
    const gone = await call('DELETE', `/v1/accounts/${o.id}/subscriptions/%2B18005550143`, o.token);
    expect(gone.json.usage).to.deep.include({ callbacks: preview.callbacks });
    const mail = await waitFor('the unsubscribe e-mail', () => smtp.received.find((m) => m.to.includes('frank@example.test')));
    expect(mailText(mail.raw)).to.contain('charges: 0.130000').and.to.contain('of which callbacks (calls we placed back to waiting participants): legs 1, charges 0.090000');
  });

  it('the room\'s callback switch: GET shows "callback" (on for a new room), PATCH turns it off and on; the bridge\'s room lookup reads it', async () => {
    const o = await owner('callback');
    const base = `/v1/accounts/${o.id}`;
    expect((await call('GET', `${base}/room`, o.token)).json).to.include({ callback: true }).and.not.have.property('callbackEnabled');
    expect((await call('GET', base, o.token)).json.room).to.include({ callback: true });
    expect((await call('PATCH', `${base}/room`, o.token, { callback: false })).json).to.include({ callback: false, number: o.room });
    expect((await call('GET', `${base}/room`, o.token)).json).to.include({ callback: false, locked: false });
    // What the call side gets when it finds the room (RoomInfo).
    expect((await db.rooms.findByNumber(o.room))?.callbackEnabled).to.equal(false);
    const refused = await call('PATCH', `${base}/room`, o.token, { callback: 'no' });
    expect([refused.status, refused.json.error?.code]).to.deep.equal([400, 'BadField']);
    expect((await call('PATCH', `${base}/room`, o.token, { callback: true, locked: true })).json).to.include({ callback: true, locked: true });
    expect((await call('GET', `${base}/export`, o.token)).json.room).to.include({ callback: true });
  });

  it('API keys: created, used, listed, revoked', async () => {
    const o = await owner('erin');
    const key = await call('POST', `/v1/accounts/${o.id}/api-keys`, o.token, { label: 'billing export', password: 'correct horse battery' });
    expect(key.status).to.equal(201);
    const token = key.json.token as string;
    expect((await call('GET', `/v1/accounts/${o.id}/room`, token)).status).to.equal(200);
    const keys = await call('GET', `/v1/accounts/${o.id}/api-keys`, token);
    expect((keys.json as unknown as Array<{ label: string }>)[0]?.label).to.equal('billing export');
    expect((await call('DELETE', `/v1/accounts/${o.id}/api-keys/${String(key.json.id)}`, o.token)).status).to.equal(204);
    expect((await call('GET', `/v1/accounts/${o.id}/room`, token)).status).to.equal(401);
  });

  // Last: it changes the callback rate the legs of the tests above are rated at.
  it('the operator reads and sets the callback rate like the others: 0.03 per started minute at first', async () => {
    expect((await call('GET', '/v1/operator/rates/callback', OPERATOR)).json).to.include({ kind: 'callback', perMinuteMicros: 30_000, incrementSeconds: 60, minimumSeconds: 0 });
    expect((await call('PUT', '/v1/operator/rates/callback', OPERATOR, { perMinute: '0.045', incrementSeconds: 30 })).json).to.include({ kind: 'callback', perMinuteMicros: 45_000, incrementSeconds: 30 });
    expect((await db.rates.current('callback')).perMinuteMicros).to.equal(45_000);
    expect((await db.rates.current('toll_free')).perMinuteMicros).to.equal(20_000);
  });
});
