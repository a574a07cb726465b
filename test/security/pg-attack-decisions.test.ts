/**
 * Security review of the PostgreSQL mode (issue 15), second round: one decision taken twice at
 * once, from both replicas' consoles. A grant approved on A while it is denied on B, and a
 * "deletions need a person" card confirmed on A while declined on B, must each end with one
 * decision, recorded once, and the agent's retries (both protocol eras, both replicas) must
 * follow that decision: a declined delete never runs, a confirmed one runs once.
 * Run: DATABASE_URL=postgres://postgres@127.0.0.1:54329/postgres bun test test/security/pg-attack-decisions.test.ts
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  agentTokens,
  csrfOn,
  onPostgres,
  query,
  signInVia,
  usePair,
  waitingFor,
} from '../replicas/support.ts';
import { type AnyClient, call, connectV1, connectV2 } from '../support/mcp.ts';

setDefaultTimeout(180_000);

const ROUNDS = 4;

const events = (rows: unknown) => (rows as { event: string }[]).map((r) => r.event);

describe.skipIf(!onPostgres)('PostgreSQL attack — one decision taken on both replicas at once', () => {
  const pair = usePair();

  test(`a grant approved in A’s console while denied in B’s (${ROUNDS} rounds) — one decision, recorded once, seen alike on both`, async () => {
    const { a, b } = pair;
    const tokens = await agentTokens(pair, 'member@demo.test');
    const onA = await connectV1(a.url, tokens.access_token);
    const onB = await connectV2(b.url, tokens.access_token, 'auto');
    // The same admin signed in once; the cookie is shared by both replicas (one site).
    const admin = await signInVia(a.url, 'admin@demo.test', pair.browser());
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const asked = await call(round % 2 ? onB : onA, 'request_elevated_access', {
          kind: 'session',
          level: 'read',
          providers: ['linear'],
          reason: `Race round ${round}`,
        });
        expect(asked.isError).toBe(false);
        const id = asked.structured!.request_id as string;
        const [csrfA, csrfB] = await Promise.all([csrfOn(admin, a.url), csrfOn(admin, b.url)]);
        const [approved, denied] = await Promise.all([
          admin.post(`${a.url}/approvals/${id}/approve`, {
            _csrf: csrfA,
            providers: 'linear',
            level: 'read',
          }),
          admin.post(`${b.url}/approvals/${id}/deny`, { _csrf: csrfB, reason: 'raced' }),
        ]);
        await Promise.all([approved.arrayBuffer(), denied.arrayBuffer()]);
        const [fromA, fromB] = await Promise.all([
          call(onA, 'check_access_request', { request_id: id }),
          call(onB, 'check_access_request', { request_id: id }),
        ]);
        const status = fromA.structured?.status;
        expect(['approved', 'denied']).toContain(status as string);
        expect(fromB.structured?.status).toBe(status);
        const decided = events(
          await query(
            pair,
            (sql) => sql`SELECT event FROM audit_entries
              WHERE event IN ('grant.approved', 'grant.denied') AND details LIKE ${`%${id}%`} ORDER BY seq`,
          ),
        );
        expect(decided).toEqual([status === 'approved' ? 'grant.approved' : 'grant.denied']);
        // The losing form post did not claim success: exactly one answer is the redirect of a decision.
        expect([approved.status, denied.status].filter((s) => s === 303).length).toBe(1);
      }
    } finally {
      await Promise.allSettled([onA.close(), onB.close()]);
    }
  });

  test(`a delete confirmed in A’s console while declined in B’s (${ROUNDS} rounds), retried from both replicas in both eras — declined never runs, confirmed runs once`, async () => {
    const { a, b } = pair;
    const admin = await signInVia(b.url, 'admin@demo.test', pair.browser());
    const toggle = async (value: 'on' | 'off') => {
      const res = await admin.post(`${b.url}/settings/toggle`, {
        _csrf: await csrfOn(admin, b.url, '/settings'),
        setting: 'destructiveNeedsPerson',
        value,
      });
      expect(res.status).toBe(303);
    };
    const tokens = await agentTokens(pair, 'member@demo.test');
    const callers: AnyClient[] = [
      await connectV1(a.url, tokens.access_token),
      await connectV2(a.url, tokens.access_token, 'auto'),
      await connectV1(b.url, tokens.access_token),
      await connectV2(b.url, tokens.access_token, 'auto'),
    ];
    const member = await signInVia(a.url, 'member@demo.test', pair.browser());
    await toggle('on');
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const name = `Decision Race ${round}`;
        const created = await call(callers[0]!, 'create_workos_organization', { name });
        const orgId = (created.structured!.organization as { id: string }).id;
        const asked = await call(callers[round % 4]!, 'delete_organization', { organization_id: orgId });
        expect(asked.text).toContain('cannot ask them directly');
        const id = waitingFor(await (await member.fetch(`${a.url}/approvals`)).text(), name);
        expect(id).toBeTruthy();
        const [csrfA, csrfB] = await Promise.all([csrfOn(member, a.url), csrfOn(member, b.url)]);
        const answers = await Promise.all([
          member.post(`${a.url}/approvals/confirmations/${id}/confirm`, { _csrf: csrfA }),
          member.post(`${b.url}/approvals/confirmations/${id}/decline`, { _csrf: csrfB }),
        ]);
        await Promise.all(answers.map((r) => r.arrayBuffer()));
        const recorded = events(
          await query(
            pair,
            (sql) => sql`SELECT event FROM audit_entries
              WHERE event IN ('confirmation.confirmed', 'confirmation.declined') AND details LIKE ${`%${orgId}%`}`,
          ),
        );
        expect(recorded).toHaveLength(1);

        // Every caller retries the exact call at once, four times each.
        const retries = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            call(callers[i % 4]!, 'delete_organization', { organization_id: orgId }),
          ),
        );
        const deleted = retries.filter((o) => o.structured?.status === 'deleted');
        expect([recorded[0], deleted.length]).toEqual([
          recorded[0],
          recorded[0] === 'confirmation.confirmed' ? 1 : 0,
        ]);
        const listed = await call(callers[0]!, 'list_workos_organizations', { limit: 100 });
        expect(listed.text.includes(orgId)).toBe(recorded[0] !== 'confirmation.confirmed');
      }
    } finally {
      await toggle('off');
      await Promise.allSettled(callers.map((c) => c.close()));
    }
  });
});
