/**
 * The hosted WorkOS MCP's example prompts (seeds/000 "Example prompts"), served end to end in
 * local mode by real MCP clients through the full OAuth flow (issue 19 "Done when"). Where the
 * other prompts are proven:
 *
 * - "Brand your sign-in page from a screenshot": not possible, said exactly with the dashboard
 *   link — branding-and-tool-count.test.ts;
 * - "Help me understand why org_123 is having trouble signing in with SSO": sso.test.ts
 *   (diagnose_sso_sign_in);
 * - "Set up a new organization for Acme Corp and invite everyone in acme_employees.csv":
 *   users-bulk.test.ts (create_workos_organization, then bulk_invite_users);
 * - "Show me recent suspicious sign-in attempts and where they came from":
 *   suspicious-sign-ins.test.ts;
 * - "List every organization with a draft SSO connection, and flag any directories that haven't
 *   synced in 24 hours": audit.test.ts (audit_configuration).
 *
 * This file serves the two whose exact wording no other test follows: inviting as an *admin*, and
 * a Datadog stream *for production* (the session switched there first, as seeds/000 "Environment
 * scope" requires).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { WorkOS } from '@workos-inc/node';
import { type AnyClient, call, connectV1, connectV2, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let admin: AnyClient;
let member: AnyClient;
let viewer: AnyClient;
let w: WorkOS;

type Row = Record<string, unknown>;

beforeAll(async () => {
  gh = await startTestGatehouse();
  const adminToken = (await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' }))
    .access_token;
  [admin, member, viewer] = await Promise.all([
    connectV1(gh.url, adminToken),
    tokensFor(gh.url, 'member@demo.test').then((t) => connectV2(gh.url, t.access_token, 'auto')),
    tokensFor(gh.url, 'viewer@demo.test').then((t) => connectV1(gh.url, t.access_token)),
  ]);
  w = teamWorkOS(gh);
});
afterAll(async () => {
  await Promise.all([admin?.close(), member?.close(), viewer?.close()]);
  await gh?.stop();
});

const orgId = async (name: string) =>
  (await w.organizations.listOrganizations({ limit: 100 })).data.find((o) => o.name === name)!.id;

describe('seeds/000 "Manage a user": Invite bob@example.com to org_123 as an admin', () => {
  test('invite_user — bob@example.com is invited to the organization with the admin role, and list_invitations shows it pending', async () => {
    const org = await orgId('Initech');
    const r = await call(member, 'invite_user', {
      email: 'bob@example.com',
      organization_id: org,
      role_slug: 'admin',
    });
    expect(r.isError).toBe(false);
    expect(r.structured?.invitation).toMatchObject({
      email: 'bob@example.com',
      state: 'pending',
      role_slug: 'admin',
      organization_id: org,
    });
    expect(r.text).toContain('Invited bob@example.com to Initech as admin');
    const listed = await call(member, 'list_invitations', { organization_id: org, email: 'bob@example.com' });
    expect(((listed.structured?.invitations ?? []) as Row[]).map((i) => [i.role_slug, i.state])).toEqual([
      ['admin', 'pending'],
    ]);
  });

  test('invite_user — asked again, the pending invitation is reported instead of a second email; a viewer’s agent may not invite', async () => {
    const org = await orgId('Initech');
    const again = await call(member, 'invite_user', {
      email: 'bob@example.com',
      organization_id: org,
      role_slug: 'admin',
    });
    expect(again.isError).toBe(true);
    expect(again.text).toContain('already has a pending invitation to Initech');
    const byViewer = await call(viewer, 'invite_user', {
      email: 'carl@example.com',
      organization_id: org,
      role_slug: 'admin',
    });
    expect(byViewer.isError).toBe(true);
    expect(byViewer.text).toContain('workos:write');
    const pending = await w.userManagement.listInvitations({ email: 'carl@example.com' });
    expect(pending.data).toEqual([]);
  });
});

describe('seeds/000 "Stream audit logs": Set up a Datadog audit log stream for our production environment', () => {
  test('production first, then one call: WorkOS sets streams up only in the Admin Portal, so the answer says so and hands the log_streams link', async () => {
    // Sandbox is the default; production only once the session switches there.
    const refused = await call(admin, 'generate_admin_portal_link', {
      organization_id: 'org_01PRODUCTIONONLY',
      intent: 'log_streams',
      environment: 'production',
    });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('production is used only after switch_environment');

    const switched = await call(admin, 'switch_environment', { environment: 'production' });
    expect(switched.isError).toBe(false);
    try {
      const orgs = await call(admin, 'list_workos_organizations', { limit: 100 });
      expect(orgs.text).toContain('In production:');
      const cyberdyne = ((orgs.structured?.organizations ?? []) as Row[]).find(
        (o) => o.name === 'Cyberdyne Systems',
      )!;
      const r = await call(admin, 'generate_admin_portal_link', {
        organization_id: cyberdyne.id,
        intent: 'log_streams',
      });
      expect(r.isError).toBe(false);
      expect(r.text).toContain('only in the Admin Portal or the WorkOS dashboard, not through its API');
      expect(r.text).toContain('Datadog');
      expect(String(r.structured?.link)).toContain('log_streams');
      expect(r.structured).toMatchObject({ organization_name: 'Cyberdyne Systems', intent: 'log_streams' });

      // An organization of production without an audit log trail: told why, and what to do first.
      const tyrell = ((orgs.structured?.organizations ?? []) as Row[]).find(
        (o) => o.name === 'Tyrell Corporation',
      )!;
      const none = await call(admin, 'generate_admin_portal_link', {
        organization_id: tyrell.id,
        intent: 'log_streams',
      });
      expect(none.isError).toBe(true);
      expect(none.text).toContain('log streams send Audit Log events to a SIEM');
      expect(none.text).not.toContain('adminportal');
    } finally {
      await call(admin, 'switch_environment', { environment: 'sandbox' });
    }
  });

  test('a member without production access cannot switch there, so no production link is made for them', async () => {
    const r = await call(member, 'generate_admin_portal_link', {
      organization_id: await orgId('Acme Corp'),
      intent: 'log_streams',
      environment: 'production',
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('production');
    expect(r.text).not.toContain('log_streams?');
  });
});
