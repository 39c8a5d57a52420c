// The web pages over plain HTTP, without a browser: what every page answer carries (no-store,
// CSP, HttpOnly SameSite=Strict cookies), the API's Host allow-list and body rules applied to
// page routes too, forms refused without their CSRF value, and HTML escaping.
import http from 'node:http';
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import type { Database } from '../../db/index.js';
import { csrfTokenFor } from '../../web/cookies.js';
import { escapeHtml, html } from '../../web/html.js';
import { liveSection } from '../../web/live-views.js';
import { createTestDatabase } from '../support/db-fixture.js';

const log = pino({ level: 'silent' });

describe('web pages over HTTP', function () {
  this.timeout(20_000);
  let db: Database;
  let api: ApiServer;
  let accountId: number;

  before(async () => {
    db = await createTestDatabase();
    accountId = (await db.accounts.create({ name: 'Plain', email: 'plain@example.test', password: 'correct horse battery' })).account.id;
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: '' }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await db?.close();
  });

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  it('the sign-in page is HTML with no-store, a CSP and an HttpOnly SameSite=Strict form cookie', async () => {
    const res = await fetch(`${api.url}/signin`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    expect(res.headers.get('content-security-policy')).to.contain("form-action 'self'");
    expect(res.headers.get('set-cookie')).to.match(/^tb_form=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(await res.text()).to.contain('<meta name="viewport"');
  });

  it('a signed-out visit to an owner page goes to sign-in', async () => {
    const res = await fetch(`${api.url}/app/room`, { redirect: 'manual' });
    expect(res.status).to.equal(303);
    expect(res.headers.get('location')).to.equal('/signin');
  });

  it('page routes keep the API\'s Host allow-list', async () => {
    const target = new URL(api.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: target.hostname, port: target.port, path: '/signin', headers: { host: 'evil.example' }, setHost: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).to.equal(421);
  });

  it('a sign-in without the form cookie\'s value is refused and signs nobody in; a JSON body on a form route is 415', async () => {
    const res = await fetch(`${api.url}/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ email: 'plain@example.test', password: 'correct horse battery' }) });
    expect(res.status).to.equal(403);
    expect(res.headers.get('set-cookie') ?? '').to.not.contain('tb_session=');
    const json = await fetch(`${api.url}/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"plain@example.test"}' });
    expect(json.status).to.equal(415);
  });

  it('a sign-in with the double-submitted value sets an HttpOnly SameSite=Strict session cookie', async () => {
    const page = await fetch(`${api.url}/signin`);
    const nonce = /tb_form=([A-Za-z0-9_-]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const res = await fetch(`${api.url}/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tb_form=${nonce}` }, body: form({ _form: nonce, email: 'plain@example.test', password: 'correct horse battery' }) });
    expect(res.status).to.equal(303);
    expect(res.headers.get('location')).to.equal('/app/room');
    expect(res.headers.get('set-cookie')).to.match(/^tb_session=tb_s_[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    const session = /^(tb_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const forged = await fetch(`${api.url}/app/pins`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session }, body: form({ moderator: '2468', participant: '1357' }) });
    expect(forged.status).to.equal(403);
    expect(forged.headers.get('content-type')).to.match(/^text\/html/);
    expect(await forged.text()).to.contain('the form is stale or came from another site');
    expect((await db.rooms.forAccount(accountId))[0]?.pinsSet).to.equal(false);
  });

  it('an organization\'s administrator is sent from the room pages to the organization\'s; the new forms refuse a POST without their CSRF value', async () => {
    const org = await db.organizations.create({ name: 'Plain <Org>', email: 'org@example.test', password: 'correct horse battery' });
    const formPage = await fetch(`${api.url}/signin`);
    const nonce = /tb_form=([A-Za-z0-9_-]+)/.exec(formPage.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const signin = async (email: string) => {
      const res = await fetch(`${api.url}/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tb_form=${nonce}` }, body: form({ _form: nonce, email, password: 'correct horse battery' }) });
      return /^(tb_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '';
    };
    const admin = await signin('org@example.test');
    for (const path of ['/app/room', '/app/pins']) {
      const res = await fetch(`${api.url}${path}`, { redirect: 'manual', headers: { cookie: admin } });
      expect(res.status, path).to.equal(303);
      expect(res.headers.get('location'), path).to.equal('/app/organization');
    }
    const organizationPage = await fetch(`${api.url}/app/organization`, { headers: { cookie: admin } });
    expect(organizationPage.status).to.equal(200);
    expect(await organizationPage.text()).to.contain('id="join-code"').and.contain('<h1>Plain &lt;Org&gt;</h1>').and.not.contain('<Org>').and.not.contain('href="/app/room"');
    const stale = await fetch(`${api.url}/app/organization/join-code`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: admin }, body: '' });
    expect(stale.status).to.equal(403);
    const owner = await signin('plain@example.test');
    const deletion = await fetch(`${api.url}/app/my-data/delete`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: owner }, body: form({ password: 'correct horse battery', confirm: 'on' }) });
    expect(deletion.status).to.equal(403);
    expect((await db.accounts.get(accountId)).erasedAt).to.equal(null);
    // With its CSRF value, an owner's POST to an administrator's form is refused as the API refuses it.
    const [room] = await db.rooms.forAccount(accountId);
    await db.rooms.setPins(room?.number ?? '', { moderator: '4826', participant: '1739' });
    const adminOnly = await fetch(`${api.url}/app/organization/join-code`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: owner }, body: form({ _csrf: csrfTokenFor(owner.slice('tb_session='.length)) }) });
    expect(adminOnly.status).to.equal(403);
    expect(await adminOnly.text()).to.contain('only an organization');
    expect((await db.organizations.get(org.account.id)).joinCode).to.equal(org.joinCode);
  });

  it('without the bridge in this process the live view says so plainly; its forms keep CSRF; only that page may run its script', async () => {
    const [room] = await db.rooms.forAccount(accountId);
    await db.rooms.setPins(room?.number ?? '', { moderator: '4826', participant: '1739' });
    const formPage = await fetch(`${api.url}/signin`);
    const nonce = /tb_form=([A-Za-z0-9_-]+)/.exec(formPage.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const signin = await fetch(`${api.url}/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tb_form=${nonce}` }, body: form({ _form: nonce, email: 'plain@example.test', password: 'correct horse battery' }) });
    const session = /^(tb_session=[^;]+)/.exec(signin.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const get = (path: string) => fetch(`${api.url}${path}`, { redirect: 'manual', headers: { cookie: session } });
    const live = await get('/app/room/live');
    expect(live.status).to.equal(200);
    expect(await live.text()).to.contain('id="live-unavailable"').and.contain('tollbridge start').and.not.contain('<form method="post" action="/app/room/live/');
    expect(live.headers.get('content-security-policy')).to.contain("script-src 'self'").and.contain("connect-src 'self'");
    const roomPage = await get('/app/room');
    expect(roomPage.headers.get('content-security-policy')).to.not.contain('script-src');
    expect(await roomPage.text()).to.contain('id="no-recordings"').and.contain('name="recordingConsent"');
    expect((await get('/app/room/live/events')).status).to.equal(404);
    expect((await get('/app/room/recordings/abc/file')).status).to.equal(404);
    expect((await get('/app/room/recordings/99/file')).status).to.equal(404);
    const script = await get('/web/live.js');
    expect(script.headers.get('content-type')).to.match(/^text\/javascript/);
    const post = (path: string, fields: Record<string, string>) => fetch(`${api.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session }, body: form(fields) });
    expect((await post('/app/room/live/lock', {})).status).to.equal(403);
    expect((await post('/app/room/live/members/x/remove', {})).status).to.equal(403);
    const csrf = csrfTokenFor(session.slice('tb_session='.length));
    const refused = await post('/app/room/live/lock', { _csrf: csrf });
    expect(await refused.text()).to.contain('only by the process that runs the bridge');
  });

  it('the live view escapes what callers send (their number)', () => {
    const view = liveSection('c', { room: '1', state: 'live', locked: false, mutedAll: false, recording: false, members: [{ channelId: 'a.1', callerNumber: '<script>x</script>', role: 'participant', joinedAt: 0, where: 'live', muted: false, talking: false }] });
    expect(view.value).to.contain('&lt;script&gt;x&lt;/script&gt;').and.not.contain('<script>');
  });

  it('the pages are not in the API description', async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/v1/') && p !== '/health' && p !== '/openapi.json')).to.deep.equal([]);
  });

  it('html escapes every interpolated value and nests its own output unescaped', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).to.equal('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const name = '<script>alert(1)</script>';
    expect(html`<p>${name}</p>${html`<b>${1}</b>`}`.value).to.equal('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><b>1</b>');
  });
});
