/**
 * Security review of the PostgreSQL mode (issue 15), part one: input PostgreSQL cannot hold that
 * SQLite tolerates (NUL, lone UTF-16 surrogates), sent from outside over real MCP clients.
 *
 * Each test is named "attack — expected safe outcome" and passes while the system holds.
 * Run: DATABASE_URL=postgres://postgres@127.0.0.1:54329/postgres bun test test/security/pg-attack-input.test.ts
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { desc, eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { call, connectV1, type Tokens, tokensFor } from '../support/mcp.ts';
import { onPostgres } from '../support/pg.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(120_000);

describe.skipIf(!onPostgres)('PostgreSQL attack — text PostgreSQL cannot hold', () => {
  let gh: TestGatehouse;
  let member: Tokens;
  let admin: Tokens;

  beforeAll(async () => {
    gh = await startTestGatehouse();
    [member, admin] = await Promise.all([
      tokensFor(gh.url, 'member@demo.test'),
      tokensFor(gh.url, 'admin@demo.test'),
    ]);
  });
  afterAll(async () => {
    await gh?.stop();
  });

  const entriesOf = (tool: string) =>
    gh.ctx.db
      .select()
      .from(schema.auditEntries)
      .where(eq(schema.auditEntries.tool, tool))
      .orderBy(desc(schema.auditEntries.seq))
      .all();

  // Once observed: the unknown tool's name went to the trail's `tool` column as sent; on PostgreSQL
  // the group-commit batch it shared with other people's calls failed as a whole (invalid_input),
  // so the admin's concurrent, successful whoami lost its audit entry and answered an error.
  test.each([
    ['a NUL character', 'nope\u0000tool'],
    ['a lone surrogate', 'nope\ud800tool'],
    ['an emoji cut in half at 100 characters', `${'x'.repeat(99)}\u{1f600}`],
  ])(
    'an unknown tool name with %s, called beside someone else’s call — both answered, both audited',
    async (_what, name) => {
      const [attacker, victim] = await Promise.all([
        connectV1(gh.url, member.access_token),
        connectV1(gh.url, admin.access_token),
      ]);
      try {
        const before = entriesOf('whoami').length;
        // One turn of the event loop: both outcomes queue for the same audit batch.
        const [bad, good] = await Promise.all([
          call(attacker, name).then(
            (r) => (r.isError ? 'tool error' : 'succeeded'),
            (e: Error) => `rejected: ${e.message}`,
          ),
          call(victim, 'whoami'),
        ]);
        expect(good.isError).toBe(false);
        expect(bad).toBe('tool error');
        expect(entriesOf('whoami').length).toBe(before + 1);
        // The attacker's call is in the trail too, its name exact in the details.
        const last = gh.ctx.db
          .select()
          .from(schema.auditEntries)
          .where(eq(schema.auditEntries.event, 'tool.call'))
          .orderBy(desc(schema.auditEntries.seq))
          .limit(2)
          .all();
        const mine = last.find((e) => e.userId !== null && e.tool !== 'whoami');
        expect(mine).toBeDefined();
        expect(JSON.parse(mine!.details ?? '{}').requested_tool).toBe(name);
      } finally {
        await Promise.allSettled([attacker.close(), victim.close()]);
      }
    },
  );
});
