// Callbacks on the owner's pages, over plain HTTP against the real API and database (no
// browser, no Asterisk): the usage page marks a callback leg and shows the statement's
// "Callbacks" line with its subtotal and the total including it; the unsubscribe preview shows
// the callbacks among the number's charges; an organization's statement by member says which
// part was callbacks. An account without callbacks sees none of it.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { ApiServer } from '../../api/server.js';
import type { Database, Subscription } from '../../db/index.js';
import type { LegKind } from '../../domain/legs.js';
import { startSite } from '../../web/site.js';
import { createTestDatabase } from '../support/db-fixture.js';

const log = pino({ level: 'silent' });
const PASSWORD = 'correct horse battery';

describe('callbacks on the owner\'s and the administrator\'s pages', function () {
  this.timeout(30_000);
  let db: Database;
  let api: ApiServer;
  const t = Date.now() - 600_000;
  const day = new Date(t).toISOString().slice(0, 10);
  const period = day.slice(0, 7);

  /** The session cookie of a sign-in through the page's form. */
  const signIn = async (email: string): Promise<string> => {
    const page = await fetch(`${api.url}/signin`);
    const nonce = /tb_form=([A-Za-z0-9_-]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const body = new URLSearchParams({ _form: nonce, email, password: PASSWORD }).toString();
    const res = await fetch(`${api.url}/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tb_form=${nonce}` }, body });
    return /^(tb_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '';
  };
  const page = async (cookie: string, path: string): Promise<string> => {
    const res = await fetch(`${api.url}${path}`, { headers: { cookie } });
    expect(res.status, path).to.equal(200);
    return res.text();
  };
  /** A closed leg on the subscription, into the room when given. */
  let seq = 0;
  const leg = async (sub: Subscription, seconds: number, legKind: LegKind, roomId?: number): Promise<void> => {
    const channelId = `web-${++seq}`;
    await db.ledger.openLeg({ channelId, accountId: sub.accountId, subscriptionId: sub.id, numberId: sub.numberId, dialled: sub.e164, callerNumber: '+15550004444', answeredAt: t + seq, legKind });
    if (roomId !== undefined) await db.ledger.assign(channelId, { roomId, role: 'participant' });
    await db.ledger.closeLeg(channelId, t + seq + seconds * 1000, 'hangup');
  };
  /** A personal account with PINs set (the pages ask for them first) and a subscribed number. */
  const owner = async (email: string, e164: string) => {
    const { account, room } = await db.accounts.create({ name: 'Owner', email, password: PASSWORD });
    await db.rooms.setPins(room.number, { moderator: '482619', participant: '1739' });
    await db.numbers.add(e164, 'toll_free');
    return { account, room, sub: await db.numbers.subscribe(e164, account.id) };
  };

  before(async () => {
    db = await createTestDatabase();
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: '' }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await db?.close();
  });

  it('the usage page marks the callback leg and shows the statement\'s Callbacks line, its subtotal and the total with it; the unsubscribe preview shows the callbacks', async () => {
    const { sub, room } = await owner('callbacks@example.test', '+18005558801');
    await leg(sub, 61, 'inbound', room.id); // 120 s at 0.02: 0.04
    await leg(sub, 150, 'callback', room.id); // 180 s at 0.03: 0.09
    const cookie = await signIn('callbacks@example.test');
    const usage = await page(cookie, `/app/usage?from=${day}&to=${day}&period=${period}`);
    expect(usage).to.contain('<td>participant (callback)</td>');
    expect(usage).to.match(/<tr id="statement-callbacks"><td>Callbacks<\/td><td>callback<\/td><td class="num">1<\/td><td class="num">3<\/td><td class="num">0.09<\/td><\/tr>/);
    expect(usage).to.contain('<td class="num" id="statement-total">0.13</td>');
    const preview = await page(cookie, `/app/numbers/unsubscribe?e164=${encodeURIComponent(sub.e164)}`);
    expect(preview).to.contain('<td class="num" id="charges">0.130000</td>');
    expect(preview).to.match(/id="callback-charges">1 leg, 0.090000</);
  });

  it('an account without callbacks sees no Callbacks line nor callback charges', async () => {
    const { sub } = await owner('plain-usage@example.test', '+18005558802');
    await leg(sub, 61, 'inbound');
    const cookie = await signIn('plain-usage@example.test');
    const usage = await page(cookie, `/app/usage?from=${day}&to=${day}&period=${period}`);
    expect(usage).to.contain('<td class="num" id="statement-total">0.04</td>').and.not.contain('Callbacks').and.not.contain('(callback)');
    expect(await page(cookie, `/app/numbers/unsubscribe?e164=${encodeURIComponent(sub.e164)}`)).to.not.contain('callback-charges');
  });

  it('an organization\'s statement by member says which part of it was callbacks', async () => {
    const org = await db.organizations.create({ name: 'Callback Org', email: 'cb-admin@example.test', password: PASSWORD });
    await db.numbers.add('+18005558803', 'toll_free');
    const sub = await db.numbers.subscribe('+18005558803', org.account.id);
    const { account: member, room } = await db.accounts.create({ name: 'Member', email: 'cb-member@example.test', password: PASSWORD });
    await db.organizations.joinByCode(member.id, org.joinCode);
    await leg(sub, 61, 'inbound', room.id); // 0.04
    await leg(sub, 61, 'callback', room.id); // 0.06
    const admin = await page(await signIn('cb-admin@example.test'), `/app/organization?period=${period}`);
    expect(admin).to.match(/<tr id="member-statement-callbacks"><th scope="row" colspan="2">Of which callbacks \(calls we placed back to waiting participants\)<\/th><td class="num">1<\/td><td class="num">2<\/td><td class="num">0.06<\/td><\/tr>/);
    expect(admin).to.contain('<td class="num" id="member-statement-total">0.10</td>');
  });
});
