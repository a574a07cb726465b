/**
 * The destructive gate through elicitation (docs/architecture.md "The MCP surface and the policy pipeline" step 5): a client that declares
 * `elicitation` is asked directly, the human's answer decides in one call, and no
 * confirmation_token is involved. A client that cannot answer falls back to the token.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';
import { and, eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { CANARY_API_KEY } from '../../src/emulator/seed/canaries.ts';
import { SECRET_CANARIES } from '../../src/emulator/seed/index.ts';
import { call, tokensFor, toolNames } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(30_000);

type Answer = (req: ElicitRequest['params']) => ElicitResult | Promise<ElicitResult>;

/** A v1 client that declares elicitation (bare by default) and answers with whatever `answer` is set to. */
async function connectEliciting(
  base: string,
  token: string,
  elicitation: Record<string, object> = {},
): Promise<{
  client: ClientV1;
  sessionId: () => string;
  asked: ElicitRequest['params'][];
  answer: (a: Answer) => void;
}> {
  const client = new ClientV1(
    { name: 'gatehouse-test-eliciting', version: '1.0.0' },
    { capabilities: { elicitation } },
  );
  const asked: ElicitRequest['params'][] = [];
  let current: Answer = () => ({ action: 'cancel' });
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    asked.push(req.params);
    return current(req.params);
  });
  const transport = new TransportV1(new URL(`${base}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return { client, sessionId: () => transport.sessionId!, asked, answer: (a) => (current = a) };
}

let gh: TestGatehouse;
let human: Awaited<ReturnType<typeof connectEliciting>>;

beforeAll(async () => {
  gh = await startTestGatehouse();
  const { access_token } = await tokensFor(gh.url, 'member@demo.test');
  human = await connectEliciting(gh.url, access_token);
  await toolNames(human.client);
});

afterAll(async () => {
  await human?.client.close().catch(() => {});
  await gh?.stop();
});

const sandbox = () => teamWorkOS(gh);
let n = 0;

/** A throwaway organization with an SSO connection and a member, so there is something to describe. */
async function throwaway(name = `Elicit ${++n}`): Promise<{ id: string; name: string }> {
  const r = await call(human.client, 'create_workos_organization', {
    name,
    domains: [`elicit${n}.test`],
  });
  expect(r.isError).toBe(false);
  const org = r.structured!.organization as { id: string; name: string };
  await sandbox().post('/connections', {
    organization_id: org.id,
    name: `${name} Okta`,
    connection_type: 'OktaSAML',
    domains: [`elicit${n}.test`],
  });
  const [bruce] = (await sandbox().userManagement.listUsers({ email: 'bruce@wayne.test' })).data;
  await sandbox().userManagement.createOrganizationMembership({
    userId: bruce!.id,
    organizationId: org.id,
    roleSlug: 'member',
  });
  return { id: org.id, name: (await sandbox().organizations.getOrganization(org.id)).name };
}

async function exists(id: string): Promise<boolean> {
  try {
    await sandbox().organizations.getOrganization(id);
    return true;
  } catch {
    return false;
  }
}

describe('elicitation', () => {
  test('the session records that the client can be asked', () => {
    const row = gh.ctx.db.select().from(schema.mcpSessions).all().at(-1)!;
    expect(row.capabilities).toMatchObject({ elicitation: {} });
  });

  test('delete_organization — the human is asked what will be destroyed; accept + confirm deletes in one call', async () => {
    const org = await throwaway();
    human.answer(() => ({ action: 'accept', content: { confirm: true } }));
    const before = human.asked.length;
    const r = await call(human.client, 'delete_organization', { organization_id: org.id });

    expect(human.asked).toHaveLength(before + 1);
    const q = human.asked.at(-1)!;
    expect(q.message).toContain(
      `Deleting organization "${org.name}" (${org.id}) in sandbox will also remove 1 SSO connection (${org.name} Okta) and 1 membership.`,
    );
    expect(q.message).toContain('This cannot be undone.');
    const schemaAsked = (
      q as { requestedSchema: { properties: Record<string, { type: string }>; required: string[] } }
    ).requestedSchema;
    expect(schemaAsked.properties.confirm?.type).toBe('boolean');
    expect(schemaAsked.required).toEqual(['confirm']);

    expect(r.isError).toBe(false);
    expect(r.structured).toEqual({ status: 'deleted', deleted: { organization_id: org.id, name: org.name } });
    expect(r.text).not.toContain('confirmation_token');
    expect(await exists(org.id)).toBe(false);
    // No token was minted for this call.
    const pending = gh.ctx.db
      .select()
      .from(schema.confirmations)
      .where(eq(schema.confirmations.tool, 'delete_organization'))
      .all();
    expect(pending).toHaveLength(0);
  });

  test('delete_organization — decline deletes nothing and the result says so', async () => {
    const org = await throwaway();
    human.answer(() => ({ action: 'decline' }));
    const r = await call(human.client, 'delete_organization', { organization_id: org.id });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('Not deleted: the human declined.');
    expect(r.text).toContain(`Deleting organization "${org.name}" (${org.id})`);
    expect(r.text).not.toContain('confirm_');
    expect(await exists(org.id)).toBe(true);
  });

  test('delete_organization — accept without ticking confirm, or cancel, deletes nothing', async () => {
    const org = await throwaway();
    for (const answer of [
      { action: 'accept', content: { confirm: false } },
      { action: 'cancel' },
    ] as ElicitResult[]) {
      human.answer(() => answer);
      const r = await call(human.client, 'delete_organization', { organization_id: org.id });
      expect(r.isError).toBe(true);
      expect(r.text).toContain('Not deleted: the human declined.');
      expect(await exists(org.id)).toBe(true);
    }
  });

  test('delete_organization — a client that fails to answer falls back to the confirmation token', async () => {
    const org = await throwaway();
    human.answer(() => {
      throw new Error('the human closed the dialog');
    });
    const r = await call(human.client, 'delete_organization', { organization_id: org.id });
    expect(r.isError).toBe(false);
    expect(r.structured?.status).toBe('confirmation_required');
    expect(await exists(org.id)).toBe(true);
    // The token path still works for this client.
    const done = await call(human.client, 'delete_organization', {
      organization_id: org.id,
      confirmation_token: r.structured!.confirmation_token as string,
    });
    expect(done.structured?.status).toBe('deleted');
    expect(await exists(org.id)).toBe(false);
  });

  test('the question passes the secret filter like any answer', async () => {
    // Somebody pasted a key into an organization name in WorkOS.
    const org = await throwaway(`Leaky ${CANARY_API_KEY}`);
    human.answer(() => ({ action: 'decline' }));
    const r = await call(human.client, 'delete_organization', { organization_id: org.id });
    const q = human.asked.at(-1)!;
    const asked = JSON.stringify(q);
    for (const c of SECRET_CANARIES) {
      expect(asked).not.toContain(c);
      expect(r.text).not.toContain(c);
    }
    expect(q.message).toContain('Leaky [redacted: secret]');
    expect(await exists(org.id)).toBe(true);
  });

  test('accepted and declined answers are audited', () => {
    const rows = gh.ctx.db
      .select()
      .from(schema.auditEntries)
      .where(
        and(eq(schema.auditEntries.event, 'tool.call'), eq(schema.auditEntries.tool, 'delete_organization')),
      )
      .all();
    const outcomes = rows.map((r) => `${r.outcome}:${r.reason ?? ''}`);
    expect(outcomes).toContain('allowed:');
    expect(outcomes).toContain('denied:confirmation_declined');
  });
});

describe('elicitation modes (MCP 2025-11-25)', () => {
  test('a bare `elicitation: {}` is form mode only; `{ form, url }` is both', async () => {
    expect(gh.mcp.sessions.state(human.sessionId())).toMatchObject({
      supportsElicitation: true,
      supportsUrlElicitation: false,
    });
    const { access_token } = await tokensFor(gh.url, 'member@demo.test');
    const both = await connectEliciting(gh.url, access_token, { form: {}, url: {} });
    try {
      expect(gh.mcp.sessions.state(both.sessionId())).toMatchObject({
        supportsElicitation: true,
        supportsUrlElicitation: true,
      });
    } finally {
      await both.client.close();
    }
  });

  test('a client declaring only URL elicitation is never asked a form: a delete answers with a token, an approval link comes as a URL', async () => {
    const { access_token } = await tokensFor(gh.url, 'member@demo.test');
    const urlOnly = await connectEliciting(gh.url, access_token, { url: {} });
    try {
      expect(gh.mcp.sessions.state(urlOnly.sessionId())).toMatchObject({
        supportsElicitation: false,
        supportsUrlElicitation: true,
      });
      urlOnly.answer(() => ({ action: 'accept' }));
      const org = await throwaway();
      const r = await call(urlOnly.client, 'delete_organization', { organization_id: org.id });
      expect(r.isError).toBe(false);
      expect(r.structured?.status).toBe('confirmation_required');
      expect(await exists(org.id)).toBe(true);

      const req = await call(urlOnly.client, 'request_elevated_access', {
        kind: 'session',
        level: 'read',
        providers: ['github'],
        reason: 'url-only client',
      });
      expect(req.isError).toBe(false);
      expect(urlOnly.asked.map((q) => q.mode)).toEqual(['url']);
      expect((urlOnly.asked[0] as { url: string }).url).toContain('/approvals/');
    } finally {
      await urlOnly.client.close();
    }
  });
});
