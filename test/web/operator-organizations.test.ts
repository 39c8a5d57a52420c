// The operator's Organizations pages in a real headless Chromium against the real API server
// (no bridge: these pages need no Asterisk): the operator signs in, reaches the page from the
// menu by keyboard, creates an organization on it and lands on its detail with the join code
// and what to do next; a member who joins with that code shows with their room; the list shows
// the administrator's e-mail, the member count and the state, names escaped; a taken e-mail is
// refused on the page; a form POST without its CSRF value is refused; the list fits a phone.
// Also the Rates page with the callback rate (no Asterisk needed either).
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import type { Database } from '../../db/index.js';
import { OPERATOR_COOKIE } from '../../web/operator-pages.js';
import { createTestDatabase } from '../support/db-fixture.js';
import { atPath, launchChromium, screenshot } from '../support/browser.js';
import { newBrowserPage } from '../support/web-fixture.js';

const OPERATOR = 'operator-token-for-web-tests-0123';
const PASSWORD = 'correct horse battery';
const ADMIN_EMAIL = 'admin@acme-ops.example';
const TRICKY_NAME = 'Umbrella <i>Corp</i> & "Sons"';

describe('the operator\'s Organizations pages in headless Chromium', function () {
  this.timeout(120_000);
  let db: Database;
  let api: ApiServer;
  let browser: Browser;
  let op: Page;
  let orgId: number;
  let joinCode: string;

  const organizationCount = async () => (await db.knex('accounts').where({ kind: 'organization' }).count<Array<{ n: number | string }>>({ n: '*' }))[0]?.n;

  before(async () => {
    db = await createTestDatabase();
    const log = pino({ level: 'silent' });
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'ops@tollbridge.test' }, log), log, operatorToken: OPERATOR }, '127.0.0.1', 0);
    browser = await launchChromium();
    op = await newBrowserPage(browser);
    // One organization made over the API beforehand, its name full of markup.
    await db.organizations.create({ name: TRICKY_NAME, email: 'admin@umbrella.example', password: PASSWORD });
  });
  after(async () => {
    await browser?.close();
    await api?.close();
    await db?.close();
  });

  it('signs in as operator and reaches Organizations from the menu by keyboard', async () => {
    await op.goto(`${api.url}/operator/organizations`);
    await atPath(op, '/operator/signin');
    await op.getByLabel(/Operator token/).fill(OPERATOR);
    await op.getByLabel(/Operator token/).press('Enter');
    await atPath(op, '/operator/numbers');
    const menuEntry = op.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organizations' });
    await menuEntry.focus();
    await op.keyboard.press('Enter');
    await atPath(op, '/operator/organizations');
    expect(await op.getByRole('heading', { level: 1 }).textContent()).to.equal('Organizations');
    expect(await op.locator('nav a[aria-current=page]').textContent()).to.equal('Organizations');
  });

  it('creates an organization on the page: its detail shows the join code and what to do next', async () => {
    await op.getByLabel('Organization name').fill('Acme Ltd');
    await op.getByLabel(/Administrator's e-mail/).fill(ADMIN_EMAIL);
    await op.getByLabel(/Administrator's first password/).fill(PASSWORD);
    await op.getByRole('button', { name: 'Create organization' }).click();
    await op.waitForURL((url) => /^\/operator\/organizations\/\d+$/.test(url.pathname));
    expect(await op.getByRole('status').textContent()).to.equal('Organization Acme Ltd created.');
    expect(await op.getByRole('heading', { level: 1 }).textContent()).to.equal('Acme Ltd');
    orgId = Number(await op.locator('#organization-id').textContent());
    joinCode = (await op.locator('#join-code').textContent()) ?? '';
    expect(joinCode).to.match(/^[A-Z2-9]{10}$/);
    // What the page shows is what the database holds: the administrator's account, no room.
    const stored = await db.organizations.get(orgId);
    expect([stored.account.name, stored.account.email, stored.joinCode]).to.deep.equal(['Acme Ltd', ADMIN_EMAIL, joinCode]);
    expect(await db.rooms.forAccount(orgId)).to.deep.equal([]);
    expect(await op.locator('#next-steps li').count()).to.equal(3);
    expect(await op.locator('#next-steps').textContent()).to.contain('join code');
    // The administrator signs in with the first password the operator typed.
    const session = await fetch(`${api.url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN_EMAIL, password: PASSWORD }) });
    expect(session.status).to.equal(201);
  });

  it('a member who joins with the code shows on the detail with their room; the list shows administrator, members and state', async () => {
    const { account: grace, room } = await db.accounts.create({ name: 'Grace Hopper', email: 'grace@acme-ops.example', password: PASSWORD });
    const token = (await db.credentials.session(grace.id)).token;
    const joined = await fetch(`${api.url}/v1/accounts/${grace.id}/organization/join`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ code: joinCode }) });
    expect(joined.status).to.equal(200);

    await op.reload();
    expect(await op.locator('#members tbody tr').count()).to.equal(1);
    const cells = await op.locator('#members tbody tr td').allTextContents();
    expect(cells.slice(0, 4)).to.deep.equal([String(grace.id), 'Grace Hopper', 'grace@acme-ops.example', room.number]);
    await screenshot(op, '21-operator-organization');

    await op.getByRole('link', { name: 'All organizations' }).click();
    await atPath(op, '/operator/organizations');
    const rows = await Promise.all((await op.locator('#organizations tbody tr').all()).map((tr) => tr.locator('td').allTextContents()));
    expect(rows.map((r) => [r[1], r[2], r[3], r[5]])).to.deep.equal([
      [TRICKY_NAME, 'admin@umbrella.example', '0', 'active'],
      ['Acme Ltd', ADMIN_EMAIL, '1', 'active'],
    ]);
    // The name's markup stayed text.
    expect(await op.locator('#organizations i').count()).to.equal(0);
    await screenshot(op, '21-operator-organizations');
  });

  it('a taken e-mail is refused on the page with the API\'s message; nothing is created', async () => {
    const before = await organizationCount();
    await op.getByLabel('Organization name').fill('Acme Again');
    await op.getByLabel(/Administrator's e-mail/).fill(ADMIN_EMAIL);
    await op.getByLabel(/Administrator's first password/).fill(PASSWORD);
    await op.getByLabel(/Administrator's first password/).press('Enter');
    expect(await op.getByRole('alert').textContent()).to.contain(ADMIN_EMAIL);
    expect(await organizationCount()).to.equal(before);
  });

  it('refuses a form POST without its CSRF value (or with another), even with the operator\'s cookie', async () => {
    const cookie = (await op.context().cookies()).find((c) => c.name === OPERATOR_COOKIE);
    expect(cookie, 'the operator session cookie').to.not.equal(undefined);
    const before = await organizationCount();
    for (const csrf of [undefined, 'forged']) {
      const fields = new URLSearchParams({ name: 'Forged Inc', email: 'forged@example.test', password: PASSWORD, ...(csrf === undefined ? {} : { _csrf: csrf }) });
      const res = await fetch(`${api.url}/operator/organizations`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${OPERATOR_COOKIE}=${cookie?.value ?? ''}` }, body: fields.toString() });
      expect(res.status).to.equal(403);
      expect(await res.text()).to.contain('reload the page');
    }
    expect(await organizationCount()).to.equal(before);
    // Without the operator's session at all: back to sign-in, nothing shown.
    const anonymous = await fetch(`${api.url}/operator/organizations/${orgId}`, { redirect: 'manual' });
    expect([anonymous.status, anonymous.headers.get('location')]).to.deep.equal([303, '/operator/signin']);
  });

  it('the Rates page lists the callback rate (0.03 at first) beside the others and sets it', async () => {
    await op.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rates' }).click();
    await atPath(op, '/operator/rates');
    expect(await op.locator('#rate-callback').textContent()).to.equal('0.030000');
    await op.getByLabel('Kind').selectOption('callback');
    await op.getByLabel(/Price per minute/).fill('0.035');
    await op.getByRole('button', { name: 'Set rate' }).click();
    await op.locator('#rate-callback', { hasText: '0.035000' }).waitFor();
    expect((await db.rates.current('callback')).perMinuteMicros).to.equal(35_000);
    expect((await db.rates.current('toll_free')).perMinuteMicros).to.equal(20_000);
  });

  it('fits a phone: no sideways scrolling, rows stacked with their labels', async () => {
    await op.setViewportSize({ width: 390, height: 844 });
    await op.goto(`${api.url}/operator/organizations`);
    const overflow = await op.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).to.be.at.most(0);
    // A row's cells stack: the administrator's e-mail sits below the name, not beside it.
    const row = op.locator('#organizations tbody tr').nth(1);
    const [name, email] = await Promise.all([row.locator('td').nth(1).boundingBox(), row.locator('td').nth(2).boundingBox()]);
    expect(email?.y ?? 0).to.be.greaterThan((name?.y ?? 0) + (name?.height ?? 0) - 1);
    await screenshot(op, '21-operator-organizations-phone');
  });
});
