// The room page in headless Chromium shows a PIN-guessing lock (which PIN, since and until when,
// how many wrong PINs) and its button lifts it through the API (issue 23, item 11); a form
// without the page's CSRF token is refused. No Asterisk: the lock is made by recording wrong
// PINs as the bridge does (the real-SIP test is test/e2e/pin-guessing.test.ts). Also the settings
// form's callback checkbox, read back through the API.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import type { Database } from '../../db/index.js';
import { atPath, launchChromium, screenshot, signIn } from '../support/browser.js';
import { createTestDatabase } from '../support/db-fixture.js';
import { newBrowserPage } from '../support/web-fixture.js';
import { apiCall } from '../api/api-client.js';
import { waitFor } from '../support/wait.js';

const EMAIL = 'lock.page@example.test';
const PASSWORD = 'correct horse battery';

describe('the room page shows a PIN lock and lifts it, in headless Chromium', function () {
  this.timeout(120_000);
  let db: Database;
  let api: ApiServer;
  let browser: Browser;
  let page: Page;
  let roomId: number;
  let roomNumber: string;
  let accountId: number;

  before(async () => {
    db = await createTestDatabase({ pinLockPolicy: { roomLockAfter: { moderator: 3, participant: 3 }, callerLockAfter: 3, lockMs: 3_600_000, windowMs: 3_600_000 } });
    const log = pino({ level: 'silent' });
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: '' }, '127.0.0.1', 0);
    const created = await db.accounts.create({ name: 'Lock Page', email: EMAIL, password: PASSWORD });
    roomId = created.room.id;
    accountId = created.account.id;
    roomNumber = created.room.number;
    await db.rooms.setPins(roomNumber, { moderator: '482619', participant: '1739' });
    browser = await launchChromium();
    page = await newBrowserPage(browser);
  });
  after(async () => {
    await browser?.close();
    await api?.close();
    await db?.close();
  });

  it('no section while nothing is locked; a lock shows kind, times and count; the button lifts it; the page then says the lock is lifted', async () => {
    await page.goto(`${api.url}/signin`);
    await signIn(page, EMAIL, PASSWORD);
    await atPath(page, '/app/room');
    expect(await page.locator('#pin-lock').count()).to.equal(0);

    for (let i = 0; i < 3; i++) await db.pinFailures.recordFailure({ roomId, callerNumber: '+15550006666', kinds: ['moderator', 'participant'] });
    const lockedUntil = (await db.pinFailures.roomLocks(roomId)).moderator.lockedUntil ?? 0;
    await page.goto(`${api.url}/app/room`);
    await page.locator('#pin-lock').waitFor();
    const moderator = (await page.locator('#pin-lock-moderator').textContent()) ?? '';
    expect(moderator).to.contain('Moderator PIN locked').and.contain('after 3 wrong PINs')
      .and.contain(`until ${new Date(lockedUntil).toISOString().replace('T', ' ').slice(0, 16)} UTC`);
    expect(await page.locator('#pin-lock-participant').textContent()).to.contain('Participant PIN locked');
    await screenshot(page, 'pin-lock-01-locked');

    await page.getByRole('button', { name: 'Lift the PIN lock' }).click();
    await page.getByRole('status').waitFor();
    await atPath(page, '/app/room');
    expect(await page.getByRole('status').textContent()).to.contain('PIN lock lifted');
    const state = await db.pinFailures.state({ roomId, callerNumber: null });
    expect([state.room.moderator.locked, state.room.participant.locked]).to.deep.equal([false, false]);
    expect(await page.locator('#pin-lock-title').textContent()).to.equal('PIN entry lock lifted');
    expect(await page.getByRole('button', { name: 'Lift the PIN lock' }).count()).to.equal(0);
    expect(await db.rooms.verifyPin(roomId, '482619')).to.equal('moderator');
    await screenshot(page, 'pin-lock-02-lifted');
  });

  it('the settings form\'s "Call me back when the moderator arrives" (ticked for a new room) turns callbacks off and on; the API reads it back', async () => {
    const session = await apiCall(api.url, 'POST', '/v1/sessions', undefined, { email: EMAIL, password: PASSWORD });
    const roomOverApi = async () => (await apiCall(api.url, 'GET', `/v1/accounts/${accountId}/room`, String(session.json.token))).json;
    await page.goto(`${api.url}/app/room`);
    const box = page.getByLabel('Call me back when the moderator arrives');
    expect(await box.isChecked()).to.equal(true);
    expect(await roomOverApi()).to.include({ callback: true });

    await box.uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Room settings saved' }).waitFor();
    expect(await page.getByLabel('Call me back when the moderator arrives').isChecked()).to.equal(false);
    expect(await roomOverApi()).to.include({ callback: false, locked: false, maxParticipants: 50, onModeratorLeave: 'continue' });
    expect((await db.rooms.findByNumber(roomNumber))?.callbackEnabled).to.equal(false);
    await screenshot(page, 'room-callback-off');

    await page.getByLabel('Call me back when the moderator arrives').check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await waitFor('the API to show callbacks on again', async () => (await roomOverApi()).callback === true);
    await page.locator('input[name=callback]:checked').waitFor();
  });

  it('a lift posted without the page\'s CSRF token is refused and the lock stays', async () => {
    await db.pinFailures.recordFailure({ roomId, callerNumber: '+15550007777', kinds: ['moderator'] });
    expect((await db.pinFailures.roomLocks(roomId)).moderator.locked).to.equal(true);
    const refused = await page.request.post(`${api.url}/app/room/pin-lock`, { form: { _csrf: 'forged' }, maxRedirects: 0 });
    expect(refused.status()).to.equal(403);
    expect((await db.pinFailures.roomLocks(roomId)).moderator.locked).to.equal(true);
  });
});
