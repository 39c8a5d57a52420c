// My room's settings, live view and recordings in a real headless Chromium, with two real SIP
// callers in the real Asterisk and the API beside the bridge (as `tollbridge start` runs it):
// the announcement settings saved on the page are read back through the API; the live page
// shows both callers (the second appearing without a reload, through the event stream and the
// page's script); mute, remove and end on the page reach the room (the live view says muted,
// SIPp records the far end hanging up); a recording started and stopped on the page is listed
// on My room and downloads as audio/wav; signing out elsewhere ends the page's event stream and
// the page goes to sign-in. Screenshots go to test-artifacts/screenshots/.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { ApiServer } from '../../api/server.js';
import type { Room } from '../../db/index.js';
import { startCall, type CallHandle, type Step } from '../../sipp/caller.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import type { BridgeUnderTest } from '../support/bridge-fixture.js';
import { atPath, screenshot, SCREENSHOTS, signIn } from '../support/browser.js';
import type { SmtpSink } from '../support/smtp-sink.js';
import { waitFor } from '../support/wait.js';
import { newBrowserPage, startWebUnderTest, stopWebUnderTest } from '../support/web-fixture.js';

const EMAIL = 'grace.live@example.test';
const PASSWORD = 'correct horse battery';
const NUMBER = '+18005557401';
const MODERATOR_PIN = '3691';
const PARTICIPANT_PIN = '2580';
const MODERATOR = '+15550301';
const PARTICIPANT = '+15550302';
/** How the live page shows them: the last four digits. */
const MODERATOR_SHOWN = '…0301';
const PARTICIPANT_SHOWN = '…0302';

