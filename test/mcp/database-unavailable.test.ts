import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { verifyChain } from '../../src/audit/verify.ts';
import { WRITE_LOCK } from '../../src/db/pg/bridge.ts';
import { sqliteBusyError } from '../support/db-errors.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { onPostgres, openStore } from '../support/pg.ts';
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

function post(body: unknown): Promise<Response> {
  return fetch(`${gh.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify(body),
  });
}

describe('the /mcp door', () => {
  test('bearer lookup — a database that cannot answer is a JSON-RPC 503 with Retry-After, without its message', async () => {
    const principals = gh.ctx.oauth.principals;
    const resolve = principals.resolve;
    const busy = sqliteBusyError();
    expect(busy.name).toBe('SQLiteError');
    principals.resolve = () => Promise.reject(busy);
    try {
      const res = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const body = (await res.json()) as { error: { code: number; message: string } };
      expect(body.error.code).toBe(-32603);
      expect(body.error.message).toContain('cannot reach its database');
      expect(JSON.stringify(body)).not.toMatch(/locked|SQLITE/i);
    } finally {
      principals.resolve = resolve;
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
      const res = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toContain('application/json');
      const body = (await res.json()) as { error: { code: number; message: string } };
      expect(body.error).toEqual({ code: -32603, message: 'Internal error' });
    } finally {
      principals.resolve = resolve;
    }
  });
});

/**
 * Holds the database's write lock from another connection, as a stuck process would, until the
 * server logs `until` (the log is written on the server's own thread, which the lock blocks: the
 * timers' flushes that come after it then find the lock free), or until released.
 */
async function holdWriteLock(until: string): Promise<() => void> {
  const other = await openStore(gh.dataDir);
  other.exec(onPostgres ? `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})` : 'BEGIN IMMEDIATE');
  const log = gh.ctx.log;
  const error = log.error;
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    log.error = error;
    other.exec('ROLLBACK');
    other.close();
  };
  log.error = (msg, fields) => {
    error.call(log, msg, fields);
    if (msg.startsWith(until)) release();
  };
  return release;
}

describe('a tool call whose audit entry cannot be written', () => {
  test('write — answered with an error that says the change ran and withholds the result; no entry, the trail still verifies', async () => {
    const client = await connectV1(gh.url, token);
    const name = `Unrecorded ${crypto.randomUUID().slice(0, 8)}`;
    const release = await holdWriteLock('audit entry not written');
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

/** This server's own connection gives up on a lock at once, instead of after its 5 s. */
function impatient(): () => void {
  const client = gh.ctx.db.$client;
  client.exec(onPostgres ? "SET lock_timeout = '20ms'" : 'PRAGMA busy_timeout = 0');
  return () => client.exec(onPostgres ? 'RESET lock_timeout' : 'PRAGMA busy_timeout = 5000');
}

describe('buffered counts', () => {
  test('metrics and token usage — a flush the database refuses keeps its counts, and the next writes them all', async () => {
    const client = await connectV1(gh.url, token);
    const familyId = (await gh.ctx.oauth.principals.resolve(token)) as {
      ok: true;
      principal: { familyId: string };
    };
    const store = await openStore(gh.dataDir);
    const read = () => ({
      requests: Number(
        (
          store
            .query('SELECT request_count AS n FROM token_families WHERE id = ?')
            .get(familyId.principal.familyId) as {
            n: number;
          }
        ).n,
      ),
      calls: Number(
        (
          store
            .query("SELECT coalesce(sum(calls), 0) AS n FROM metric_rollups WHERE tool = 'whoami'")
            .get() as {
            n: number;
          }
        ).n,
      ),
    });
    try {
      gh.ctx.oauth.tokens.flushUsage();
      gh.ctx.metrics.flush();
      const before = read();

      await call(client, 'whoami');
      const restore = impatient();
      const release = await holdWriteLock('never');
      try {
        expect(() => gh.ctx.metrics.flush()).toThrow();
        expect(() => gh.ctx.oauth.tokens.flushUsage()).toThrow();
      } finally {
        release();
        restore();
      }
      // Counted while the first flush waited: joins the kept counts.
      await call(client, 'whoami');
      gh.ctx.metrics.flush();
      gh.ctx.oauth.tokens.flushUsage();
      const after = read();
      expect(after.calls - before.calls).toBe(2);
      expect(after.requests - before.requests).toBeGreaterThanOrEqual(2);
    } finally {
      store.close();
      await client.close();
    }
  });
});

describe('work off the request path', () => {
  test('session sweep and recheck — a database that refuses them is logged once, never thrown out of the timer', async () => {
    const client = await connectV1(gh.url, token);
    await call(client, 'whoami');
    // The sweep reads each open session's team settings (its idle timeout) from the database. A
    // read fails only when the database does (SQLite's readers never wait on its writer), so the
    // read is made to fail with a real SQLITE_BUSY.
    const teams = gh.ctx.teams;
    const settings = teams.settings;
    const busy = sqliteBusyError();
    teams.settings = () => {
      throw busy;
    };
    const lines = () => gh.logLines.filter((l) => l.includes('live mcp sweep')).map((l) => JSON.parse(l).msg);
    const before = lines().length;
    try {
      expect(() => gh.mcp.live.tick(true)).not.toThrow();
      expect(() => gh.mcp.live.tick(true)).not.toThrow();
    } finally {
      teams.settings = settings;
    }
    gh.mcp.live.tick(true);
    // The first failure and the recovery, once each.
    expect(lines().slice(before)).toEqual([
      'live mcp sweep or recheck failed',
      'live mcp sweep and recheck work again',
    ]);
    await client.close();
  });

  test('tool visibility refresh — a settings change while the database refuses writes is logged, not an unhandled rejection', async () => {
    const client = await connectV1(gh.url, token);
    await call(client, 'whoami'); // a usage count is pending: reading the family writes it first
    const teamId = (await gh.ctx.oauth.principals.resolve(token)) as {
      ok: true;
      principal: { teamId: string };
    };
    const logged = new Promise<void>((resolve) => {
      const log = gh.ctx.log;
      const error = log.error;
      log.error = (msg, fields) => {
        error.call(log, msg, fields);
        if (msg === 'tool visibility refresh failed') {
          log.error = error;
          resolve();
        }
      };
    });
    const restore = impatient();
    const release = await holdWriteLock('tool visibility refresh failed');
    try {
      gh.ctx.events.emit('team.settings_changed', { teamId: teamId.principal.teamId });
      await logged;
    } finally {
      release();
      restore();
    }
    await client.close();
  });
});
