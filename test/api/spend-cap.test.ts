// The owner's spend cap over the HTTP API (and the web page's form, in process): PATCH room's
// "spendCap" as a decimal amount and a grace, or null; GET room shows it with this month's spend.
import { expect } from 'chai';
import { pino } from 'pino';
import type { Mail, Mailer } from '../../app/accounts/mailer.js';
import type { ApiServer } from '../../api/server.js';
import type { Database } from '../../db/index.js';
import { rateLeg } from '../../domain/billing.js';
import { formatMoney } from '../../domain/money.js';
import { csrfTokenFor } from '../../web/cookies.js';
import { startSite } from '../../web/site.js';
import { createTestDatabase } from '../support/db-fixture.js';

const OPERATOR = 'operator-token-for-tests-0123456789';
const NO_MAIL: Mailer = { send: async (_: Mail) => false };

interface RoomJson {
  number: string;
  spendCap: { monthlyMicros: number; graceSeconds: number | null } | null;
  spend: { period: string; spentMicros: number; spent: string; level: string };
  error?: { code: string; message: string };
}

describe('HTTP API and web page: the room\'s spend cap', function () {
  this.timeout(30_000);
  let db: Database;
  let api: ApiServer;

  async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: RoomJson }> {
    const res = await fetch(api.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as RoomJson };
  }

  before(async () => {
    db = await createTestDatabase();
    api = await startSite({ db, mailer: NO_MAIL, log: pino({ level: 'silent' }), operatorToken: OPERATOR }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await db?.close();
  });

  async function owner(name: string): Promise<{ id: number; token: string; room: string }> {
    const { account } = await db.accounts.create({ name, email: `${name}@example.test`, password: 'correct horse battery' });
    const session = await fetch(`${api.url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${name}@example.test`, password: 'correct horse battery' }) });
    const room = (await db.rooms.forAccount(account.id))[0]!;
    return { id: account.id, token: ((await session.json()) as { token: string }).token, room: room.number };
  }

  it('sets a cap and grace from a decimal amount, shows it with this month\'s spend, and removes it with null', async () => {
    const o = await owner('capper');
    const set = await call('PATCH', `/v1/accounts/${o.id}/room`, o.token, { spendCap: { monthly: '25.00', graceSeconds: 300 } });
    expect(set.status).to.equal(200);
    expect(set.json.spendCap).to.deep.equal({ monthlyMicros: 25_000_000, graceSeconds: 300 });
    const shown = await call('GET', `/v1/accounts/${o.id}/room`, o.token);
    expect(shown.json.spendCap).to.deep.equal({ monthlyMicros: 25_000_000, graceSeconds: 300 });
    expect(shown.json.spend).to.deep.equal({ period: new Date().toISOString().slice(0, 7), spentMicros: 0, spent: '0.000000', level: 'under' });
    // No grace given: calls in progress finish.
    expect((await call('PATCH', `/v1/accounts/${o.id}/room`, o.token, { spendCap: { monthly: '0.5' } })).json.spendCap).to.deep.equal({ monthlyMicros: 500_000, graceSeconds: null });
    expect((await call('PATCH', `/v1/accounts/${o.id}/room`, o.token, { spendCap: null })).json.spendCap).to.equal(null);
    // Other settings leave the cap alone.
    await call('PATCH', `/v1/accounts/${o.id}/room`, o.token, { spendCap: { monthly: '3' } });
    expect((await call('PATCH', `/v1/accounts/${o.id}/room`, o.token, { locked: false })).json.spendCap).to.deep.equal({ monthlyMicros: 3_000_000, graceSeconds: null });
  });

  it('GET shows what the room\'s calls cost so far this month, a call in progress up to now, and the level', async () => {
    const o = await owner('spender');
    await db.numbers.add('+18005550177', 'toll_free');
    const sub = await db.numbers.subscribe('+18005550177', o.id);
    const roomId = (await db.rooms.get(o.room)).id;
    const answeredAt = Date.now() - 120_000;
    const leg = async (channelId: string) => {
      await db.ledger.openLeg({ channelId, accountId: o.id, subscriptionId: sub.id, numberId: sub.numberId, dialled: sub.e164, callerNumber: null, answeredAt });
      await db.ledger.assign(channelId, { roomId, role: 'moderator' });
    };
    await leg('api-spend-closed');
    const closed = (await db.ledger.closeLeg('api-spend-closed', answeredAt + 61_000))!.amountMicros ?? 0;
    await leg('api-spend-open');
    const open = await db.ledger.findByChannel('api-spend-open');
    // In progress for 120 s or a little more: rated as if it ended now, at the rate it carries.
    const openAtLeast = rateLeg(answeredAt, answeredAt + 120_000, { perMinuteMicros: open!.ratePerMinuteMicros, incrementSeconds: open!.rateIncrementSeconds, minimumSeconds: open!.rateMinimumSeconds }).amountMicros;
    expect(closed + openAtLeast).to.be.above(0);
    const shown = await call('PATCH', `/v1/accounts/${o.id}/room`, o.token, { spendCap: { monthly: formatMoney(closed + openAtLeast) } });
    expect(shown.json.spend.spentMicros).to.be.at.least(closed + openAtLeast);
    expect(shown.json.spend.spent).to.equal(formatMoney(shown.json.spend.spentMicros));
    expect(shown.json.spend.level).to.equal('reached');
  });

  it('refuses a bad amount, a cap of 0, a grace out of range and a cap that is not an object', async () => {
    const o = await owner('badcap');
    const cases: Array<[unknown, string]> = [
      [{ monthly: 'lots' }, 'InvalidMoney'],
      [{ monthly: 25 }, 'BadField'],
      [{}, 'MissingField'],
      [{ monthly: '0' }, 'InvalidRoomSettings'],
      [{ monthly: '25.00', graceSeconds: -1 }, 'InvalidRoomSettings'],
      [{ monthly: '25.00', graceSeconds: '300' }, 'BadField'],
      ['25.00', 'BadField'],
    ];
    for (const [spendCap, code] of cases) {
      const res = await call('PATCH', `/v1/accounts/${o.id}/room`, o.token, { spendCap });
      expect(res.status, JSON.stringify(spendCap)).to.equal(400);
      expect(res.json.error?.code, JSON.stringify(spendCap)).to.equal(code);
    }
    expect((await db.rooms.get(o.room)).spendCap).to.equal(null);
  });

  it('the room page shows the spend and sets the cap through its settings form (CSRF as the other forms); an empty amount removes it', async () => {
    const o = await owner('webcap');
    await db.rooms.setPins(o.room, { moderator: '4826', participant: '1739' });
    const formPage = await fetch(`${api.url}/signin`);
    const nonce = /tb_form=([A-Za-z0-9_-]+)/.exec(formPage.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const signin = await fetch(`${api.url}/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tb_form=${nonce}` }, body: form({ _form: nonce, email: 'webcap@example.test', password: 'correct horse battery' }) });
    const session = /^(tb_session=[^;]+)/.exec(signin.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const settings = { onModeratorLeave: 'continue', language: 'en', maxParticipants: '50', spendCapMonthly: '12.5', spendCapGrace: '120' };
    const post = (fields: Record<string, string>) => fetch(`${api.url}/app/room/settings`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session }, body: form(fields) });
    expect((await post(settings)).status).to.equal(403);
    expect((await db.rooms.get(o.room)).spendCap).to.equal(null);
    const csrf = csrfTokenFor(session.slice('tb_session='.length));
    const saved = await post({ ...settings, _csrf: csrf });
    expect(saved.status).to.equal(303);
    expect((await db.rooms.get(o.room)).spendCap).to.deep.equal({ monthlyMicros: 12_500_000, graceSeconds: 120 });
    const page = await (await fetch(`${api.url}/app/room`, { headers: { cookie: session } })).text();
    expect(page).to.contain('id="spend-this-month">Spent this month: 0.00 of 12.50</p>').and.contain('name="spendCapMonthly" inputmode="decimal"').and.contain('value="12.50"').and.contain('value="120"');
    const bad = await post({ ...settings, spendCapMonthly: 'a lot', _csrf: csrf });
    expect(bad.status).to.equal(400);
    expect(await bad.text()).to.contain('is not an amount');
    expect((await post({ ...settings, spendCapMonthly: '', _csrf: csrf })).status).to.equal(303);
    expect((await db.rooms.get(o.room)).spendCap).to.equal(null);
  });
});