describe('My room\'s settings, live view and recordings in headless Chromium, with real SIP callers @asterisk', function () {
  this.timeout(180_000);
  let bridge: BridgeUnderTest;
  let api: ApiServer;
  let smtp: SmtpSink;
  let browser: Browser;
  let page: Page;
  let accountId: number;
  let roomNumber: string;
  let token: string;
  const calls: CallHandle[] = [];

  const target = () => ({ host: '127.0.0.1', port: testAsteriskConfig().sipPort });
  const enter = (pin: string): Step[] => [{ pauseMs: 300 }, { digits: `${roomNumber}#` }, { pauseMs: 300 }, { digits: `${pin}#` }];
  const caller = (pin: string, callerNumber: string, inRoom: Step[] = []): CallHandle => {
    const call = startCall({ target: target(), dialled: NUMBER, callerNumber, steps: [...enter(pin), ...inRoom], hangup: { by: 'far-end', maxWaitMs: 90_000 } });
    calls.push(call);
    return call;
  };
  const api$ = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${api.url}/v1/accounts/${accountId}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, path).to.equal(200);
    return (await res.json()) as T;
  };
  const member = (callerNumber: string) => bridge.app.live.view(roomNumber)?.members.find((m) => m.callerNumber === callerNumber);
  /** Reloads the live page until a control shows (a recording starts and stops after the request). */
  const reloadUntil = (what: string, selector: string) => waitFor(what, async () => {
    await page.goto(`${api.url}/app/room/live`);
    return (await page.locator(selector).count()) > 0;
  }, { timeoutMs: 15_000, intervalMs: 300 });

  before(async () => {
    ({ bridge, api, smtp, browser } = await startWebUnderTest('operator-token-for-live-tests-0123'));
    const created = await bridge.db.accounts.create({ name: 'Grace <Live> Hopper', email: EMAIL, password: PASSWORD });
    accountId = created.account.id;
    roomNumber = created.room.number;
    await bridge.db.rooms.setPins(roomNumber, { moderator: MODERATOR_PIN, participant: PARTICIPANT_PIN });
    await bridge.db.numbers.add(NUMBER, 'toll_free');
    await bridge.db.numbers.subscribe(NUMBER, accountId);
    token = (await bridge.db.credentials.session(accountId)).token;
    page = await newBrowserPage(browser);
    await page.goto(`${api.url}/app/room`);
    await signIn(page, EMAIL, PASSWORD);
    await atPath(page, '/app/room');
  });
  after(async () => {
    await Promise.all(calls.map((c) => c.hangUpNow().catch(() => undefined)));
    await stopWebUnderTest({ bridge, api, smtp, browser });
  });

  it('the announcement settings saved on My room are what the API reads back; the others stay', async () => {
    const before = await api$<Room>('/room');
    expect(before.announcements).to.include({ joinLeaveTones: true, announceCount: true, aloneMusic: true, recordNames: false });
    await page.getByLabel('Join and leave tones').uncheck();
    await page.getByLabel('Music when alone').uncheck();
    await page.getByLabel('Keep name recordings').check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').waitFor();
    const after = await api$<Room>('/room');
    expect(after.announcements).to.deep.equal({ joinLeaveTones: false, announceCount: true, aloneMusic: false, recordNames: false, recordingConsent: false, keepRecordings: true });
    expect(after).to.include({ onModeratorLeave: before.onModeratorLeave, language: before.language, maxParticipants: before.maxParticipants, locked: false });
    // The page shows what is stored.
    expect(await page.getByLabel('Join and leave tones').isChecked()).to.equal(false);
    expect(await page.getByLabel('Keep name recordings').isChecked()).to.equal(true);
    expect(await page.locator('#no-recordings').count()).to.equal(1);
    await page.getByRole('group', { name: 'What callers hear' }).screenshot({ path: path.join(SCREENSHOTS, '18-room-settings-announcements.png') });
    await screenshot(page, '18-room-settings');
  });

  it('the live page lists both callers (the second without a reload); mute, record, remove and end on the page reach the room', async () => {
    const moderator = caller(MODERATOR_PIN, MODERATOR);
    await bridge.waitForLive(roomNumber, 1, 30_000);
    await page.getByRole('link', { name: 'Who is in my room now' }).click();
    await atPath(page, '/app/room/live');
    await page.locator('#live-members').getByRole('cell', { name: MODERATOR_SHOWN, exact: true }).waitFor();
    // The second caller appears through the event stream and the page's script, then talks (a tone) a while.
    const participant = caller(PARTICIPANT_PIN, PARTICIPANT, [{ pauseMs: 1500 }, { toneHz: 440, ms: 6000 }]);
    await bridge.waitForLive(roomNumber, 2, 30_000);
    await page.locator('#live-members').getByRole('cell', { name: PARTICIPANT_SHOWN, exact: true }).waitFor();
    expect(await page.locator('#live-state').textContent()).to.equal('2 callers in the room.');
    expect(await page.content()).to.not.contain('<Live>').and.not.contain(PARTICIPANT).and.not.contain(MODERATOR);
    const participantId = member(PARTICIPANT)?.channelId ?? '';
    await page.locator(`td[data-talking="${participantId}"]`, { hasText: 'talking' }).waitFor();
    expect(await page.locator(`td[data-talking="${member(MODERATOR)?.channelId ?? ''}"]`).textContent()).to.equal('no');

    // The whole room: lock and unlock, mute all but moderators and unmute all.
    // From the keyboard: the controls are plain buttons.
    await page.getByRole('button', { name: 'Lock the room' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Unlock the room' }).waitFor();
    expect(bridge.app.live.view(roomNumber)?.locked).to.equal(true);
    await page.getByRole('button', { name: 'Unlock the room' }).click();
    await page.getByRole('button', { name: 'Lock the room' }).waitFor();
    expect(bridge.app.live.view(roomNumber)?.locked).to.equal(false);
    await page.getByRole('button', { name: 'Mute all but moderators' }).click();
    await page.getByRole('button', { name: `Unmute ${PARTICIPANT_SHOWN}` }).waitFor();
    expect([member(MODERATOR)?.muted, member(PARTICIPANT)?.muted]).to.deep.equal([false, true]);
    await page.getByRole('button', { name: 'Unmute all' }).click();
    await page.getByRole('button', { name: `Mute ${PARTICIPANT_SHOWN}` }).waitFor();
    expect(member(PARTICIPANT)?.muted).to.equal(false);

    // Recording: started on the page, stopped on the page.
    await page.getByRole('button', { name: 'Start recording' }).click();
    await atPath(page, '/app/room/live');
    await reloadUntil('the view to say it records', '#recording-stop');
    expect(await page.locator('#live-recording').textContent()).to.equal('yes');
    await screenshot(page, '19-live');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, '19-live-phone');
    await page.setViewportSize({ width: 1000, height: 800 });

    await page.getByRole('button', { name: `Mute ${PARTICIPANT_SHOWN}` }).click();
    await page.getByRole('button', { name: `Unmute ${PARTICIPANT_SHOWN}` }).waitFor();
    expect(member(PARTICIPANT)).to.include({ muted: true, role: 'participant' });
    expect(member(MODERATOR)).to.include({ muted: false, role: 'moderator' });

    await page.getByRole('button', { name: 'Stop recording' }).click();
    await reloadUntil('the view to say it stopped recording', '#recording-start');

    await page.getByRole('button', { name: `Remove ${PARTICIPANT_SHOWN}` }).click();
    expect(await participant.result).to.include({ answered: true, hungUpBy: 'far-end' });
    await waitFor('the participant gone from the view', () => member(PARTICIPANT) === undefined);
    await page.goto(`${api.url}/app/room/live`);
    expect(await page.locator('#live-state').textContent()).to.equal('1 caller in the room.');

    // A control without the page's CSRF value is refused and changes nothing.
    const forged = await page.request.post(`${api.url}/app/room/live/end`, { form: {}, maxRedirects: 0 });
    expect(forged.status()).to.equal(403);
    expect(member(MODERATOR)).to.not.equal(undefined);

    await page.getByRole('button', { name: 'End the conference for everyone' }).click();
    expect(await moderator.result).to.include({ answered: true, hungUpBy: 'far-end' });
    await bridge.waitForNothingLeft();
    await page.goto(`${api.url}/app/room/live`);
    expect(await page.locator('#live-state').textContent()).to.equal('Nobody is in the room now.');
  });

  it('the recording is listed on My room with who was present, and downloads as audio/wav', async () => {
    const listed = await waitFor('the recording saved', async () => {
      const items = await api$<Array<{ id: number; download: string | null }>>('/recordings');
      return items.length === 1 && items[0]?.download !== null ? items[0] : null;
    }, { timeoutMs: 15_000 });
    await page.goto(`${api.url}/app/room`);
    const row = page.locator(`#recordings tr[data-recording="${listed?.id ?? 0}"]`);
    expect(await row.textContent()).to.contain(MODERATOR).and.contain(PARTICIPANT);
    await screenshot(page, '20-room-recordings');
    const link = row.getByRole('link', { name: /Download/ });
    const response = await page.request.get(`${api.url}${(await link.getAttribute('href')) ?? ''}`);
    expect(response.status()).to.equal(200);
    expect(response.headers()['content-type']).to.equal('audio/wav');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const bytes = fs.readFileSync(await download.path());
    expect(bytes.subarray(0, 4).toString('latin1')).to.equal('RIFF');
    expect(bytes.subarray(8, 12).toString('latin1')).to.equal('WAVE');
    expect(bytes.length).to.be.above(44);
    // Another account's session cannot reach it through the page.
    const stranger = await newBrowserPage(browser);
    const other = await bridge.db.accounts.create({ name: 'Other', email: 'other.live@example.test', password: PASSWORD });
    await bridge.db.rooms.setPins(other.room.number, { moderator: '5938', participant: '7261' });
    await stranger.goto(`${api.url}/signin`);
    await signIn(stranger, 'other.live@example.test', PASSWORD);
    await atPath(stranger, '/app/room');
    const refused = await stranger.request.get(`${api.url}/app/room/recordings/${listed?.id ?? 0}/file`);
    expect(refused.status()).to.equal(404);
    await stranger.context().close();
  });

  it('signing out ends the live page\'s event stream: the page leaves for the sign-in page by itself', async () => {
    await page.goto(`${api.url}/app/room/live`);
    await page.locator('#live-state').waitFor();
    const csrf = (await page.locator('input[name="_csrf"]').first().getAttribute('value')) ?? '';
    // Signed out outside the page (as from another tab): only the stream's last event can tell the page.
    expect((await page.request.post(`${api.url}/signout`, { form: { _csrf: csrf }, maxRedirects: 0 })).status()).to.equal(303);
    await page.waitForURL(/\/signin/, { timeout: 15_000 });
  });
});
