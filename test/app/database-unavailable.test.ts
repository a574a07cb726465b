import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { holdWriteLock, impatient, refusing } from '../support/db-errors.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { openStore } from '../support/pg.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

/**
 * Work off the request path when the database refuses it (a lock held past the timeout): buffered
 * counts are kept for the next write, and timers and event handlers log their failure instead of
 * throwing it, which would take the process down.
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

describe('the MCP endpoint loading', () => {
  test('first /mcp request — it writes no left-open rows (start did), so a database refusing that cannot fail it; its own session row stays open', async () => {
    // The endpoint loads at the first /mcp request: none has come yet in this file.
    const closeLeftOpen = refusing(gh.ctx.mcpSessionRows, 'closeLeftOpen');
    try {
      const client = await connectV1(gh.url, token);
      expect((await call(client, 'whoami')).isError).toBe(false);
      gh.mcp.live.tick(true);
      gh.mcp.live.tick(true);
      expect(closeLeftOpen.calls()).toBe(0);
      const store = await openStore(gh.dataDir);
      try {
        const open = store.query('SELECT count(*) AS n FROM mcp_sessions WHERE closed_at IS NULL').get() as {
          n: number;
        };
        expect(Number(open.n)).toBe(1);
      } finally {
        store.close();
      }
      await client.close();
    } finally {
      closeLeftOpen.restore();
    }
  });
});

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
      const restore = impatient(gh);
      const release = await holdWriteLock(gh, 'never');
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
    const settings = refusing(gh.ctx.teams, 'settings');
    const lines = () => gh.logLines.filter((l) => l.includes('live mcp sweep')).map((l) => JSON.parse(l).msg);
    const before = lines().length;
    try {
      expect(() => gh.mcp.live.tick(true)).not.toThrow();
      expect(() => gh.mcp.live.tick(true)).not.toThrow();
    } finally {
      settings.restore();
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
    const restore = impatient(gh);
    const release = await holdWriteLock(gh, 'tool visibility refresh failed');
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
