/**
 * Two replicas, one PostgreSQL (issue 15): OAuth state, codes, consents, tokens and browser
 * sessions live in the database, so a flow may start on one replica and finish on the other; a
 * 2025-era MCP session lives in the replica that created it, and the other answers 404 so the
 * client initialises a new one there.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { hiddenInput } from '../support/http.ts';
import { call, connectV1, connectV2, tokensFor } from '../support/mcp.ts';
import {
  authorizeUrl,
  pkce,
  REDIRECT_URI,
  registerClient,
  standardParams,
  tokenRequest,
} from '../support/oauth.ts';
import { mcpPost, onPostgres, PROTOCOL_2025, signInVia, usePair } from './support.ts';

// Each file starts an emulator and two Gatehouse processes.
setDefaultTimeout(120_000);

describe.skipIf(!onPostgres)('two replicas on PostgreSQL — OAuth and sessions', () => {
  const pair = usePair();

  test('OAuth — a flow started on A (register, sign-in, authorize) finishes on B (consent, token), and the token works on both replicas’ /mcp', async () => {
    const { a, b, publicUrl } = pair;
    // Register and sign in on A.
    const client = await registerClient(a.url);
    const browser = await signInVia(a.url, 'member@demo.test', pair.browser());
    // Authorize on A: the consent page is A's.
    const { verifier, challenge } = pkce();
    const params = standardParams(publicUrl, client.client_id, challenge);
    const page = await browser.fetch(authorizeUrl(a.url, params));
    expect(page.status).toBe(200);
    const html = await page.text();
    const fields: Record<string, string> = {
      _csrf: hiddenInput(html, '_csrf')!,
      request: hiddenInput(html, 'request')!,
      decision: 'allow',
    };
    const org = hiddenInput(html, 'organization_id') ?? /<option value="([^"]+)" selected/.exec(html)?.[1];
    if (org) fields.organization_id = org;
    // Consent on B: the form A rendered, posted to the other replica.
    const allowed = await browser.post(`${b.url}/authorize`, fields);
    expect(allowed.status).toBe(303);
    const redirect = new URL(allowed.headers.get('location')!);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('state')).toBe('st-123');
    const code = redirect.searchParams.get('code');
    expect(code).toBeTruthy();
    // The code, issued on B, is exchanged on B.
    const exchanged = await tokenRequest(b.url, {
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: client.client_id,
      resource: `${publicUrl}/mcp`,
    });
    expect(exchanged.status).toBe(200);
    const token = exchanged.body.access_token!;
    // The token works on both replicas: a 2025-era session on A, a stateless 2026-07-28 client on B.
    const onA = await connectV1(a.url, token);
    const onB = await connectV2(b.url, token, 'auto');
    try {
      for (const agent of [onA, onB]) {
        const me = await call(agent, 'whoami');
        expect(me.isError).toBe(false);
        expect(me.text).toContain('member@demo.test');
        const orgs = await call(agent, 'list_workos_organizations', { limit: 100 });
        expect(orgs.isError).toBe(false);
        expect(orgs.text).toContain('Acme Corp');
      }
    } finally {
      await Promise.all([onA.close(), onB.close()]);
    }

    // The refresh token, issued on B, rotates on A; the new access token works on B.
    const refreshed = await tokenRequest(a.url, {
      grant_type: 'refresh_token',
      refresh_token: exchanged.body.refresh_token!,
      client_id: client.client_id,
      resource: `${publicUrl}/mcp`,
    });
    expect(refreshed.status).toBe(200);
    const again = await connectV1(b.url, refreshed.body.access_token!);
    try {
      expect((await call(again, 'whoami')).isError).toBe(false);
    } finally {
      await again.close();
    }
    // A code is single-use on every replica: A refuses it now, and its replay revokes what it
    // issued (RFC 6749 §4.1.2) on B as well.
    const replay = await tokenRequest(a.url, {
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: client.client_id,
      resource: `${publicUrl}/mcp`,
    });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');

    const revoked = await mcpPost(b.url, refreshed.body.access_token!, {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/list',
    });
    expect(revoked.status).toBe(401);
    await revoked.arrayBuffer();
  });

  test('2025-era session — created on A, used on B: 404 (Session not found), and the client re-initialises on B', async () => {
    const { a, b } = pair;
    const token = (await tokensFor(a.url, 'member@demo.test')).access_token;
    const onA = await connectV1(a.url, token);
    try {
      const sessionId = onA.transport?.sessionId;
      expect(sessionId).toBeTruthy();
      expect((await call(onA, 'whoami')).isError).toBe(false);

      const elsewhere = await mcpPost(
        b.url,
        token,
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
        { 'mcp-session-id': sessionId!, 'mcp-protocol-version': PROTOCOL_2025 },
      );
      expect(elsewhere.status).toBe(404);
      expect(await elsewhere.text()).toContain('Session not found');
      // The GET stream of that session is refused on B the same way.
      const stream = await fetch(`${b.url}/mcp`, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'text/event-stream',
          'mcp-session-id': sessionId!,
          'mcp-protocol-version': PROTOCOL_2025,
        },
      });
      expect(stream.status).toBe(404);
      await stream.arrayBuffer();

      // The client starts over on B: a new session there works, and A's session still works on A.
      const onB = await connectV1(b.url, token);
      try {
        expect(onB.transport?.sessionId).not.toBe(sessionId);
        expect((await call(onB, 'whoami')).isError).toBe(false);
      } finally {
        await onB.close();
      }
      expect((await call(onA, 'whoami')).isError).toBe(false);
    } finally {
      await onA.close();
    }
  });
});
