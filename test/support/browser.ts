import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

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
