/**
 * A live-mode rehearsal against `gatehouse emulator` run as a separate process: its sign-in page
 * lets you sign in as any seeded account (not always the admin), and whoami's "production is
 * available" agrees with switch_environment when no production key is configured (WORKOS_API_KEY
 * only, as many deployments start) and again once a team admin links one.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import type { EmulatorDescription } from '../../src/emulator/describe.ts';
import { CookieClient } from '../support/http.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { MAIN, ROOT } from '../support/subprocess.ts';

setDefaultTimeout(90_000);

let emulator: ReturnType<typeof Bun.spawn>;
let described: EmulatorDescription;
let gh: TestGatehouse;
let admin: ClientV1;

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let text = '';
  while (!text.includes('\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text.split('\n')[0]!;
}

const demo = () => described.teams.find((t) => t.seedKey === 'gatehouse-demo-team')!;

beforeAll(async () => {
  emulator = Bun.spawn([process.execPath, MAIN, 'emulator', '--json'], {
    cwd: ROOT,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'inherit',
  });
  described = JSON.parse(await firstLine(emulator.stdout as ReadableStream<Uint8Array>));
  // A sandbox key for the first team, and no WORKOS_PRODUCTION_API_KEY.
  gh = await startTestGatehouse({ env: { ...described.env, WORKOS_API_KEY: demo().sandbox.apiKey } });
  const teamId = gh.ctx.teams.admitted()[0]!.id;
  gh.ctx.settings.update(teamId, { allowProduction: true }, { userId: 'test', email: 'admin@demo.test' });
  admin = await connectV1(gh.url, (await tokensFor(gh.url, 'admin@demo.test')).access_token);
});
afterAll(async () => {
  await admin?.close();
  await gh?.stop();
  emulator?.kill();
  await emulator?.exited;
});

test('no production key configured — whoami says production is not available, and switch_environment refuses it', async () => {
  const who = await call(admin, 'whoami');
  expect(who.isError).toBe(false);
  expect(who.structured?.environments_linked).toEqual({ sandbox: true, production: false });
  expect(who.structured?.team_settings).toMatchObject({ allow_production: true });
  expect(who.text).toContain('production is not available to you');

  const sw = await call(admin, 'switch_environment', { environment: 'production' });
  expect(sw.isError).toBe(true);
  expect(sw.text).toContain('No production WorkOS environment is linked to your team.');
  // The session stayed where it was.
  expect((await call(admin, 'whoami')).structured?.environment).toBe('sandbox');
});

test('a production key linked — whoami says available, and switch_environment then goes there', async () => {
  const teamId = gh.ctx.teams.admitted()[0]!.id;
  await gh.ctx.environments.link(teamId, 'production', demo().production.apiKey, {
    userId: 'test',
    email: 'admin@demo.test',
  });
  const who = await call(admin, 'whoami');
  expect(who.structured?.environments_linked).toEqual({ sandbox: true, production: true });
  expect(who.text).toContain('production is available');

  const sw = await call(admin, 'switch_environment', { environment: 'production' });
  expect(sw.isError).toBe(false);
  expect(sw.structured).toEqual({ environment: 'production', previous: 'sandbox' });
});

test('the emulator’s sign-in page — opening the console lists every seeded account; picking one signs in as it', async () => {
  const browser = new CookieClient();
  // The console without a hint goes to AuthKit (the emulator), which asks who signs in.
  const start = await browser.fetch(`${gh.url}/login`);
  const { res: page, url: pageUrl } = await browser.follow(start, `${gh.url}/login`);
  expect(new URL(pageUrl).origin).toBe(described.url);
  expect(page.status).toBe(200);
  const html = await page.text();
  for (const email of ['admin@demo.test', 'member@demo.test', 'viewer@demo.test', 'alice@acme.test'])
    expect(html).toContain(email);
  expect(html).toContain('a customer (Gatehouse refuses)');
  const href = /href="([^"]*login_hint=viewer%40demo\.test[^"]*)"/.exec(html)?.[1];
  expect(href).toBeDefined();

  const picked = await browser.fetch(new URL(href!.replaceAll('&amp;', '&'), pageUrl).toString());
  const { url } = await browser.follow(picked, pageUrl);
  expect(new URL(url).origin).toBe(gh.url);
  const home = await (await browser.fetch(`${gh.url}/`)).text();
  expect(home).toContain('viewer@demo.test');
  expect(home).not.toContain('admin@demo.test');
});

test('the emulator’s sign-in page — an authorization request with login_hint skips it, as before', async () => {
  const browser = new CookieClient();
  const start = await browser.fetch(`${gh.url}/login?login_hint=member%40demo.test`);
  const { url } = await browser.follow(start, `${gh.url}/login`);
  expect(new URL(url).origin).toBe(gh.url);
  expect(await (await browser.fetch(`${gh.url}/`)).text()).toContain('member@demo.test');
});
