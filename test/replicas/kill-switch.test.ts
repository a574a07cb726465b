/**
 * Two replicas, one PostgreSQL (issue 15): the kill switch pulled in replica A's console reaches
 * replica B — the revocation through the database and the authority epoch's NOTIFY, the closing of
 * sessions and streams through the relayed `team.killed` event (src/db/pg/relay.ts).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { hiddenInput } from '../support/http.ts';
import { call, connectV1, connectV2 } from '../support/mcp.ts';
import {
  agentTokens,
  mcpPost,
  onPostgres,
  openRawSession,
  openStream,
  PROTOCOL_2025,
  signInVia,
  TEAM,
  usePair,
} from './support.ts';

setDefaultTimeout(120_000);

describe.skipIf(!onPostgres)('two replicas on PostgreSQL — kill switch', () => {
  const pair = usePair();

  test('kill switch — pulled in A’s console: no MCP call succeeds on B afterwards, and B’s open 2025-era GET stream closes', async () => {
    const { a, b } = pair;
    const [member, admin] = await Promise.all([
      agentTokens(pair, 'member@demo.test'),
      agentTokens(pair, 'admin@demo.test'),
    ]);

    // On B: a raw 2025-era session with its GET stream open, a v1 SDK session, a stateless v2 client.
    const sessionId = await openRawSession(b.url, member.access_token);
    const stream = await openStream(b.url, member.access_token, sessionId);
    expect(stream.status).toBe(200);
    const legacy = await connectV1(b.url, member.access_token);
    const modern = await connectV2(b.url, admin.access_token, 'auto');
    expect((await call(legacy, 'whoami')).isError).toBe(false);
    expect((await call(modern, 'whoami')).isError).toBe(false);

    // The admin pulls the switch in A's console (a form post with its CSRF token).
    const console = await signInVia(a.url, 'admin@demo.test', pair.browser());
    const settings = await (await console.fetch(`${a.url}/settings/kill-switch`)).text();
    const pulled = await console.post(`${a.url}/settings/kill-switch`, {
      _csrf: hiddenInput(settings, '_csrf')!,
      team_name: TEAM,
      reason: 'replica drill',
    });
    expect(pulled.status).toBe(303);
    expect(pulled.headers.get('location')).toBe('/settings/kill-switch/result');

    // The first call on B leaves as soon as the pull has returned (no wait for anything).
    const immediate = mcpPost(b.url, member.access_token, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    // B's stream ends with no session request to B in between (the relayed event closes it): a bounded
    // wait on the close itself, never a sleep.
    await stream.ended;

    const first = await immediate;
    expect(first.status).toBe(401);
    await first.arrayBuffer();
    // Nor anything after: raw requests on every token, the SDK clients.
    for (const token of [member.access_token, admin.access_token]) {
      const res = await mcpPost(b.url, token, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
      expect(res.status).toBe(401);
      await res.arrayBuffer();
    }
    const inSession = await mcpPost(
      b.url,
      member.access_token,
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
      { 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_2025 },
    );
    expect([401, 404]).toContain(inSession.status);
    await inSession.arrayBuffer();
    for (const agent of [legacy, modern]) {
      const outcome = await call(agent, 'whoami').then(
        (r) => (r.isError ? 'refused' : 'succeeded'),
        () => 'refused',
      );
      expect(outcome).toBe('refused');
    }

    // Refreshing on B is refused too, and so is a new session there.
    const refreshed = await fetch(`${b.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: member.refresh_token,
        client_id: member.client_id,
      }),
    });
    expect(refreshed.status).toBe(400);
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');
    const fresh = await connectV1(b.url, member.access_token).then(
      async (c) => {
        await c.close();
        return 'connected';
      },
      () => 'refused',
    );
    expect(fresh).toBe('refused');
    await Promise.allSettled([legacy.close(), modern.close()]);
  });
});
