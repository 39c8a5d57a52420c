// Headless Chromium for the web page tests (Debian's chromium, driven by playwright-core), and
// what those tests share: screenshots into test-artifacts/screenshots/, and links read out of
// received mails.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.TOLLBRIDGE_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = process.env.TOLLBRIDGE_TEST_SCREENSHOTS ?? path.resolve('test-artifacts', 'screenshots');
/** Playwright's own waits, generous for a loaded 2-core machine. */
export const UI_TIMEOUT_MS = 20_000;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'] });
}

/** A full-page screenshot, kept as a test artifact. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Waits until the page shows this path. */
export async function atPath(page: Page, pathname: string): Promise<void> {
  await page.waitForURL((url) => url.pathname === pathname, { timeout: UI_TIMEOUT_MS });
}

/** Signs in on the sign-in page (the browser must be on it). */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The body of a received mail, quoted-printable soft breaks and escapes undone. */
export function mailText(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function linkIn(raw: string, linkPath: string): string {
  const m = new RegExp(`https?://\\S+${linkPath}\\?token=[A-Za-z0-9_-]+`).exec(mailText(raw));
  if (m === null) throw new Error(`no ${linkPath} link in the mail:\n${raw}`);
  return m[0];
}
