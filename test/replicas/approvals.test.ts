/**
 * Two replicas, one PostgreSQL (issue 15): grants and confirmations live in the database. A
 * request made through replica A is decided in replica B's console and the call then goes through
 * on A; one confirmation token raced by 100 callers split across both replicas is spent once.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { AnyClient } from '../support/mcp.ts';
import { call, connectV1, connectV2, type ToolOutcome } from '../support/mcp.ts';
import { agentTokens, csrfOn, onPostgres, query, signInVia, usePair, waitingFor } from './support.ts';

setDefaultTimeout(120_000);

const CONSUMERS = 100;

describe.skipIf(!onPostgres)('two replicas on PostgreSQL — approvals and single use', () => {
  const pair = usePair();

  test('grant — requested through A, approved in B’s console (CSRF form post): A sees it approved', async () => {
    const { a, b } = pair;
    const tokens = await agentTokens(pair, 'member@demo.test');
    const agent = await connectV1(a.url, tokens.access_token);
    try {
      const asked = await call(agent, 'request_elevated_access', {
        kind: 'session',
        level: 'read',
        providers: ['linear'],
        reason: 'Triage my issues across replicas',
      });
      expect(asked.isError).toBe(false);
      const id = asked.structured!.request_id as string;
      const link = new URL(asked.structured!.approval_url as string);
      expect(link.origin).toBe(pair.publicUrl);

      const admin = await signInVia(b.url, 'admin@demo.test', pair.browser());
      const page = await admin.fetch(`${b.url}${link.pathname}${link.search}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(`data-grant="${id}"`);
      const approved = await admin.post(`${b.url}/approvals/${id}/approve`, {
        _csrf: await csrfOn(admin, b.url),
        providers: 'linear',
        level: 'read',
      });
      expect(approved.status).toBe(303);

      const check = await call(agent, 'check_access_request', { request_id: id });
      expect(check.isError).toBe(false);
      expect(check.structured).toMatchObject({ status: 'approved', providers: ['linear'], level: 'read' });
    } finally {
      await agent.close();
    }
  });

  test('deletions need a person — a delete asked through A, confirmed in B’s console: the exact retry on A deletes', async () => {
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
    const agent = await connectV1(a.url, tokens.access_token);
    await toggle('on');
    try {
      const created = await call(agent, 'create_workos_organization', { name: 'Replica Needs A Person' });
      expect(created.isError).toBe(false);
      const orgId = (created.structured!.organization as { id: string }).id;
      // The setting, changed on B, holds on A: the agent cannot confirm, a person must.
      const asked = await call(agent, 'delete_organization', { organization_id: orgId });
      expect(asked.isError).toBe(true);
      expect(asked.text).toContain('cannot ask them directly');
      expect(asked.text).toContain(`${pair.publicUrl}/approvals`);

      const member = await signInVia(b.url, 'member@demo.test', pair.browser());
      const list = await member.fetch(`${b.url}/approvals`);
      const id = waitingFor(await list.text(), 'Replica Needs A Person');
      expect(id).toBeTruthy();
      const confirmed = await member.post(`${b.url}/approvals/confirmations/${id}/confirm`, {
        _csrf: await csrfOn(member, b.url),
      });
      expect(confirmed.status).toBe(303);

      const deleted = await call(agent, 'delete_organization', { organization_id: orgId });
      expect(deleted.isError).toBe(false);
      const again = await call(agent, 'list_workos_organizations', { limit: 100 });
      expect(again.text).not.toContain(orgId);
    } finally {
      await toggle('off');
      await agent.close();
    }
  });

  test(`confirmation token — ${CONSUMERS} concurrent uses split across A and B: exactly one deletes`, async () => {
    const { a, b } = pair;
    const tokens = await agentTokens(pair, 'member@demo.test');
    const first = await connectV1(a.url, tokens.access_token);
    const created = await call(first, 'create_workos_organization', { name: 'Replica Race Target' });
    expect(created.isError).toBe(false);
    const orgId = (created.structured!.organization as { id: string }).id;
    const asked = await call(first, 'delete_organization', { organization_id: orgId });
    expect(asked.structured?.status).toBe('confirmation_required');
    const confirmation = asked.structured!.confirmation_token as string;
    expect(confirmation).toStartWith('confirm_');

    // Callers on both replicas, in both eras: 2025-era sessions and stateless 2026-07-28 clients.
    const callers: AnyClient[] = [first];
    for (const base of [a.url, b.url]) {
      for (let i = 0; i < 3; i++) callers.push(await connectV1(base, tokens.access_token));
      callers.push(await connectV2(base, tokens.access_token, 'auto'));
    }
    const onA = callers.filter((_, i) => i < 5);
    const onB = callers.filter((_, i) => i >= 5);
    try {
      const outcomes = await Promise.all(
        Array.from({ length: CONSUMERS }, (_, i) => {
          const side = i % 2 === 0 ? onA : onB;
          const client = side[Math.floor(i / 2) % side.length]!;
          return call(client, 'delete_organization', {
            organization_id: orgId,
            confirmation_token: confirmation,
          });
        }),
      );
      const succeeded = outcomes.filter((o) => o.structured?.status === 'deleted');
      expect(succeeded).toHaveLength(1);
      const refused = outcomes.filter((o: ToolOutcome) => o.structured?.status !== 'deleted');
      expect(refused).toHaveLength(CONSUMERS - 1);
      for (const o of refused) {
        expect(o.isError).toBe(true);
        expect(o.text).toContain('That confirmation_token was already used.');
      }
      // The trail agrees: one consumption, one allowed delete, the others refused as used.
      const rows = await query(
        pair,
        (sql) => sql`SELECT event, outcome, reason FROM audit_entries
          WHERE tool = 'delete_organization' AND args LIKE ${`%${orgId}%`} ORDER BY seq`,
      );
      const of = (pred: (r: { event: string; outcome: string; reason: string | null }) => boolean) =>
        (rows as { event: string; outcome: string; reason: string | null }[]).filter(pred).length;
      expect(of((r) => r.event === 'confirmation.consumed')).toBe(1);
      expect(of((r) => r.event === 'tool.call' && r.outcome === 'allowed')).toBe(1);
      expect(of((r) => r.event === 'tool.call' && r.reason === 'confirmation_invalid')).toBe(CONSUMERS - 1);
    } finally {
      await Promise.allSettled(callers.map((c) => c.close()));
    }
  });
});
