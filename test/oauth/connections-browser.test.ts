import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { artifactsDir, launchBrowser } from '../support/browser.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { mcpStatus } from './support.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let browser: Browser;

beforeAll(async () => {
  [gh, browser] = await Promise.all([startTestGatehouse(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await gh?.stop();
});

test('connections in a browser — create a token, copy it once, revoke it in place with htmx', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${gh.url}/connections`);
  await page.getByRole('button', { name: /member@demo\.test/ }).click();
  await page.waitForURL(`${gh.url}/connections`);

  await page.getByLabel('Name').fill('Browser token');
  await page.getByLabel('Expires after').selectOption('7');
  await page.getByLabel('Access').selectOption('mcp:read');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('token').textContent())!.trim();
  expect(token.startsWith('gatehouse_ct_')).toBe(true);
  await expect(page.getByTestId('snippet').textContent()).resolves.toContain(`Bearer ${token}`);
  await page.screenshot({ path: join(artifactsDir('connections'), 'created.png') });
  expect(await mcpStatus(gh.url, token)).toBe(200);

  await page.getByRole('link', { name: 'Back to connections' }).click();
  await page.waitForURL(`${gh.url}/connections`);
  const row = page.locator('tr', { hasText: 'Browser token' });
  await expect(row.textContent()).resolves.toContain('read-only');
  expect(await page.content()).not.toContain(token);

  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.getByText('Revoked Browser token').waitFor();
  // Swapped in place: still the same page, no navigation.
  expect(page.url()).toBe(`${gh.url}/connections`);
  await page.screenshot({ path: join(artifactsDir('connections'), 'revoked.png') });
  expect(await mcpStatus(gh.url, token)).toBe(401);
  await context.close();
});
