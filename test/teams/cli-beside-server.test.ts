/**
 * `gatehouse teams remove` run beside a running server on the same data (on SQLite the same file;
 * on PostgreSQL the same database, test/replicas/cli.test.ts covers two replicas): another
 * process pulls the team's kill switch, and the server refuses the team's cached token on its
 * next request (src/db/epoch.ts: another process's commit is seen from the next turn).
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { mcpPost, PROTOCOL_2025 } from '../support/raw-mcp.ts';
import { seededTeamId, startTestGatehouse } from '../support/server.ts';
import { runCli } from '../support/subprocess.ts';

setDefaultTimeout(60_000);

test('gatehouse teams remove beside the running server — the team’s token, warm in its caches, is refused on the next request', async () => {
  const gh = await startTestGatehouse();
  try {
    const { access_token } = await tokensFor(gh.url, 'member@demo.test');
    const agent = await connectV1(gh.url, access_token);
    try {
      // Warm every cache the token goes through: bearer, principal, team, settings.
      expect((await call(agent, 'whoami')).isError).toBe(false);
      expect((await call(agent, 'whoami')).isError).toBe(false);
    } finally {
      await agent.close();
    }
    const organizationId = gh.ctx.teams.get(seededTeamId(gh))!.organizationId;
    const removed = await runCli(gh.dataDir, 'teams', 'remove', organizationId);
    expect(removed.stdout).toContain('kill switch pulled');
    expect(removed.code).toBe(0);

    // A token still taken would get past the bearer check to the session check (400: no session).
    const after = await mcpPost(
      gh.url,
      access_token,
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { 'mcp-protocol-version': PROTOCOL_2025 },
    );
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('Bearer');
    await after.arrayBuffer();
    expect(gh.ctx.teams.admitted().some((t) => t.organizationId === organizationId)).toBe(false);
  } finally {
    await gh.stop();
  }
});
