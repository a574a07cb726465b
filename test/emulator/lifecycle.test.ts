/**
 * Starting and stopping embedded WorkOS instances: two environments side by side, many times
 * in a row, on a chosen port, without leaving the process's web globals replaced.
 */
import { expect, test } from 'bun:test';
import { startEmbeddedWorkOS } from '../../src/emulator/index.ts';
import { createWorkOSClient, targetForEmbedded } from '../../src/workos/client.ts';

test('embedded workos — sandbox and production run side by side with different data', async () => {
  const [sandbox, production] = await Promise.all([
    startEmbeddedWorkOS('sandbox'),
    startEmbeddedWorkOS('production'),
  ]);
  try {
    expect(sandbox.port).not.toBe(production.port);
    // The aliases name the Demo team's environments.
    expect([sandbox.name, production.name]).toEqual(['demo-sandbox', 'demo-production']);
    expect([sandbox.environment, production.environment]).toEqual(['sandbox', 'production']);
    expect([sandbox.apiKey, production.apiKey]).toEqual([
      'sk_test_gatehouse_demo_sandbox_2d5b',
      'sk_test_gatehouse_demo_production_3d9c',
    ]);
    expect([sandbox.clientId, production.clientId]).toEqual([
      'client_gatehouse_demo_sandbox',
      'client_gatehouse_demo_production',
    ]);
    const names = async (e: typeof sandbox) =>
      (
        await createWorkOSClient(targetForEmbedded(e), { maxRetries: 0 }).organizations.listOrganizations({
          limit: 100,
        })
      ).data
        .map((o) => o.name)
        .sort();
    const [s, p] = await Promise.all([names(sandbox), names(production)]);
    expect(s).toContain('Acme Corp');
    expect(p).toEqual(['Cyberdyne Systems', 'Oscorp', 'Soylent Foods', 'Tyrell Corporation']);
    // Each key only opens its own environment.
    const crossed = await fetch(`${production.url}/organizations`, {
      headers: { authorization: `Bearer ${sandbox.apiKey}` },
    });
    expect(crossed.status).toBe(401);
  } finally {
    await Promise.all([sandbox.close(), production.close()]);
  }
});

test('embedded workos — restarts on the same port, one after another', async () => {
  const first = await startEmbeddedWorkOS('sandbox');
  const port = first.port;
  await first.close();
  for (let i = 0; i < 3; i++) {
    const again = await startEmbeddedWorkOS('sandbox', { port });
    expect(again.url).toBe(`http://127.0.0.1:${port}`);
    const res = await fetch(`${again.url}/directories`, {
      headers: { authorization: `Bearer ${again.apiKey}` },
    });
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(3);
    await again.close();
  }
  await expect(fetch(`http://127.0.0.1:${port}/directories`)).rejects.toThrow();
});

test('embedded workos — close is idempotent', async () => {
  const e = await startEmbeddedWorkOS('production');
  await Promise.all([e.close(), e.close()]);
  await e.close();
});

test('embedded workos — the process keeps native Request/Response, so other servers still work', async () => {
  const NativeResponse = Response;
  const e = await startEmbeddedWorkOS('sandbox');
  try {
    expect(globalThis.Response).toBe(NativeResponse);
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('still native') });
    try {
      expect(await (await fetch(`http://127.0.0.1:${server.port}/`)).text()).toBe('still native');
    } finally {
      await server.stop(true);
    }
  } finally {
    await e.close();
  }
});

test('embedded workos — a busy front port fails the start and leaves the other instance working', async () => {
  const first = await startEmbeddedWorkOS('sandbox');
  try {
    await expect(startEmbeddedWorkOS('sandbox', { port: first.port })).rejects.toThrow();
    const res = await fetch(`${first.url}/directories`, {
      headers: { authorization: `Bearer ${first.apiKey}` },
    });
    expect(res.status).toBe(200);
  } finally {
    await first.close();
  }
});

test('embedded workos — an unknown environment name is refused before anything starts', async () => {
  await expect(startEmbeddedWorkOS('staging' as 'sandbox')).rejects.toThrow(
    "unknown embedded WorkOS environment 'staging'",
  );
});
