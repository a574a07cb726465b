/**
 * Organization metadata and external ids through the tools, within WorkOS's limits
 * (https://workos.com/docs/authkit/metadata): 10 pairs, ASCII keys ≤ 40 and values ≤ 600,
 * external ids ≤ 64 and unique. update_organization keeps the keys it is not given, so the
 * agent is told when the organization's own keys leave no room, and can remove keys with null.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(30_000);

let gh: TestGatehouse;
let member: AnyClient;
beforeAll(async () => {
  gh = await startTestGatehouse();
  member = await connectV1(gh.url, (await tokensFor(gh.url, 'member@demo.test')).access_token);
});
afterAll(async () => {
  await member?.close();
  await gh?.stop();
});

const pairs = (n: number, prefix = 'k') =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));

test('create_workos_organization — 11 metadata keys, a non-ASCII value or a 65-character external id is refused before WorkOS', async () => {
  for (const args of [
    { metadata: pairs(11) },
    { metadata: { plan: 'café' } },
    { external_id: 'x'.repeat(65) },
  ]) {
    const r = await call(member, 'create_workos_organization', {
      name: `Refused ${crypto.randomUUID().slice(0, 6)}`,
      ...args,
    });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/metadata|external_id/);
  }
});

test('update_organization — no room left: told how many keys the organization holds; null removes keys and makes room', async () => {
  const created = await call(member, 'create_workos_organization', {
    name: `Full metadata ${crypto.randomUUID().slice(0, 6)}`,
    metadata: pairs(10),
  });
  expect(created.isError).toBe(false);
  const id = (created.structured!.organization as { id: string }).id;

  const full = await call(member, 'update_organization', { organization_id: id, metadata: { extra: 'v' } });
  expect(full.isError).toBe(true);
  expect(full.text).toContain('would hold 11 metadata keys; WorkOS allows 10. It holds 10 now');
  expect(full.text).toContain('set them to null');

  const swapped = await call(member, 'update_organization', {
    organization_id: id,
    metadata: { k0: null, k1: null, extra: 'v' },
  });
  expect(swapped.isError).toBe(false);
  const metadata = (swapped.structured!.organization as { metadata: Record<string, string> }).metadata;
  expect(Object.keys(metadata).sort()).toEqual(['extra', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9']);
  expect(swapped.text).toContain('metadata keys set: extra');
  expect(swapped.text).toContain('metadata keys removed: k0, k1');
});
