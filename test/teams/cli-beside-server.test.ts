/**
 * `gatehouse teams remove` run beside a running server on the same data (on SQLite the same file;
 * on PostgreSQL the same database, test/replicas/cli.test.ts covers two replicas): another
 * process pulls the team's kill switch, and the server refuses the team's cached token on its
 * next request (src/db/epoch.ts: another process's commit is seen from the next turn), and the
 * streams it holds open end within a second with no request at all (src/mcp/live.ts, `recheck`).
 * A write by another connection that is not Gatehouse's (no event) is seen the same way: by
 * SQLite's data_version, or PostgreSQL's notification count.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { WITHDRAWN } from '../../src/mcp/live.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { openStore } from '../support/pg.ts';
import { mcpPost, openListen, openRawSession, openStream, PROTOCOL_2025 } from '../support/raw-mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { runCli } from '../support/subprocess.ts';

setDefaultTimeout(60_000);

/** What the CLI or any other process does: revokes a family by writing the database, no event here. */
async function revokeElsewhere(gh: TestGatehouse, familyId: string): Promise<void> {
  const other = await openStore(gh.dataDir);
  try {
    other.run('UPDATE token_families SET revoked_at = ?, revoked_reason = ? WHERE id = ?', [
      Date.now(),
      'revoked elsewhere',
      familyId,
    ]);
  } finally {
    other.close();
  }
}

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

test('gatehouse teams remove beside the running server — the team’s open streams end with no request to notice it', async () => {
  const gh = await startTestGatehouse();
  try {
    const { access_token } = await tokensFor(gh.url, 'member@demo.test');
    // A 2025-era session with its GET stream, and a 2026-07-28 listen stream: each carries no
    // request after it opened, so only the recheck can learn that the team is gone.
    const sessionId = await openRawSession(gh.url, access_token);
    const stream = await openStream(gh.url, access_token, sessionId);
    const listen = await openListen(gh.url, access_token);
    expect([stream.status, listen.res.status]).toEqual([200, 200]);
    expect(gh.mcp.sessions.size).toBe(1);

    const organizationId = gh.ctx.teams.get(seededTeamId(gh))!.organizationId;
    const removed = await runCli(gh.dataDir, 'teams', 'remove', organizationId);
    expect(removed.code).toBe(0);

    // Awaited with no timer of the test's own: the test's timeout is the only bound.
    await Promise.all([stream.ended, listen.ended]);
    expect(gh.mcp.sessions.size).toBe(0);
  } finally {
    await gh.stop();
  }
});

test('a token family revoked by another connection — its open stream ends and its session row says why; another family’s stays open', async () => {
  const gh = await startTestGatehouse();
  try {
    const member = await tokensFor(gh.url, 'member@demo.test');
    const admin = await tokensFor(gh.url, 'admin@demo.test');
    const memberSession = await openRawSession(gh.url, member.access_token);
    const memberStream = await openStream(gh.url, member.access_token, memberSession);
    const adminStream = await openStream(
      gh.url,
      admin.access_token,
      await openRawSession(gh.url, admin.access_token),
    );
    expect([memberStream.status, adminStream.status]).toEqual([200, 200]);
    expect(gh.mcp.sessions.size).toBe(2);
    const resolved = await gh.ctx.oauth.principals.resolve(member.access_token);
    if (!resolved.ok) throw new Error(`the member's token did not resolve: ${resolved.reason}`);

    await revokeElsewhere(gh, resolved.principal.familyId);

    await memberStream.ended;
    // The recheck that ended it asked about every live session at once: the admin's stood.
    expect(gh.mcp.sessions.size).toBe(1);
    const row = gh.ctx.db
      .select({ closedReason: schema.mcpSessions.closedReason })
      .from(schema.mcpSessions)
      .where(eq(schema.mcpSessions.id, memberSession))
      .get();
    expect(row?.closedReason).toBe(WITHDRAWN.recorded);
  } finally {
    await gh.stop();
  }
});

test('a recheck whose database read fails — nothing counts as checked, and the next one ends the revoked stream', async () => {
  const gh = await startTestGatehouse();
  const tokens = gh.ctx.oauth.tokens;
  const standingAmong = tokens.standingAmong;
  try {
    const member = await tokensFor(gh.url, 'member@demo.test');
    const sessionId = await openRawSession(gh.url, member.access_token);
    const stream = await openStream(gh.url, member.access_token, sessionId);
    const resolved = await gh.ctx.oauth.principals.resolve(member.access_token);
    if (!resolved.ok) throw new Error(`the member's token did not resolve: ${resolved.reason}`);
    gh.mcp.live.recheck(); // the new session checked: only another process's commit is left to see

    tokens.standingAmong = () => {
      throw new Error('database unavailable');
    };
    await revokeElsewhere(gh, resolved.principal.familyId);
    await new Promise<void>((r) => setImmediate(r)); // the other connection's commit, seen from the next turn
    expect(() => gh.mcp.live.recheck()).toThrow('database unavailable');
    expect(gh.mcp.sessions.size).toBe(1);

    tokens.standingAmong = standingAmong;
    gh.mcp.live.recheck(); // or the timer's tick got there first: either ends it
    await stream.ended;
    expect(gh.mcp.sessions.size).toBe(0);
  } finally {
    tokens.standingAmong = standingAmong;
    await gh.stop();
  }
});

test('a listen stream that passed the door just before another process revoked its family — the next recheck ends it', async () => {
  const gh = await startTestGatehouse();
  const membership = gh.ctx.membership;
  const standing = membership.standing;
  try {
    const member = await tokensFor(gh.url, 'member@demo.test');
    const resolved = await gh.ctx.oauth.principals.resolve(member.access_token);
    if (!resolved.ok) throw new Error(`the member's token did not resolve: ${resolved.reason}`);
    // Hold the request at the door's last await (the human's standing), after its token was read.
    let atDoor!: () => void;
    const held = new Promise<void>((r) => (atDoor = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    membership.standing = async (...args: Parameters<typeof standing>) => {
      const answer = await standing.apply(membership, args);
      membership.standing = standing;
      atDoor();
      await gate;
      return answer;
    };
    const listening = openListen(gh.url, member.access_token);
    await held;

    await revokeElsewhere(gh, resolved.principal.familyId);
    await new Promise<void>((r) => setImmediate(r));
    // The recheck that sees the other process's commit finds nothing of that family live yet.
    gh.mcp.live.recheck();
    release();
    const listen = await listening;
    expect(listen.res.status).toBe(200);
    // The stream registered after that recheck: the next one (this, or the timer's) ends it.
    gh.mcp.live.recheck();
    await listen.ended;
  } finally {
    membership.standing = standing;
    await gh.stop();
  }
});
