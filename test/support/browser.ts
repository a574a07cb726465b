import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Where a browser test saves screenshots (test-artifacts/<suite>/). */
export function artifactsDir(suite: string): string {
  const dir = join(import.meta.dir, '..', '..', 'test-artifacts', suite);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Signs a Chromium page in through the local "sign in as" picker on its way to `path`: picks
 * `email`, chooses `team` on the team picker, and waits until the page is back at `path`.
 */
export async function signInPage(page: Page, base: string, path: string, email: string, team: string) {
  await page.goto(`${base}${path}`);
  await page.getByRole('button', { name: new RegExp(email.replace(/[.]/g, '\\.')) }).click();
  await page.waitForURL((u) => u.pathname === '/teams');
  await page.getByLabel(new RegExp(team)).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${base}${path}`);
}
