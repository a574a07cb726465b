import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { artifactsDir, launchBrowser } from '../support/browser.ts';
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

test('browser sign-in — member@ clicks their account and sees their role on the console', async () => {
  const page = await browser.newPage();
  await page.goto(`${gh.url}/`);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.screenshot({ path: join(artifactsDir('sign-in'), 'login.png') });
  await page.getByRole('button', { name: /member@demo\.test/ }).click();
  await page.waitForURL(`${gh.url}/`);
  await expect(page.getByTestId('email').textContent()).resolves.toContain('member@demo.test');
  await expect(page.getByTestId('role').textContent()).resolves.toContain('member');
  await expect(page.getByTestId('team').textContent()).resolves.toContain('Gatehouse Demo Team');
  await page.screenshot({ path: join(artifactsDir('sign-in'), 'console.png') });
  await page.close();
});

test('browser sign-in — admin@ picks a team on the team picker', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${gh.url}/login`);
  await page.getByRole('button', { name: /admin@demo\.test/ }).click();
  await page.waitForURL(/\/teams/);
  await page.getByLabel(/Gatehouse Labs/).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${gh.url}/`);
  await expect(page.getByTestId('team').textContent()).resolves.toContain('Gatehouse Labs');
  await context.close();
});
