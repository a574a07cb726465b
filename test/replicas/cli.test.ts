/**
 * Two replicas on PostgreSQL: a CLI command run beside them is one more writer, and its events
 * reach the replicas like theirs reach each other (src/cli/teams.ts relays them).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  agentTokens,
  cli,
  mcpPost,
  onPostgres,
  openRawSession,
  PROTOCOL_2025,
  usePair,
  within,
} from './support.ts';

setDefaultTimeout(120_000);

/** Generous: only keeps a broken close from hanging the run. */
const STREAM_CLOSE_GUARD_MS = 5_000;

describe.skipIf(!onPostgres)('two replicas on PostgreSQL — the CLI', () => {
  const pair = usePair();

  test('gatehouse teams remove — the running replicas close the team’s open streams and refuse its tokens', async () => {
    const { b } = pair;
    const member = await agentTokens(pair, 'member@demo.test');
    const sessionId = await openRawSession(b.url, member.access_token);
    const stream = await fetch(`${b.url}/mcp`, {
      headers: {
        authorization: `Bearer ${member.access_token}`,
        accept: 'text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': PROTOCOL_2025,
      },
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await reader.read();
    const ended = (async () => {
      try {
        while (!(await reader.read()).done) {}
      } catch {
        // A reset ends it as well.
      }
    })();

    const organizationId = pair.env.GATEHOUSE_TEAMS!.split(',')[0]!;
    const removed = await cli(pair, 'teams', 'remove', organizationId);
    expect(removed.stdout).toContain('kill switch pulled');
    expect(removed.code).toBe(0);

    await within(ended, STREAM_CLOSE_GUARD_MS, 'B’s GET stream closing after `gatehouse teams remove`');
    const after = await mcpPost(b.url, member.access_token, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(after.status).toBe(401);
    await after.arrayBuffer();
  });
});
