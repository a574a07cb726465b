import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { artifactsDir, launchBrowser } from '../support/browser.ts';
import { authorizeUrl, pkce, REDIRECT_URI, registerClient, standardParams } from '../support/oauth.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

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

const PRODUCTION = 'Switch to the production environment';
const SANDBOX_ONLY = 'Work in sandbox only';

test('consent in a browser — switching the team picker swaps in that team’s capabilities (htmx), then Allow', async () => {
  const client = await registerClient(gh.url, { client_name: 'Picker Agent' });
  const context = await browser.newContext();
  const page = await context.newPage();
  let arrived: (url: URL) => void = () => {};
  const callback = new Promise<URL>((resolve) => {
    arrived = resolve;
  });
  // Nothing listens at the redirect URI: the browser's request to it is answered here.
  await page.route(`${REDIRECT_URI}**`, async (route) => {
    arrived(new URL(route.request().url()));
    await route.fulfill({ status: 200, contentType: 'text/plain', body: 'done' });
  });

  await page.goto(authorizeUrl(gh.url, standardParams(gh.url, client.client_id, pkce().challenge)));
  await page.getByRole('button', { name: /admin@demo\.test/ }).click();
  await page.waitForURL(/\/teams\?/);
  await page.getByLabel(/Gatehouse Demo Team/).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(/\/authorize\?/);

  const list = page.getByTestId('capabilities');
  await list.getByText(PRODUCTION).waitFor();
  expect(await list.textContent()).not.toContain(SANDBOX_ONLY);

  // Gatehouse Labs, where the admin is a member: no production, sandbox only.
  await page.getByTestId('team-select').selectOption({ label: 'Gatehouse Labs (member)' });
  await list.getByText(SANDBOX_ONLY).waitFor();
  expect(await list.textContent()).not.toContain(PRODUCTION);
  expect(await list.textContent()).toContain('Create, update and invite in WorkOS');
  // Swapped in place: still the consent page.
  expect(new URL(page.url()).pathname).toBe('/authorize');
  await page.screenshot({ path: join(artifactsDir('consent'), 'team-picker-labs.png') });

  // And back to the admin team.
  await page.getByTestId('team-select').selectOption({ label: 'Gatehouse Demo Team (admin)' });
  await list.getByText(PRODUCTION).waitFor();
  expect(await list.textContent()).not.toContain(SANDBOX_ONLY);

  await page.getByRole('button', { name: 'Allow' }).click();
  // The code goes to the team shown when Allow was clicked.
  expect((await callback).searchParams.get('code')).toBeTruthy();
  await context.close();
});
