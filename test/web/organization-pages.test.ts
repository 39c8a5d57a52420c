// The Organization and "My data" pages in a real headless Chromium, against the real API
// server, a real SMTP server and one real SIP call into the real Asterisk: an organization's
// administrator lands on its Organization page and has no room anywhere; invites a member by
// e-mail (the mail arrives), another joins with the join code; the member's call is a line on
// the organization's statement; a new join code, a removal, a member leaving; the member's
// export holds the leg; deleting the account (wrong password refused) signs the browser out,
// the room number stays retired and the leg stays billable without the caller's number.
import fs from 'node:fs';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { ApiServer } from '../../api/server.js';
import { periodOf } from '../../domain/billing.js';
import type { AccountExport } from '../../db/index.js';
import { startCall, type Step } from '../../sipp/caller.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import type { BridgeUnderTest } from '../support/bridge-fixture.js';
import { atPath, mailText, screenshot, signIn } from '../support/browser.js';
import type { SmtpSink } from '../support/smtp-sink.js';
import { waitFor } from '../support/wait.js';
import { newBrowserPage, startWebUnderTest, stopWebUnderTest } from '../support/web-fixture.js';

const PASSWORD = 'correct horse battery';
const ADMIN_EMAIL = 'admin@acme-web.example';
const GRACE_EMAIL = 'grace@acme-web.example';
const ALAN_EMAIL = 'alan@acme-web.example';
const ORG_NUMBER = '+18005557311';
const CALLER = '+15551239876';
const OPERATOR = 'operator-token-for-web-tests-0123';
/** A room number (valid check digit) proposed after the deleted account's: the next account gets it. */
const NEXT_ROOM = '12345674';

interface Person {
  id: number;
  room: string;
  page: Page;
}

