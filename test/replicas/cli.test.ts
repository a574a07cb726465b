/**
 * Two replicas on PostgreSQL: a CLI command run beside them is one more writer, and its events
 * reach the replicas like theirs reach each other (src/cli/teams.ts relays them).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { agentTokens, cli, mcpPost, onPostgres, openRawSession, openStream, usePair } from './support.ts';

setDefaultTimeout(120_000);

describe.skipIf(!onPostgres)('two replicas on PostgreSQL — the CLI', () => {
  const pair = usePair();

  test('gatehouse teams remove — the running replicas close the team’s open streams and refuse its tokens', async () => {
    const { b } = pair;
    const member = await agentTokens(pair, 'member@demo.test');
    const sessionId = await openRawSession(b.url, member.access_token);
    const stream = await openStream(b.url, member.access_token, sessionId);
    expect(stream.status).toBe(200);

    const organizationId = pair.env.GATEHOUSE_TEAMS!.split(',')[0]!;
    const removed = await cli(pair, 'teams', 'remove', organizationId);
    expect(removed.stdout).toContain('kill switch pulled');
    expect(removed.code).toBe(0);

    await stream.ended;
    const after = await mcpPost(b.url, member.access_token, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(after.status).toBe(401);
    await after.arrayBuffer();
  });
});
