/**
 * Settings → WorkOS environments in headless Chromium: a team admin links a key through the real
 * page (one htmx request per submit), sees WorkOS's refusal next to the field for a wrong key,
 * sees the row update for a right one, and removes it again after the confirm dialog.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LABS_SANDBOX_API_KEY } from '../../src/emulator/index.ts';
import { artifactsDir, launchBrowser, signInPage } from '../support/browser.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

// Each file starts a real server and a browser: allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const TEAM = 'Gatehouse Demo Team';
const WRONG_KEY = 'sk_test_wrong_0000000000';
const shots = artifactsDir('console');

let gh: TestGatehouse;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let teamId: string;
const posts: { path: string; hx: string | undefined }[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  [gh, browser] = await Promise.all([startTestGatehouse(), launchBrowser()]);
  teamId = gh.ctx.db.$client
    .query<{ id: string }, [string]>('SELECT id FROM teams WHERE name = ?')
    .get(TEAM)!.id;
  context = await browser.newContext();
  page = await context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.accept();
  });
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.method() === 'POST' && path.startsWith('/settings/environments/'))
      posts.push({ path, hx: r.headers()['hx-request'] });
  });
  await signInPage(page, gh.url, '/settings', 'admin@demo.test', TEAM);
});

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close();
  await gh?.stop();
});

const sandbox = () => gh.ctx.environments.status(teamId).find((s) => s.environment === 'sandbox')!;

/** Submits the sandbox row's key form and waits for the htmx answer. */
async function submitKey(key: string): Promise<number> {
  const input = page.getByLabel(/sandbox API key/);
  await input.fill(key);
  const answered = page.waitForResponse(
    (r) => new URL(r.url()).pathname === '/settings/environments/link' && r.request().method() === 'POST',
  );
  await page.getByTestId('env-sandbox-link').click();
  return (await answered).status();
}

test('environments card in Chromium — a wrong key is refused next to the field; a right key updates the row; removing it asks first', async () => {
  const row = page.getByTestId('env-sandbox');
  await row.waitFor();
  expect(await row.getAttribute('data-source')).toBe('embedded');
  await expect(page.getByTestId('env-sandbox-source').textContent()).resolves.toBe(
    'Embedded demo environment (local mode)',
  );
  await page.getByTestId('environments-card').screenshot({ path: join(shots, 'environments-embedded.png') });

  // A wrong key: WorkOS's 401, next to the field; the field is empty again, nothing saved.
  expect(await submitKey(WRONG_KEY)).toBe(400);
  const error = page.getByTestId('env-sandbox-error');
  await error.waitFor();
  expect(await error.textContent()).toContain('WorkOS refused this key (401 Unauthorized)');
  expect(await page.getByLabel(/sandbox API key/).inputValue()).toBe('');
  expect(await page.getByLabel(/sandbox API key/).getAttribute('aria-invalid')).toBe('true');
  expect(sandbox().source).toBe('embedded');
  await page.getByTestId('environments-card').screenshot({ path: join(shots, 'environments-refused.png') });

  // The Labs team's sandbox key: the row updates in place (no navigation).
  expect(await submitKey(LABS_SANDBOX_API_KEY)).toBe(200);
  await page.locator('#env-sandbox[data-source="linked"]').waitFor();
  expect(page.url()).toBe(`${gh.url}/settings`);
  await expect(page.getByTestId('env-sandbox-source').textContent()).resolves.toBe('Linked by a team admin');
  await expect(page.getByTestId('env-sandbox-key').textContent()).resolves.toBe(
    `…${LABS_SANDBOX_API_KEY.slice(-4)} (staging key)`,
  );
  await expect(page.getByTestId('env-sandbox-linked').textContent()).resolves.toMatch(
    /^by admin@demo\.test, \d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
  );
  await expect(page.getByTestId('environments-notice').textContent()).resolves.toContain('Linked.');
  expect(await page.getByTestId('env-sandbox-error').count()).toBe(0);
  expect(await page.content()).not.toContain(LABS_SANDBOX_API_KEY);
  expect(sandbox()).toMatchObject({ source: 'linked', linkedBy: 'admin@demo.test' });
  await page.screenshot({ path: join(shots, 'environments-linked.png'), fullPage: true });

  // Remove: htmx asks first (hx-confirm), then the row falls back to the embedded sandbox.
  const removed = page.waitForResponse((r) => new URL(r.url()).pathname === '/settings/environments/unlink');
  await page.getByTestId('env-sandbox-unlink').click();
  expect((await removed).status()).toBe(200);
  await page.locator('#env-sandbox[data-source="embedded"]').waitFor();
  expect(dialogs).toEqual([
    'Remove the linked sandbox key? Your agents stop using it on their next WorkOS call.',
  ]);
  expect(sandbox().source).toBe('embedded');

  // Every submit was one htmx request.
  expect(posts).toEqual([
    { path: '/settings/environments/link', hx: 'true' },
    { path: '/settings/environments/link', hx: 'true' },
    { path: '/settings/environments/unlink', hx: 'true' },
  ]);
});
