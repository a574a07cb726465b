import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { verifyChain } from '../../src/audit/verify.ts';
import { parsePrometheus } from '../console/prometheus.ts';
import { holdWriteLock, impatient, refusing } from '../support/db-errors.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { openStore } from '../support/pg.ts';
import { INITIALIZE, mcpPost, openRawSession, PROTOCOL_2025 } from '../support/raw-mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

/**
 * A database that cannot answer (a lock held past the busy timeout, an outage) at /mcp: the
 * agent gets a clear error and never the database's own message; a tool call whose audit entry
 * cannot be committed does not get its result (every result sent has its entry).
 */
let gh: TestGatehouse;
let token: string;
beforeAll(async () => {
  gh = await startTestGatehouse();
  token = (await tokensFor(gh.url, 'admin@demo.test')).access_token;
});
afterAll(async () => {
  await gh.stop();
});

describe('the /mcp door', () => {
  test('bearer lookup — a database that cannot answer is a JSON-RPC 503 with Retry-After, without its message', async () => {
    const resolve = refusing(gh.ctx.oauth.principals, 'resolve', 'rejects');
    expect(resolve.error.name).toBe('SQLiteError');
    try {
      const res = await mcpPost(gh.url, token, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const body = (await res.json()) as { error: { code: number; message: string } };
      expect(body.error.code).toBe(-32603);
      expect(body.error.message).toContain('cannot reach its database');
      expect(JSON.stringify(body)).not.toMatch(/locked|SQLITE/i);
    } finally {
      resolve.restore();
    }
    expect(
      gh.logLines.some((l) => l.includes('mcp request failed') && l.includes('database is locked')),
    ).toBe(true);
  });

  test('bearer lookup — any other fault is a JSON-RPC 500 that names nothing of it', async () => {
    const principals = gh.ctx.oauth.principals;
    const resolve = principals.resolve;
    principals.resolve = () => Promise.reject(new Error('boom at /srv/secret/path'));
    try {
      const res = await mcpPost(gh.url, token, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toContain('application/json');
      const body = (await res.json()) as { error: { code: number; message: string } };
      expect(body.error).toEqual({ code: -32603, message: 'Internal error' });
    } finally {
      principals.resolve = resolve;
    }
  });
});

describe('inside the MCP server', () => {
  test('tools/list — a database that fails the listing is a JSON-RPC error that names nothing of it', async () => {
    const client = await connectV1(gh.url, token);
    const sessionId = (client.transport as { sessionId?: string } | undefined)?.sessionId;
    expect(sessionId).toBeTruthy();
    const visible = refusing(gh.ctx.tools, 'visible');
    let body: { error?: { code: number; message: string } };
    try {
      const res = await mcpPost(
        gh.url,
        token,
        { jsonrpc: '2.0', id: 5, method: 'tools/list' },
        { 'mcp-session-id': sessionId!, 'mcp-protocol-version': PROTOCOL_2025 },
      );
      body = (await res.json()) as typeof body;
    } finally {
      visible.restore();
    }
    expect(body.error?.code).toBe(-32603);
    expect(body.error?.message).toContain('cannot reach its database');
    expect(JSON.stringify(body)).not.toMatch(/locked|SQLITE/i);
    expect(gh.logLines.some((l) => l.includes('mcp handler failed') && l.includes('tools/list'))).toBe(true);
    await client.close();
  });
});

describe('a session the database cannot record', () => {
  test('initialize — a session row that cannot be written is a JSON-RPC 503: no session id, no session kept, no slot held', async () => {
    const client = await connectV1(gh.url, token); // loads the endpoint (its start writes rows)
    const { principal } = (await gh.ctx.oauth.principals.resolve(token)) as {
      ok: true;
      principal: { userId: string };
    };
    const sessions = gh.mcp.sessions.size;
    const held = gh.mcp.sessions.heldBy(principal.userId);
    const restore = impatient(gh);
    const release = await holdWriteLock(gh, 'never');
    let res: Response;
    try {
      res = await mcpPost(gh.url, token, INITIALIZE);
    } finally {
      release();
      restore();
    }
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('mcp-session-id')).toBeNull();
    const text = await res.text();
    expect(text).toContain('cannot reach its database');
    expect(text).not.toMatch(/locked|SQLITE|lock timeout|advisory/i);
    expect(gh.mcp.sessions.size).toBe(sessions);
    expect(gh.mcp.sessions.heldBy(principal.userId)).toBe(held);
    // Once the database answers again, a session opens as usual.
    const again = await mcpPost(gh.url, token, INITIALIZE);
    expect(again.status).toBe(200);
    expect(again.headers.get('mcp-session-id')).toBeTruthy();
    await again.body?.cancel();
    await client.close();
  });
});

describe('a session whose end the database cannot record', () => {
  test('DELETE — the session ends at once; its row, left open, is closed by the next sweep', async () => {
    const sessionId = await openRawSession(gh.url, token);
    const del = () =>
      fetch(`${gh.url}/mcp`, {
        method: 'DELETE',
        headers: {
          authorization: `Bearer ${token}`,
          'mcp-session-id': sessionId,
          'mcp-protocol-version': PROTOCOL_2025,
        },
      });
    const row = async () => {
      const store = await openStore(gh.dataDir);
      try {
        return store
          .query('SELECT closed_at, closed_reason FROM mcp_sessions WHERE id = ?')
          .get(sessionId) as {
          closed_at: number | null;
          closed_reason: string | null;
        };
      } finally {
        store.close();
      }
    };
    const restore = impatient(gh);
    const release = await holdWriteLock(gh, 'never');
    let res: Response;
    try {
      res = await del();
    } finally {
      release();
      restore();
    }
    expect(res.status).toBe(200);
    expect((await del()).status).toBe(404);
    expect((await row()).closed_at).toBeNull();
    expect(
      gh.logLines.some((l) => l.includes('mcp session row not closed; trying again at the next sweep')),
    ).toBe(true);
    gh.mcp.live.tick(true);
    expect((await row()).closed_at).not.toBeNull();
  });
});

describe('a tool call whose audit entry cannot be written', () => {
  test('write — answered with an error that says the change ran and withholds the result; no entry, the trail still verifies', async () => {
    const client = await connectV1(gh.url, token);
    const name = `Unrecorded ${crypto.randomUUID().slice(0, 8)}`;
    const release = await holdWriteLock(gh, 'audit entry not written');
    let out: Awaited<ReturnType<typeof call>>;
    try {
      // The entry waits out the busy timeout (SQLite) or lock_timeout (PostgreSQL), then fails.
      out = await call(client, 'create_workos_organization', { name });
    } finally {
      release();
    }
    expect(out.isError).toBe(true);
    expect(out.text).toContain("could not write this call's entry to its audit trail");
    expect(out.text).toContain('The call did run: check whether its change took effect');
    expect(out.text).toContain('Retry after: 5 seconds.');
    expect(out.text).not.toMatch(/locked|SQLITE|lock timeout|advisory/i);
    expect(out.structured).toBeUndefined();
    expect(
      gh.logLines.some(
        (l) => l.includes('audit entry not written') && l.includes('create_workos_organization'),
      ),
    ).toBe(true);

    // The organization was created (the call ran), and no entry claims it was.
    const listed = await call(client, 'list_workos_organizations', { limit: 100 });
    expect(listed.text).toContain(name);
    const store = await openStore(gh.dataDir);
    try {
      const rows = store
        .query("SELECT count(*) AS n FROM audit_entries WHERE tool = 'create_workos_organization'")
        .get() as { n: number };
      expect(Number(rows.n)).toBe(0);
    } finally {
      store.close();
    }

    // The next call is answered and recorded as usual, and the chain is whole.
    const again = await call(client, 'whoami');
    expect(again.isError).toBe(false);
    gh.ctx.audit.flush();
    expect(verifyChain(gh.ctx.db.$client, gh.ctx.auditKey).ok).toBe(true);
    await client.close();
  }, 30_000);
});

describe('a read whose audit entry cannot be written', () => {
  test('read — answered with an error that asks to try again (nothing changed), never the data; the log masks people', async () => {
    const client = await connectV1(gh.url, token);
    const restore = impatient(gh);
    const release = await holdWriteLock(gh, 'audit entry not written');
    let out: Awaited<ReturnType<typeof call>>;
    try {
      out = await call(client, 'list_users', { email: 'member@demo.test' });
    } finally {
      release();
      restore();
    }
    expect(out.isError).toBe(true);
    expect(out.text).toContain("could not write this call's entry to its audit trail");
    expect(out.text).toContain('What to do: Try again in 5 seconds.');
    expect(out.text).not.toContain('member@demo.test');
    const line = gh.logLines.findLast((l) => l.includes('audit entry not written'))!;
    expect(JSON.parse(line).entry).toMatchObject({ tool: 'list_users', outcome: 'allowed' });
    expect(line).not.toContain('member@demo.test');
    // The metrics count what the agent got: an error, not the read that ran.
    const metrics = parsePrometheus(await (await fetch(`${gh.url}/metrics`)).text());
    const calls = (outcome: string) =>
      metrics.value('gatehouse_tool_calls_total', { tool: 'list_users', outcome });
    expect(calls('error')).toBe(1);
    expect(calls('ok')).toBeUndefined();
    await client.close();
  });
});
