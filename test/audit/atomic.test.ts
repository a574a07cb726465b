import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  createConnectionToken,
  revokeConnection,
  type TeamSession,
} from '../../src/console/connections-service.ts';
import { tokensFor } from '../support/mcp.ts';
import { REDIRECT_URI, registerClient } from '../support/oauth.ts';
import { onPostgres } from '../support/pg.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

/**
 * A state change and the audit entry that records it commit together or not at all: with the
 * audit insert made to fail (a trigger standing in for a full disk or a crash), nothing changes.
 */
let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(() => gh.stop());

function failAuditFor(event: string): () => void {
  const name = `fail_${event.replace(/\W/g, '_')}`;
  const db = gh.ctx.db.$client;
  if (onPostgres) {
    // PostgreSQL has no temporary triggers: a function raising, on this test's own database.
    db.exec(
      `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit unavailable'; END $$;
       CREATE TRIGGER ${name} BEFORE INSERT ON audit_entries FOR EACH ROW WHEN (NEW.event = '${event}')
       EXECUTE FUNCTION ${name}()`,
    );
    return () => db.exec(`DROP TRIGGER ${name} ON audit_entries; DROP FUNCTION ${name}()`);
  }
  db.run(
    `CREATE TEMP TRIGGER ${name} BEFORE INSERT ON audit_entries WHEN NEW.event = '${event}'
     BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END`,
  );
  return () => db.run(`DROP TRIGGER ${name}`);
}

const count = (sql: string, ...params: string[]) =>
  gh.ctx.db.$client.query<{ n: number }, string[]>(sql).get(...params)!.n;

async function memberSession(): Promise<{ session: TeamSession; familyId: string }> {
  const t = await tokensFor(gh.url, 'member@demo.test');
  const f = gh.ctx.oauth.tokens.bearer(t.access_token)!.family;
  return {
    familyId: f.id,
    session: { userId: f.userId, teamId: f.teamId, email: 'member@demo.test', role: 'member' } as TeamSession,
  };
}

describe('audit atomicity', () => {
  test('connection token — no audit entry, no token', async () => {
    const { session } = await memberSession();
    const before = count('SELECT count(*) AS n FROM token_families WHERE kind = ?', 'connection');
    const restore = failAuditFor('connection_token.created');
    try {
      expect(() =>
        createConnectionToken(gh.ctx, session, { name: 'atomic', access: 'mcp', expiry: 'never' }),
      ).toThrow();
    } finally {
      restore();
    }
    expect(count('SELECT count(*) AS n FROM token_families WHERE kind = ?', 'connection')).toBe(before);
  });

  test('client registration — no audit entry, no client, and an error without internals', async () => {
    const before = count('SELECT count(*) AS n FROM oauth_clients');
    const restore = failAuditFor('oauth.client_registered');
    try {
      const res = await fetch(`${gh.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'Atomic',
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'none',
        }),
      });
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(await res.text()).not.toContain('audit unavailable');
    } finally {
      restore();
    }
    expect(count('SELECT count(*) AS n FROM oauth_clients')).toBe(before);
    expect((await registerClient(gh.url)).client_id).toStartWith('ghc_');
  });

  test('revoking a connection — no audit entry, tokens and consent still live', async () => {
    const { session, familyId } = await memberSession();
    const restore = failAuditFor('token_family.revoked');
    try {
      expect(() => revokeConnection(gh.ctx, session, familyId)).toThrow();
    } finally {
      restore();
    }
    expect(gh.ctx.oauth.tokens.family(familyId)!.revokedAt).toBeNull();
    expect(count('SELECT count(*) AS n FROM oauth_consents WHERE revoked_at IS NOT NULL')).toBe(0);
    revokeConnection(gh.ctx, session, familyId);
    expect(gh.ctx.oauth.tokens.family(familyId)!.revokedAt).not.toBeNull();
  });
});
