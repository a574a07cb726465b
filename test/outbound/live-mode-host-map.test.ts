/**
 * The provider host map exists only in local mode. A live-mode configuration (a WorkOS API key)
 * that brings one is refused at start, before anything is opened; the outbound client refuses a
 * map when told it is live; and a live-mode start — here against `gatehouse emulator` as a
 * separate process — has no demo providers: a provider host meets the full guard and can never
 * reach a loopback fake.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatehouse } from '../../src/app/start.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import type { EmulatorDescription } from '../../src/emulator/describe.ts';
import { AppError } from '../../src/errors/app-error.ts';
import { createOutbound, LiveHostMapError } from '../../src/outbound/index.ts';
import { Console, requestAccess, sessionRequest } from '../approvals/support.ts';
import { type EmulatorProcess, spawnEmulator } from '../support/emulator-process.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { freePort, startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

let emulator: EmulatorProcess;
let described: EmulatorDescription;
let gh: TestGatehouse;
/** A loopback server standing in for a provider fake: it must never be reached. */
let fake: ReturnType<typeof Bun.serve>;
const hits: string[] = [];

beforeAll(async () => {
  fake = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      hits.push(req.url);
      return Response.json({ data: { viewer: { id: 'fake' } } });
    },
  });
  emulator = await spawnEmulator();
  described = emulator.described;
  const demo = described.teams.find((t) => t.seedKey === 'gatehouse-demo-team')!;
  gh = await startTestGatehouse({ env: { ...described.env, WORKOS_API_KEY: demo.sandbox.apiKey } });
});
afterAll(async () => {
  await gh?.stop();
  fake?.stop(true);
  await emulator?.stop();
});

test('live mode — a start with a host map is refused before anything is opened', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-live-map-'));
  try {
    const config = loadConfig({
      PORT: String(freePort()),
      GATEHOUSE_DATA_DIR: dataDir,
      WORKOS_API_KEY: 'sk_test_live_mode_host_map_check',
      WORKOS_CLIENT_ID: 'client_live_mode_host_map_check',
    });
    expect(config.mode).toBe('live');
    const started = startGatehouse(config, {
      testHooks: { outboundHostMap: { 'api.linear.app': `http://127.0.0.1:${fake.port}` } },
    });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow('only possible in local mode');
    // Refused first: no database, no keys, nothing listening.
    expect(readdirSync(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'gatehouse.db'))).toBe(false);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('live mode — the outbound client refuses a demo or test host map outright', () => {
  const origin = `http://127.0.0.1:${fake.port}`;
  expect(() => createOutbound({ live: true, demoHostMap: { 'api.linear.app': origin } })).toThrow(
    LiveHostMapError,
  );
  expect(() => createOutbound({ live: true, testHostMap: { 'slack.com': origin } })).toThrow(
    LiveHostMapError,
  );
  expect(() => createOutbound({ live: true })).not.toThrow();
});

test('live mode — a started Gatehouse has no demo providers: provider hosts meet the full guard, never a fake', async () => {
  expect(gh.ctx.config.mode).toBe('live');
  expect(gh.ctx.demoProviders).toBeUndefined();
  for (const url of [
    'https://api.linear.app/graphql',
    'https://api.github.com/user',
    'https://slack.com/api/auth.test',
    'https://api.notion.com/v1/search',
    'https://gatehouse-demo.snowflakecomputing.com/api/v2/statements',
  ]) {
    // Even a name that resolves to loopback (where a fake would listen) is refused by the guard.
    const refused = await gh.ctx.outbound
      .fetch(url, { method: 'POST', body: '{}', resolver: async () => ['127.0.0.1'] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).message).toContain('127.0.0.1');
  }
  expect(hits).toEqual([]);
});

test("live mode — list_integrations and whoami name the providers' own APIs, no demo provider", async () => {
  const tokens = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' });
  const agent = await connectV1(gh.url, tokens.access_token);
  try {
    const list = await call(agent, 'list_integrations');
    expect(list.isError).toBe(false);
    const integrations = list.structured!.integrations as { served_by: string; api_host: string | null }[];
    expect(integrations.some((i) => i.served_by.includes('demo'))).toBe(false);
    expect(list.text).not.toContain('demo provider (local mode)');
    const me = await call(agent, 'whoami');
    expect(me.structured!.integrations).toMatchObject({ served_by: "the providers' own APIs" });
    // Gatehouse's own words in the answer are ASCII (its data here is too): one character beyond
    // makes the whole answer a two-byte string, three times slower to serialise on every call.
    expect(me.text).toMatch(/^[\x20-\x7e\n]*$/);
  } finally {
    await agent.close();
  }
});

test('live mode — a Snowflake call goes only to the account the human connected in Pipes, not one the agent names', async () => {
  const tokens = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' });
  const agent = await connectV1(gh.url, tokens.access_token);
  try {
    const list = await call(agent, 'list_integrations');
    const integrations = list.structured!.integrations as { provider: string; api_host: string | null }[];
    const connected = integrations.find((i) => i.provider === 'snowflake')!.api_host!;
    expect(connected).toMatch(/\.snowflakecomputing\.com$/);
    const req = await requestAccess(agent, sessionRequest(['snowflake'], 'read'));
    const human = await Console.signIn(gh.url, 'admin@demo.test', 'Gatehouse Demo Team');
    expect((await human.approve(req.id, { providers: ['snowflake'], level: 'read' })).status).toBe(303);
    const other = await call(agent, 'call_integration_api', {
      method: 'POST',
      url: 'https://attacker-account.snowflakecomputing.com/api/v2/statements',
      body: JSON.stringify({ statement: 'SELECT 1' }),
    });
    expect(other.isError).toBe(true);
    expect(other.text).toContain('invalid_input');
    expect(other.text).toContain(`is for the account at ${connected}`);
    // Refused before anything went out: the grant is still unspent, nothing reached anyone.
    expect(other.text).not.toContain('127.0.0.1');
    expect(hits).toEqual([]);
  } finally {
    await agent.close();
  }
});
