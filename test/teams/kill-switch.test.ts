import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { connectV1, connectV2, tokensFor } from '../support/mcp.ts';
import {
  authorizeUrl,
  consent,
  pkce,
  REDIRECT_URI,
  registerClient,
  standardParams,
  tokenRequest,
} from '../support/oauth.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(() => gh.stop());

function mcp(token: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${gh.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

describe('kill switch', () => {
  test('pull — disables the team, revokes every token and grant, closes every session and stream', async () => {
    const [admin, member] = await Promise.all([
      tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' }),
      tokensFor(gh.url, 'member@demo.test'),
    ]);
    const principal = gh.ctx.oauth.tokens.bearer(member.access_token)!.family;
    const teamId = principal.teamId;
    const adminUser = gh.ctx.oauth.tokens.bearer(admin.access_token)!.family.userId;
    const connection = gh.ctx.oauth.tokens.createConnectionToken({
      userId: principal.userId,
      teamId,
      name: 'ci bot',
      scopes: ['mcp'],
      resource: gh.ctx.oauth.resource,
      expiresAt: null,
    });

    // Open sessions in both eras, and a raw 2025-era GET stream.
    const legacy = await connectV1(gh.url, member.access_token);
    const modern = await connectV2(gh.url, admin.access_token, 'auto');
    const init = await mcp(member.access_token, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    await init.text();
    const sid = init.headers.get('mcp-session-id')!;
    await (
      await mcp(
        member.access_token,
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
      )
    ).text();
    const stream = await fetch(`${gh.url}/mcp`, {
      headers: {
        authorization: `Bearer ${member.access_token}`,
        accept: 'text/event-stream',
        'mcp-session-id': sid,
        'mcp-protocol-version': '2025-06-18',
      },
    });
    const reader = stream.body!.getReader();
    await reader.read(); // the opening comment
    const grant = gh.ctx.grants.agent.requestBroad(
      {
        userId: principal.userId,
        teamId,
        familyId: principal.id,
        clientId: principal.clientId,
        email: 'member@demo.test',
        sessionId: null,
      },
      { level: 'read', providers: ['linear'], reason: 'triage' },
    );
    expect(gh.mcp.sessions.size).toBeGreaterThanOrEqual(2);

    const result = gh.ctx.killSwitch.pull(
      teamId,
      { userId: adminUser, email: 'admin@demo.test' },
      'incident drill',
    );
    expect(result.familiesRevoked).toBeGreaterThanOrEqual(3);
    expect(result.grantsRevoked).toBe(1);

    // The stream ends (it does not wait for a keep-alive or a client).
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(gh.mcp.sessions.size).toBe(0);

    for (const token of [member.access_token, admin.access_token, connection.token]) {
      const res = await mcp(token, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
      expect(res.status).toBe(401);
    }
    const refreshed = await fetch(`${gh.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: member.refresh_token,
        client_id: principal.clientId!,
      }),
    });
    expect(refreshed.status).toBe(400);
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');
    expect(gh.ctx.grants.store.get(grant.grant.id)!.status).toBe('revoked');
    const settings = gh.ctx.teams.settings(teamId);
    expect([settings.enabled, settings.allowWrite, settings.allowProduction]).toEqual([false, false, false]);
    expect(settings.killedAt).not.toBeNull();
    const entry = gh.ctx.db
      .select()
      .from(schema.auditEntries)
      .where(eq(schema.auditEntries.event, 'team.kill_switch'))
      .get()!;
    expect(entry.reason).toBe('incident drill');
    await Promise.allSettled([legacy.close(), modern.close()]);

    // Re-enabling never revives an old token: clients authorize again.
    gh.ctx.settings.update(
      teamId,
      { enabled: true, allowWrite: true },
      { userId: adminUser, email: 'admin@demo.test' },
    );
    expect((await mcp(member.access_token, { jsonrpc: '2.0', id: 3, method: 'tools/list' })).status).toBe(
      401,
    );
    const fresh = await tokensFor(gh.url, 'member@demo.test');
    const again = await connectV1(gh.url, fresh.access_token);
    expect((await again.listTools()).tools.length).toBeGreaterThan(0);
    await again.close();
  });

  test('pull — an authorization code issued before it and not yet exchanged never yields a token', async () => {
    const browser = await signIn(gh.url, 'member@demo.test');
    const client = await registerClient(gh.url);
    const { verifier, challenge } = pkce();
    const redirect = await consent(
      browser,
      authorizeUrl(gh.url, standardParams(gh.url, client.client_id, challenge)),
    );
    const code = redirect.searchParams.get('code')!;
    expect(code).toBeTruthy();
    const admin = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' });
    const { userId, teamId } = gh.ctx.oauth.tokens.bearer(admin.access_token)!.family;

    const result = gh.ctx.killSwitch.pull(teamId, { userId, email: 'admin@demo.test' }, 'code drill');
    expect(result.codesRevoked).toBeGreaterThanOrEqual(1);
    gh.ctx.settings.update(teamId, { enabled: true }, { userId, email: 'admin@demo.test' });

    const exchanged = await tokenRequest(gh.url, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: client.client_id,
      resource: `${gh.url}/mcp`,
    });
    expect(exchanged.status).toBe(400);
    expect(exchanged.body.error).toBe('invalid_grant');
  });
});
