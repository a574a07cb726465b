/**
 * Text that cannot reach WorkOS as it was sent is refused, never altered on the way: a /mcp or
 * /register body that is not valid UTF-8 (request.text() would put U+FFFD in place of the bad
 * bytes), and a tool argument holding a lone UTF-16 surrogate or a NUL.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(30_000);

let gh: TestGatehouse;
let token: string;
let member: AnyClient;
beforeAll(async () => {
  gh = await startTestGatehouse();
  token = (await tokensFor(gh.url, 'member@demo.test')).access_token;
  member = await connectV1(gh.url, token);
});
afterAll(async () => {
  await member?.close();
  await gh?.stop();
});

const bytesWith = (json: string, bad: number[]) => {
  const [before, after] = json.split('BAD') as [string, string];
  return new Uint8Array([...Buffer.from(before), ...bad, ...Buffer.from(after)]);
};

async function named(fragment: string): Promise<string[]> {
  const r = await call(member, 'list_workos_organizations', { limit: 100 });
  const orgs = (r.structured?.organizations ?? []) as { name: string }[];
  return orgs.map((o) => o.name).filter((n) => n.includes(fragment));
}

test('/mcp — a body that is not valid UTF-8: 400 parse error naming it, nothing created', async () => {
  const body = bytesWith(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'create_workos_organization',
        arguments: { name: 'BadBAD Utf8 Org' },
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
    [0xff, 0xfe],
  );
  const res = await fetch(`${gh.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'create_workos_organization',
    },
    body,
  });
  expect(res.status).toBe(400);
  const answer = (await res.json()) as { error: { code: number; message: string } };
  expect(answer.error.code).toBe(-32700);
  expect(answer.error.message).toBe(
    'Parse error: the request body is not valid UTF-8 (JSON is UTF-8: RFC 8259 §8.1). Nothing was run.',
  );
  expect(await named('Utf8 Org')).toEqual([]);
});

test('tool arguments — a lone surrogate or a NUL in any string: isError naming the field, nothing created', async () => {
  for (const [args, field, what] of [
    [{ name: 'Lone \ud800 Org' }, 'name', 'holds a lone UTF-16 surrogate (not valid Unicode)'],
    [{ name: 'Nul Org', external_id: 'a\u0000b' }, 'external_id', 'holds a NUL character'],
    [
      { name: 'Nul Key Org', metadata: { 'k\u0000ey': 'v' } },
      'metadata.k\\u0000ey',
      'names a key that holds a NUL character',
    ],
  ] as const) {
    const r = await call(member, 'create_workos_organization', args);
    expect(r.isError).toBe(true);
    expect(r.text).toContain(`Invalid arguments for create_workos_organization: ${field} ${what}`);
  }
  expect([...(await named('Lone')), ...(await named('Nul Org')), ...(await named('Nul Key'))]).toEqual([]);
});

test('/register — a body that is not valid UTF-8: 400 invalid_client_metadata, no client', async () => {
  const res = await fetch(`${gh.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: bytesWith(
      JSON.stringify({
        client_name: 'AcmeBADAgent',
        redirect_uris: ['http://127.0.0.1:9/cb'],
        token_endpoint_auth_method: 'none',
      }),
      [0xff, 0xfe],
    ),
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toEqual({
    error: 'invalid_client_metadata',
    error_description: 'The registration request is not valid UTF-8 (JSON is UTF-8: RFC 8259 §8.1).',
  });
});
