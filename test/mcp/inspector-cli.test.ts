/**
 * The official MCP Inspector CLI (`@modelcontextprotocol/inspector`, a dev dependency) lists the
 * tools of a real server through real OAuth tokens and checks every schema's portability
 * (`--strict`): no warnings, for the widest tool list (an admin's) and a viewer's. tools/list is
 * in a fixed order and carries the 2026-07-28 caching hints.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import { connectV2, tokensFor, toolNames } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(120_000);

const INSPECTOR = join(
  import.meta.dir,
  '../../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js',
);

let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(async () => {
  await gh?.stop();
});

async function inspect(token: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(
    [
      process.execPath,
      INSPECTOR,
      '--cli',
      `${gh.url}/mcp`,
      '--method',
      'tools/list',
      '--strict',
      '--header',
      `Authorization: Bearer ${token}`,
    ],
    { stdout: 'pipe', stderr: 'pipe', env: { ...process.env, NO_COLOR: '1' } },
  );
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code: await proc.exited, stdout, stderr };
}

for (const [who, team] of [
  ['admin@demo.test', 'Gatehouse Demo Team'],
  ['viewer@demo.test', undefined],
] as const) {
  test(`inspector CLI --strict — ${who.split('@')[0]}'s tools/list has no schema-portability warning`, async () => {
    const { access_token } = await tokensFor(gh.url, who, team ? { team } : {});
    const r = await inspect(access_token);
    expect(r.stderr).not.toContain('Warning');
    expect(r.stderr).not.toMatch(/portability/i);
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.stdout) as { tools: { name: string }[] };
    expect(listed.tools.length).toBeGreaterThan(5);
  });
}

test('tools/list — the same order every time, and 2026-07-28 caching hints (private: it depends on the caller)', async () => {
  const { access_token } = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' });
  const client = await connectV2(gh.url, access_token, 'auto');
  try {
    const first = await client.listTools();
    const second = await client.listTools();
    expect(second.tools.map((t) => t.name)).toEqual(first.tools.map((t) => t.name));
    const meta = first as { ttlMs?: number; cacheScope?: string };
    expect(meta.cacheScope).toBe('private');
    expect(meta.ttlMs).toBe(30_000);
  } finally {
    await client.close();
  }
  // The 2025-era list is in the same order.
  const legacy = await connectV2(gh.url, access_token);
  try {
    const names = (await legacy.listTools()).tools.map((t) => t.name);
    expect(names).toEqual((await legacy.listTools()).tools.map((t) => t.name));
    expect([...names].sort()).toEqual(await toolNames(legacy));
  } finally {
    await legacy.close();
  }
});
