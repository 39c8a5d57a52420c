// What the web page tests run against: the whole bridge (real Asterisk, test database), the
// API server with the pages (mail to a real SMTP server on loopback) beside the bridge as
// `tollbridge start` runs it (the live view, the recorder and its directory), and headless Chromium.
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { BridgeUnderTest } from './bridge-fixture.js';
import { launchChromium, UI_TIMEOUT_MS } from './browser.js';
import { SmtpSink } from './smtp-sink.js';

export interface WebUnderTest {
  bridge: BridgeUnderTest;
  api: ApiServer;
  smtp: SmtpSink;
  browser: Browser;
}

export async function startWebUnderTest(operatorToken: string): Promise<WebUnderTest> {
  const started: Partial<WebUnderTest> = {};
  try {
    const bridge = (started.bridge = await BridgeUnderTest.start());
    const smtp = (started.smtp = await SmtpSink.start());
    const log = pino({ level: 'silent' });
    const api = (started.api = await startSite({ db: bridge.db, mailer: createMailer({ smtpUrl: smtp.url, from: 'billing@tollbridge.test' }, log), log, operatorToken, live: bridge.app.live, recordingsDir: bridge.recordingsDir, recording: bridge.app.recording }, '127.0.0.1', 0));
    return { bridge, api, smtp, browser: await launchChromium() };
  } catch (err) {
    await stopWebUnderTest(started);
    throw err;
  }
}

/** A page in a browser context of its own (its own cookies), desktop-sized. */
export async function newBrowserPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  return context.newPage();
}

/** Stops what started (any part may be missing when the start failed half-way). */
export async function stopWebUnderTest(web: Partial<WebUnderTest> | undefined): Promise<void> {
  await web?.browser?.close();
  await web?.api?.close();
  await web?.smtp?.close();
  await web?.bridge?.stop();
}