describe('the organization and "my data" pages in headless Chromium, with a real SIP call @asterisk', function () {
  this.timeout(180_000);
  let bridge: BridgeUnderTest;
  let api: ApiServer;
  let smtp: SmtpSink;
  let browser: Browser;
  let orgId: number;
  let admin: Page;
  let grace: Person;
  let alan: Person;
  let joinCode: string;

  const newPage = () => newBrowserPage(browser);
  const person = async (name: string, email: string): Promise<Person> => {
    const { account, room } = await bridge.db.accounts.create({ name, email, password: PASSWORD });
    await bridge.db.rooms.setPins(room.number, { moderator: '4826', participant: '1739' });
    return { id: account.id, room: room.number, page: await newPage() };
  };
  const signInAt = async (page: Page, email: string, landing: string) => {
    await page.goto(`${api.url}/signin`);
    await signIn(page, email, PASSWORD);
    await atPath(page, landing);
  };
  const sessionToken = async (page: Page) => (await page.context().cookies()).find((c) => c.name === 'tb_session')?.value ?? '';

  before(async () => {
    ({ bridge, api, smtp, browser } = await startWebUnderTest(OPERATOR));
    orgId = (await bridge.db.organizations.create({ name: 'Acme Ltd', email: ADMIN_EMAIL, password: PASSWORD })).account.id;
    await bridge.db.numbers.add(ORG_NUMBER, 'toll_free');
    admin = await newPage();
    grace = await person('Grace Hopper', GRACE_EMAIL);
    alan = await person('Alan Turing', ALAN_EMAIL);
  });
  after(async () => stopWebUnderTest({ bridge, api, smtp, browser }));

  it('an administrator signs in onto the Organization page; no room anywhere: no "My room", room pages lead back, the API refuses a room', async () => {
    await admin.goto(`${api.url}/app/room`);
    await atPath(admin, '/signin');
    await signIn(admin, ADMIN_EMAIL, PASSWORD);
    await atPath(admin, '/app/organization');
    expect(await admin.getByRole('heading', { level: 1 }).textContent()).to.equal('Acme Ltd');
    joinCode = (await admin.locator('#join-code').textContent()) ?? '';
    expect(joinCode).to.match(/^[A-Z2-9]{10}$/);
    for (const pathname of ['/app/organization', '/app/numbers', '/app/usage', '/app/account', '/app/my-data']) {
      await admin.goto(`${api.url}${pathname}`);
      await atPath(admin, pathname);
      expect(await admin.getByRole('link', { name: 'My room' }).count(), pathname).to.equal(0);
      expect(await admin.locator('#room-number').count(), pathname).to.equal(0);
      expect(await admin.getByText(/room number/i).count(), pathname).to.equal(0);
    }
    for (const pathname of ['/app/room', '/app/pins']) {
      await admin.goto(`${api.url}${pathname}`);
      await atPath(admin, '/app/organization');
    }
    const room = await fetch(`${api.url}/v1/accounts/${orgId}/room`, { headers: { authorization: `Bearer ${await sessionToken(admin)}` } });
    expect(room.status).to.equal(404);
    expect(((await room.json()) as { error: { code: string } }).error.code).to.equal('RoomNotFound');
    expect(await bridge.db.rooms.forAccount(orgId)).to.deep.equal([]);

    // The organization's toll-free subscription, on the same page as an owner's.
    await admin.getByRole('link', { name: 'Toll-free numbers' }).click();
    await atPath(admin, '/app/numbers');
    await admin.getByLabel('Available toll-free number').selectOption(ORG_NUMBER);
    await admin.getByRole('button', { name: 'Subscribe' }).click();
    await admin.getByRole('status').waitFor();
    expect(await bridge.db.numbers.get(ORG_NUMBER)).to.include({ state: 'subscribed', accountId: orgId });
  });

  it('the administrator invites by e-mail (the mail arrives); one person joins with the invitation, another with the join code', async () => {
    await admin.goto(`${api.url}/app/organization`);
    await admin.getByLabel('E-mail address to invite').fill(GRACE_EMAIL);
    await admin.getByRole('button', { name: 'Send the invitation' }).click();
    expect(await admin.getByRole('status').textContent()).to.contain('was e-mailed');
    const mail = await waitFor('the invitation mail', async () => smtp.received.find((m) => m.to.includes(GRACE_EMAIL)) ?? null);
    const body = mailText(mail.raw);
    // Only the invitation (for Grace's address, once): a forwarded mail gives away no join code.
    expect(body).to.not.contain(joinCode);
    const invitation = /tb_i_[A-Za-z0-9_-]+/.exec(body)?.[0] ?? '';
    expect(invitation).to.not.equal('');

    await signInAt(grace.page, GRACE_EMAIL, '/app/room');
    await grace.page.getByRole('link', { name: 'Organization' }).click();
    await atPath(grace.page, '/app/organization');
    await screenshot(grace.page, '12-organization-join');
    await grace.page.getByLabel('Join code or invitation').fill(invitation);
    await grace.page.getByRole('button', { name: 'Join' }).click();
    await grace.page.getByRole('status').waitFor();
    expect(await grace.page.locator('#membership').textContent()).to.equal('Member of Acme Ltd');
    expect((await bridge.db.accounts.get(grace.id)).organizationId).to.equal(orgId);
    expect(await grace.page.locator('#organization-numbers').textContent()).to.equal(ORG_NUMBER);
    // Her room's page lists the organization's number to dial.
    await grace.page.getByRole('link', { name: 'My room' }).click();
    await atPath(grace.page, '/app/room');
    expect(await grace.page.getByRole('link', { name: ORG_NUMBER }).count()).to.equal(1);

    await signInAt(alan.page, ALAN_EMAIL, '/app/room');
    await alan.page.goto(`${api.url}/app/organization`);
    await alan.page.getByLabel('Join code or invitation').fill('ZZZZZZZZZZ');
    await alan.page.getByRole('button', { name: 'Join' }).click();
    expect(await alan.page.getByRole('alert').textContent()).to.contain('no organization has this join code');
    await alan.page.getByLabel('Join code or invitation').fill(joinCode.toLowerCase());
    await alan.page.getByRole('button', { name: 'Join' }).click();
    await alan.page.getByRole('status').waitFor();
    // A member sees it on every page, their room among them.
    await alan.page.getByRole('link', { name: 'My room' }).click();
    expect(await alan.page.locator('#membership').textContent()).to.equal('Member of Acme Ltd');

    await admin.reload();
    expect(await admin.locator('#members tbody tr').allTextContents()).to.have.length(2);
  });

  it('a member\'s real SIP call on the organization\'s number is their line on the organization\'s statement page and in its CSV', async () => {
    const enter: Step[] = [{ pauseMs: 300 }, { digits: `${grace.room}#` }, { pauseMs: 300 }, { digits: '4826#' }];
    const call = startCall({ target: { host: '127.0.0.1', port: testAsteriskConfig().sipPort }, dialled: ORG_NUMBER, callerNumber: CALLER, steps: enter, hangup: { by: 'far-end', maxWaitMs: 60_000 } });
    await bridge.waitForLive(grace.room, 1, 30_000);
    await call.hangUpNow();
    expect(await call.result).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();
    const legs = await bridge.db.ledger.legsFor(orgId);
    expect(legs).to.have.length(1);
    expect(legs[0]).to.include({ role: 'moderator', dialled: ORG_NUMBER, callerNumber: CALLER, amountMicros: 20_000 });

    await admin.goto(`${api.url}/app/organization`);
    const memberRow = admin.locator('#members tbody tr', { hasText: 'Grace Hopper' });
    expect((await memberRow.locator('td').allTextContents()).slice(3, 6)).to.deep.equal(['1', '1', '0.020000']);
    const line = admin.locator('#member-statement tbody tr', { hasText: 'Grace Hopper' });
    expect(await line.locator('td').allTextContents()).to.deep.equal(['Grace Hopper', grace.room, '1', '1', '0.02']);
    expect(await admin.locator('#member-statement-total').textContent()).to.equal('0.02');
    await screenshot(admin, '13-organization-admin');
    await admin.setViewportSize({ width: 390, height: 844 });
    await screenshot(admin, '13-organization-admin-phone');
    await admin.setViewportSize({ width: 1000, height: 800 });

    const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('link', { name: 'as CSV' }).click()]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    expect(csv).to.contain(`member ${grace.id} room ${grace.room},,1,,,60,1,0.02`);
  });

  it('a new join code stops the old one; the administrator removes a member after seeing their usage; a member leaves after confirming', async () => {
    // Forms without the page's CSRF token change nothing.
    const forged = await admin.request.post(`${api.url}/app/organization/join-code`, { form: { _csrf: 'x'.repeat(43) }, maxRedirects: 0 });
    expect(forged.status()).to.equal(403);
    expect((await bridge.db.organizations.get(orgId)).joinCode).to.equal(joinCode);

    // By keyboard, as any form of the pages.
    await admin.getByRole('button', { name: 'Make a new join code' }).focus();
    await admin.keyboard.press('Enter');
    await admin.getByRole('status').waitFor();
    const newCode = (await admin.locator('#join-code').textContent()) ?? '';
    expect(newCode).to.not.equal(joinCode);
    expect((await bridge.db.organizations.get(orgId)).joinCode).to.equal(newCode);

    await admin.getByRole('link', { name: 'Remove Alan Turing…' }).click();
    await atPath(admin, `/app/organization/members/${alan.id}/remove`);
    expect(await admin.locator('#member-usage').textContent()).to.contain('Legs0');
    await screenshot(admin, '14-organization-remove-member');
    await admin.getByRole('button', { name: 'Remove Alan Turing' }).click();
    await admin.getByRole('status').waitFor();
    expect(await bridge.db.organizations.isMember(orgId, alan.id)).to.equal(false);
    expect(await admin.locator('#members tbody tr').allTextContents()).to.have.length(1);
    // Alan knew the code: the removal replaced it, and the page shows the new one.
    const afterRemoval = (await admin.locator('#join-code').textContent()) ?? '';
    expect(afterRemoval).to.match(/^[A-Z2-9]{10}$/).and.not.equal(newCode);
    expect((await bridge.db.organizations.get(orgId)).joinCode).to.equal(afterRemoval);
    // Another organization's member, or a former one, is out of the administrator's reach.
    await admin.goto(`${api.url}/app/organization/members/${alan.id}/remove`);
    expect(await admin.getByRole('alert').textContent()).to.contain('only the members of their own organization');

    await alan.page.goto(`${api.url}/app/organization`);
    expect(await alan.page.locator('#membership').count()).to.equal(0);
    await alan.page.getByLabel('Join code or invitation').fill(newCode);
    await alan.page.getByRole('button', { name: 'Join' }).click();
    expect(await alan.page.getByRole('alert').textContent()).to.contain('no organization has this join code');
    expect((await bridge.db.rooms.forAccount(alan.id))[0]?.number).to.equal(alan.room);

    await grace.page.goto(`${api.url}/app/organization`);
    await grace.page.getByRole('link', { name: 'Leave Acme Ltd…' }).click();
    await atPath(grace.page, '/app/organization/leave');
    await screenshot(grace.page, '15-organization-leave');
    await grace.page.getByRole('button', { name: 'Leave Acme Ltd' }).click();
    await grace.page.getByRole('status').waitFor();
    expect(await grace.page.locator('#membership').count()).to.equal(0);
    expect((await bridge.db.accounts.get(grace.id)).organizationId).to.equal(null);
    // Her call stays on the organization's statement.
    await admin.goto(`${api.url}/app/organization`);
    expect(await admin.locator('#member-statement tbody tr', { hasText: grace.room }).locator('td').allTextContents()).to.deep.equal([`former member (account ${grace.id})`, grace.room, '1', '1', '0.02']);
  });

  it('my data: the downloaded export holds the leg; deletion refuses a wrong password, then signs out; no more sign-in, the room number retired, the leg billable without personal fields', async () => {
    const page = grace.page;
    await page.getByRole('link', { name: 'My data' }).click();
    await atPath(page, '/app/my-data');
    await screenshot(page, '16-my-data');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download my data (JSON)' }).click()]);
    const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8')) as AccountExport;
    expect(exported.account).to.include({ id: grace.id, email: GRACE_EMAIL });
    expect(exported.room?.number).to.equal(grace.room);
    expect(exported.legs.map((l) => [l.dialled, l.callerNumber, l.accountId])).to.deep.equal([[ORG_NUMBER, CALLER, orgId]]);
    expect(exported.memberships).to.have.length(1);
    expect(exported.recordings).to.deep.equal([]);

    await page.getByLabel(/Your password/).fill('not my password');
    await page.getByLabel(/I understand/).check();
    await page.getByRole('button', { name: 'Delete my account for good' }).click();
    expect(await page.getByRole('alert').textContent()).to.contain('the password is wrong');
    expect((await bridge.db.accounts.get(grace.id)).erasedAt).to.equal(null);

    await page.getByLabel(/Your password/).fill(PASSWORD);
    await page.getByLabel(/I understand/).check();
    await page.getByRole('button', { name: 'Delete my account for good' }).click();
    expect(await page.locator('#retired-room').textContent()).to.equal(grace.room);
    await screenshot(page, '17-account-deleted');
    expect(await sessionToken(page)).to.equal('');
    await page.goto(`${api.url}/app/room`);
    await atPath(page, '/signin');
    await signIn(page, GRACE_EMAIL, PASSWORD);
    expect(await page.getByRole('alert').textContent()).to.contain('Wrong e-mail or password');

    // The room row stays with its number: the next account is given another one.
    expect(await bridge.db.rooms.findByNumber(grace.room)).to.include({ accountId: grace.id, pinsSet: false });
    bridge.nextRoomNumbers.push(grace.room, NEXT_ROOM);
    const created = await fetch(`${api.url}/v1/operator/accounts`, { method: 'POST', headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Next', email: 'next@acme-web.example' }) });
    expect(created.status).to.equal(201);
    expect(((await created.json()) as { room: { number: string } }).room.number).to.equal(NEXT_ROOM);

    const [leg] = await bridge.db.ledger.legsFor(orgId);
    expect(leg).to.include({ callerNumber: null, amountMicros: 20_000 });
    const statement = await bridge.db.statements.build(orgId, periodOf(Date.now()));
    expect(statement.members).to.deep.equal([{ accountId: grace.id, roomNumber: grace.room, legs: 1, billableSeconds: 60, unroundedMicros: 20_000, amountMicros: 20_000, amount: '0.02' }]);
    await admin.goto(`${api.url}/app/organization`);
    expect(await admin.locator('#member-statement-total').textContent()).to.equal('0.02');
    expect(await admin.content()).to.not.contain(GRACE_EMAIL);
  });

  it('the administrator unsubscribes the organization\'s number: this month\'s usage and charge first, then the e-mail', async () => {
    await admin.getByRole('link', { name: 'Toll-free numbers' }).click();
    await atPath(admin, '/app/numbers');
    await admin.getByRole('link', { name: 'Unsubscribe…' }).click();
    await atPath(admin, '/app/numbers/unsubscribe');
    expect(await admin.locator('#charges').textContent()).to.equal('0.020000');
    await admin.getByRole('button', { name: `Unsubscribe from ${ORG_NUMBER}` }).click();
    await admin.getByText('A confirmation with these figures was e-mailed to you.').waitFor();
    expect((await bridge.db.numbers.get(ORG_NUMBER)).state).to.equal('quarantined');
    const mail = await waitFor('the unsubscribe e-mail', async () => smtp.received.find((m) => m.to.includes(ADMIN_EMAIL)) ?? null);
    expect(mailText(mail.raw)).to.contain(ORG_NUMBER).and.contain('charges: 0.020000');
  });
});
