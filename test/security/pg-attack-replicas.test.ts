/**
 * Security review of the PostgreSQL mode (issue 15): two real replicas on one database. A change
 * made through replica A (sign-out, token revocation) is attacked at once through replica B.
 * Each test is named "attack — expected safe outcome" and passes while the system holds.
 * Run: DATABASE_URL=postgres://postgres@127.0.0.1:54329/postgres bun test test/security/pg-attack-replicas.test.ts
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { agentTokens, mcpPost, onPostgres, signInVia, usePair } from '../replicas/support.ts';
import { hiddenInput } from '../support/http.ts';

setDefaultTimeout(180_000);

const ROUNDS = 20;

/** A stateless 2026-07-28 `whoami` on `base` (no session to open first). */
function whoami2026(base: string, token: string): Promise<Response> {
  return mcpPost(
    base,
    token,
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'whoami',
        arguments: {},
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'pg-attack', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    },
    { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'whoami' },
  );
}

describe.skipIf(!onPostgres)('PostgreSQL attack — a change on replica A, used at once on replica B', () => {
  const pair = usePair();

  test('signed out on A, the same cookie and CSRF token on B — refused (GET and POST)', async () => {
    const { a, b } = pair;
    const browser = await signInVia(a.url, 'admin@demo.test', pair.browser());
    const onB = await browser.fetch(`${b.url}/approvals`);
    expect(onB.status).toBe(200);
    const csrf = hiddenInput(await onB.text(), '_csrf')!;
    // The attacker keeps a copy of the cookie jar before the human signs out on A.
    const stolen = new Map(browser.cookies(`${b.url}/`));
    const logoutPage = await (await browser.fetch(`${a.url}/logout`)).text();
    const out = await browser.post(`${a.url}/logout`, { _csrf: hiddenInput(logoutPage, '_csrf')! });
    expect(out.status).toBe(303);
    const cookie = [...stolen].map(([k, v]) => `${k}=${v}`).join('; ');
    const get = await fetch(`${b.url}/approvals`, { headers: { cookie }, redirect: 'manual' });
    expect(get.status).not.toBe(200);
    await get.arrayBuffer();
    const post = await fetch(`${b.url}/settings/kill-switch`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: pair.publicUrl },
      body: new URLSearchParams({ _csrf: csrf, team_name: 'Gatehouse Demo Team', reason: 'stolen cookie' }),
      redirect: 'manual',
    });
    // Refused: sent to sign in again, never to the kill switch's result.
    expect(post.headers.get('location') ?? '').not.toContain('/settings/kill-switch/result');
    await post.arrayBuffer();
  });

  test(`revoked on A (RFC 7009), the access token at once on B, ${ROUNDS} rounds — refused every time`, async () => {
    const { a, b } = pair;
    for (let i = 0; i < ROUNDS; i++) {
      const t = await agentTokens(pair, 'member@demo.test');
      const warm = await whoami2026(b.url, t.access_token);
      expect(warm.status).toBe(200);
      await warm.arrayBuffer();
      const revoked = await fetch(`${a.url}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: t.refresh_token, client_id: t.client_id }),
      });
      expect(revoked.status).toBe(200);
      const [list, refresh] = await Promise.all([
        whoami2026(b.url, t.access_token),
        fetch(`${b.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'refresh_token',
            refresh_token: t.refresh_token,
            client_id: t.client_id,
          }),
        }),
      ]);
      expect(list.status).toBe(401);
      expect(refresh.status).toBe(400);
      await Promise.all([list.arrayBuffer(), refresh.arrayBuffer()]);
    }
  });

  test('one refresh token, 100 concurrent refreshes split over A and B — one new pair at most, and the reuse revokes the family', async () => {
    const { a, b } = pair;
    const t = await agentTokens(pair, 'member@demo.test');
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        fetch(`${i % 2 ? a.url : b.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'refresh_token',
            refresh_token: t.refresh_token,
            client_id: t.client_id,
          }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { access_token?: string } })),
      ),
    );
    const issued = answers.filter((x) => x.status === 200);
    expect(issued.length).toBeLessThanOrEqual(1);
    // The spent token presented again revoked the whole family: the new pair is dead on both.
    for (const x of issued)
      for (const base of [a.url, b.url]) {
        const r = await whoami2026(base, x.body.access_token!);
        expect(r.status).toBe(401);
        await r.arrayBuffer();
      }
  });
});
