// The owner's web pages in a real headless Chromium (Debian's, driven by playwright-core),
// against the real API server, a real SMTP server and real SIP calls into the real Asterisk:
// first login forces both PINs, a SIP call with those PINs gets into the live conference,
// subscribe, a call, unsubscribe showing the charge, the confirmation e-mail; settings,
// password, sign-out; CSRF refusals. Screenshots of every page go to test-artifacts/screenshots/.
import fs from 'node:fs';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ApiServer } from '../../api/server.js';
import { startCall, type Step } from '../../sipp/caller.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import type { BridgeUnderTest } from '../support/bridge-fixture.js';
import { atPath, linkIn, mailText, screenshot, UI_TIMEOUT_MS } from '../support/browser.js';
import { pdfPages } from '../support/pdf-text.js';
import type { SmtpSink } from '../support/smtp-sink.js';
import { waitFor } from '../support/wait.js';
import { startWebUnderTest, stopWebUnderTest } from '../support/web-fixture.js';

const EMAIL = 'ada.web@example.test';
const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'staple battery horse';
const RESET_PASSWORD = 'reset battery staple';
const NEW_EMAIL = 'ada.new@example.test';
const NUMBER = '+18005557301';
const OPERATOR = 'operator-token-for-web-tests-0123';

describe('the owner\'s web pages in headless Chromium, with real SIP calls @asterisk', function () {
  this.timeout(180_000);
  let bridge: BridgeUnderTest;
  let api: ApiServer;
  let smtp: SmtpSink;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let accountId: number;
  let roomNumber: string;

  const shot = async (name: string) => screenshot(page, name);
  const at = async (pathname: string) => atPath(page, pathname);
  const target = () => ({ host: '127.0.0.1', port: testAsteriskConfig().sipPort });
  const enter = (pin: string): Step[] => [{ pauseMs: 300 }, { digits: `${roomNumber}#` }, { pauseMs: 300 }, { digits: `${pin}#` }];

  before(async () => {
    ({ bridge, api, smtp, browser } = await startWebUnderTest(OPERATOR));
    const created = await bridge.db.accounts.create({ name: 'Ada <Web> Lovelace', email: EMAIL, password: PASSWORD });
    accountId = created.account.id;
    roomNumber = created.room.number;
    await bridge.db.numbers.add(NUMBER, 'toll_free');
    context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    page = await context.newPage();
  });
  after(async () => stopWebUnderTest({ bridge, api, smtp, browser }));

  it('a wrong password is refused on the page; first login asks for both PINs before anything else; a real SIP call with them enters the conference', async () => {
    await page.goto(`${api.url}/app/room`);
    await at('/signin');
    await shot('01-signin');
    await page.getByLabel('E-mail').fill(EMAIL);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).to.contain('Wrong e-mail or password');

    await page.getByLabel('E-mail').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await at('/app/pins');
    await shot('02-first-login-pins');
    // Nothing else opens until the PINs are set.
    await page.goto(`${api.url}/app/numbers`);
    await at('/app/pins');

    // The API's own rule shows on the page: the two PINs must differ.
    await page.getByLabel(/Moderator PIN/).fill('2468');
    await page.getByLabel(/Participant PIN/).fill('2468');
    await page.getByRole('button', { name: 'Save PINs' }).click();
    await page.getByRole('alert').waitFor();
    expect((await bridge.db.rooms.forAccount(accountId))[0]?.pinsSet).to.equal(false);

    await page.getByLabel(/Moderator PIN/).fill('2468');
    await page.getByLabel(/Participant PIN/).fill('1357');
    await page.getByRole('button', { name: 'Save PINs' }).click();
    await at('/app/room');
    expect(await page.locator('#room-number').textContent()).to.equal(roomNumber);
    // The account's name is shown as text, never as markup.
    expect(await page.content()).to.not.contain('<Web>');

    // Subscribe from the available inventory.
    await page.getByRole('link', { name: 'Toll-free numbers' }).click();
    await at('/app/numbers');
    await shot('03-numbers');
    await page.getByLabel('Available toll-free number').selectOption(NUMBER);
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('status').waitFor();
    expect((await bridge.db.numbers.get(NUMBER)).state).to.equal('subscribed');

    await page.getByRole('link', { name: 'My room' }).click();
    await at('/app/room');
    expect(await page.getByRole('link', { name: NUMBER }).count()).to.equal(1);
    await shot('04-room');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('04-room-phone');
    await page.setViewportSize({ width: 1000, height: 800 });

    // A real SIP call on the subscribed number with the moderator PIN set on the page.
    const moderator = startCall({ target: target(), dialled: NUMBER, steps: enter('2468'), hangup: { by: 'far-end', maxWaitMs: 60_000 } });
    await bridge.waitForLive(roomNumber, 1, 30_000);
    await moderator.hangUpNow();
    expect(await moderator.result).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
    const legs = await bridge.db.ledger.legsFor(accountId, {});
    expect(legs.map((l) => l.role)).to.deep.equal(['moderator']);
  });

  it('room settings saved on the page reach the room', async () => {
    await page.goto(`${api.url}/app/room`);
    await page.getByLabel('When the last moderator leaves').selectOption('wait');
    await page.getByLabel('Language of the prompts').selectOption('fr');
    await page.getByLabel(/Most callers at once/).fill('12');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').waitFor();
    const [room] = await bridge.db.rooms.forAccount(accountId);
    expect(room).to.include({ onModeratorLeave: 'wait', language: 'fr', maxParticipants: 12 });
  });

  it('usage shows the leg and a chart; the statement downloads as CSV', async () => {
    await page.getByRole('link', { name: 'Usage and statements' }).click();
    await at('/app/usage');
    expect(await page.locator('#leg-count').textContent()).to.equal('1');
    expect(await page.locator('.chart svg[role=img] rect').count()).to.equal(1);
    expect(await page.locator('#statement-total').textContent()).to.equal('0.02');
    await shot('05-usage');
    // Filters: no participant legs.
    await page.getByLabel('Role').selectOption('participant');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForURL(/role=participant/);
    expect(await page.locator('#leg-count').textContent()).to.equal('0');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /as CSV/ }).click()]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    expect(csv).to.match(new RegExp(`^\\d{4}-\\d{2},\\${NUMBER},toll_free,1,`, 'm'));
    const [pdfDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'as PDF' }).click()]);
    const pdf = (await pdfPages(fs.readFileSync(await pdfDownload.path()))).flat();
    expect(pdf.some((l) => l.startsWith(`${NUMBER} toll_free 1 `))).to.equal(true);
    expect(pdf).to.include('TOTAL 0.02');
  });

  it('unsubscribe shows this month\'s usage and charge, asks to confirm, and the confirmation e-mail arrives', async () => {
    await page.goto(`${api.url}/app/numbers`);
    await page.getByRole('link', { name: 'Unsubscribe…' }).click();
    await at('/app/numbers/unsubscribe');
    expect(await page.locator('#charges').textContent()).to.equal('0.020000');
    await shot('06-unsubscribe-confirm');
    expect((await bridge.db.numbers.get(NUMBER)).state).to.equal('subscribed');
    await page.getByRole('button', { name: `Unsubscribe from ${NUMBER}` }).click();
    await page.getByText('A confirmation with these figures was e-mailed to you.').waitFor();
    await shot('07-unsubscribed');
    expect((await bridge.db.numbers.get(NUMBER)).state).to.equal('quarantined');
    const mail = await waitFor('the unsubscribe e-mail', async () => smtp.received.find((m) => m.to.includes(EMAIL)) ?? null);
    expect(mail.raw).to.contain(NUMBER);
    expect(mail.raw).to.contain('charges: 0.020000');
  });

  it('a form POST without the page\'s CSRF token, or from a signed-out browser, changes nothing', async () => {
    const refused = await page.request.post(`${api.url}/app/pins`, { form: { moderator: '9999', participant: '8888' }, maxRedirects: 0 });
    expect(refused.status()).to.equal(403);
    const forged = await page.request.post(`${api.url}/app/pins`, { form: { moderator: '9999', participant: '8888', _csrf: 'x'.repeat(43) }, maxRedirects: 0 });
    expect(forged.status()).to.equal(403);
    // The JSON API stays strict: a form body on an API route is refused.
    const form = await page.request.put(`${api.url}/v1/accounts/${accountId}/room/pins`, { form: { moderator: '9999', participant: '8888' } });
    expect(form.status()).to.equal(415);
    const anonymous = await browser.newContext();
    const stranger = await anonymous.request.post(`${api.url}/app/room/settings`, { form: { onModeratorLeave: 'end' }, maxRedirects: 0 });
    expect(stranger.status()).to.equal(303);
    expect(stranger.headers().location).to.equal('/signin');
    await anonymous.close();
    const [room] = await bridge.db.rooms.forAccount(accountId);
    expect(room?.onModeratorLeave).to.equal('wait');
  });

  it('the password changes on the account page; sign-out ends the session; the new password signs in', async () => {
    await page.getByRole('link', { name: 'Account' }).click();
    await at('/app/account');
    await shot('08-account');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').waitFor();
    expect(await bridge.db.accounts.checkPassword(accountId, NEW_PASSWORD)).to.equal(true);

    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'tb_session');
    expect(session).to.include({ httpOnly: true, sameSite: 'Strict' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await at('/signin');
    // The old session token is revoked, not only forgotten by the browser.
    const reuse = await fetch(`${api.url}/v1/sessions/current`, { headers: { authorization: `Bearer ${session?.value ?? ''}` } });
    expect(reuse.status).to.equal(401);
    await page.goto(`${api.url}/app/usage`);
    await at('/signin');

    await page.getByLabel('E-mail').fill(EMAIL);
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await at('/app/room');
  });

  it('an e-mail change is confirmed by a link sent to the new address; the link works once; the new address signs in', async () => {
    await page.goto(`${api.url}/app/account`);
    await page.getByLabel('New e-mail address').fill(NEW_EMAIL);
    await page.getByLabel(/Your password/).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Send the confirmation link' }).click();
    await page.getByRole('status').waitFor();
    expect((await bridge.db.accounts.get(accountId)).email).to.equal(EMAIL);
    const mail = await waitFor('the confirmation mail at the new address', async () => smtp.received.find((m) => m.to.includes(NEW_EMAIL)) ?? null);
    const link = linkIn(mail.raw, '/confirm-email');

    const other = await browser.newContext();
    const visitor = await other.newPage();
    await visitor.goto(link);
    // Opening the link alone changes nothing.
    expect((await bridge.db.accounts.get(accountId)).email).to.equal(EMAIL);
    await visitor.getByRole('button', { name: 'Confirm the new address' }).click();
    expect(await visitor.locator('#new-email').textContent()).to.equal(NEW_EMAIL);
    expect((await bridge.db.accounts.get(accountId)).email).to.equal(NEW_EMAIL);
    await visitor.goto(link);
    await visitor.getByRole('button', { name: 'Confirm the new address' }).click();
    expect(await visitor.getByRole('alert').textContent()).to.contain('was used already');
    await other.close();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await at('/signin');
    await page.getByLabel('E-mail').fill(NEW_EMAIL);
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await at('/app/room');
  });

  it('a forgotten password: the e-mailed link sets a new one once, ends the sessions, and the new password signs in', async () => {
    const other = await browser.newContext();
    const visitor = await other.newPage();
    await visitor.goto(`${api.url}/signin`);
    await visitor.getByRole('link', { name: 'Forgot your password?' }).click();
    await visitor.waitForURL((url) => url.pathname === '/forgot-password');
    await shot('09-forgot-password');
    // An unknown address gets the same answer and no mail.
    await visitor.getByLabel('E-mail').fill('nobody@example.test');
    await visitor.getByRole('button', { name: 'Send the link' }).click();
    await visitor.getByRole('status').waitFor();
    await visitor.goto(`${api.url}/forgot-password`);
    await visitor.getByLabel('E-mail').fill(NEW_EMAIL);
    await visitor.getByRole('button', { name: 'Send the link' }).click();
    await visitor.getByRole('status').waitFor();
    const mail = await waitFor('the password reset mail', async () => smtp.received.find((m) => m.to.includes(NEW_EMAIL) && mailText(m.raw).includes('/reset-password')) ?? null);
    expect(smtp.received.filter((m) => m.to.includes('nobody@example.test'))).to.have.length(0);
    const link = linkIn(mail.raw, '/reset-password');

    await visitor.goto(link);
    await visitor.getByLabel(/^New password \(/).fill(RESET_PASSWORD);
    await visitor.getByLabel('New password again').fill(RESET_PASSWORD);
    await visitor.getByRole('button', { name: 'Set the new password' }).click();
    await visitor.waitForURL((url) => url.pathname === '/signin');
    expect(await bridge.db.accounts.checkPassword(accountId, RESET_PASSWORD)).to.equal(true);
    // The browser signed in before the reset lost its session.
    await page.goto(`${api.url}/app/room`);
    await at('/signin');

    await visitor.goto(link);
    await visitor.getByLabel(/^New password \(/).fill('another password 1');
    await visitor.getByLabel('New password again').fill('another password 1');
    await visitor.getByRole('button', { name: 'Set the new password' }).click();
    expect(await visitor.getByRole('alert').textContent()).to.contain('was used already');
    expect(await bridge.db.accounts.checkPassword(accountId, RESET_PASSWORD)).to.equal(true);

    await visitor.goto(`${api.url}/signin`);
    await visitor.getByLabel('E-mail').fill(NEW_EMAIL);
    await visitor.getByLabel('Password').fill(RESET_PASSWORD);
    await visitor.getByRole('button', { name: 'Sign in' }).click();
    await visitor.waitForURL((url) => url.pathname === '/app/room');
    await other.close();
  });

  it('operator pages behind the operator token: inventory with quarantine state, add a number, set a rate, create and deactivate an account', async () => {
    const other = await browser.newContext();
    const op = await other.newPage();
    await op.goto(`${api.url}/operator`);
    await op.waitForURL((url) => url.pathname === '/operator/signin');
    await op.getByLabel(/Operator token/).fill('not-the-operator-token');
    await op.getByRole('button', { name: 'Sign in' }).click();
    await op.getByRole('alert').waitFor();
    await op.getByLabel(/Operator token/).fill(OPERATOR);
    await op.getByRole('button', { name: 'Sign in' }).click();
    await op.waitForURL((url) => url.pathname === '/operator/numbers');
    expect(await op.locator('#numbers tr', { hasText: NUMBER }).textContent()).to.contain('quarantined until');

    await op.getByLabel(/^Number/).fill('18005557302');
    await op.getByRole('button', { name: 'Add' }).click();
    expect(await op.getByRole('alert').textContent()).to.contain('not an E.164 number');
    await op.getByLabel(/^Number/).fill('+18005557302');
    await op.getByRole('button', { name: 'Add' }).click();
    await op.locator('#numbers tr', { hasText: '+18005557302' }).waitFor();
    expect((await bridge.db.numbers.get('+18005557302')).state).to.equal('available');
    await screenshot(op, '10-operator-numbers');

    await op.getByRole('link', { name: 'Rates' }).click();
    await op.waitForURL((url) => url.pathname === '/operator/rates');
    await op.getByLabel('Kind').selectOption('toll_free');
    await op.getByLabel(/Price per minute/).fill('0.0125');
    await op.getByRole('button', { name: 'Set rate' }).click();
    await op.waitForURL((url) => url.pathname === '/operator/rates');
    expect(await op.locator('#rate-toll_free').textContent()).to.equal('0.012500');
    expect((await bridge.db.rates.current('toll_free')).perMinuteMicros).to.equal(12_500);

    await op.getByRole('link', { name: 'Accounts' }).click();
    await op.waitForURL((url) => url.pathname === '/operator/accounts');
    await op.getByLabel('Name').fill('Grace Hopper');
    await op.getByLabel('E-mail').fill('grace@example.test');
    await op.getByLabel(/First password/).fill('cobol forever 1959');
    await op.getByRole('button', { name: 'Create' }).click();
    await op.locator('#accounts tr', { hasText: 'grace@example.test' }).waitFor();
    const grace = await bridge.db.accounts.findByEmail('grace@example.test');
    await op.getByRole('button', { name: `Deactivate account ${grace?.id ?? 0} for good` }).click();
    await op.locator('#accounts tr', { hasText: 'grace@example.test' }).getByText('deactivated').waitFor();
    expect((await bridge.db.accounts.get(grace?.id ?? 0)).deactivatedAt).to.be.a('number');
    await screenshot(op, '11-operator-accounts');

    // The owner's session cookie does not open the operator pages, and sign-out closes them.
    await page.goto(`${api.url}/operator/numbers`);
    await at('/operator/signin');
    await op.getByRole('button', { name: 'Sign out' }).click();
    await op.waitForURL((url) => url.pathname === '/operator/signin');
    await op.goto(`${api.url}/operator/accounts`);
    await op.waitForURL((url) => url.pathname === '/operator/signin');
    await other.close();
  });
});
