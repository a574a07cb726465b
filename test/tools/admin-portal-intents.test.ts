/**
 * Admin Portal intents WorkOS refuses for an organization (issue 19 §1): certificate renewal
 * without a SAML connection, log streams without an active audit log trail — refused clearly by
 * the tool and, like WorkOS, by the embedded WorkOS
 * (https://workos.com/docs/reference/admin-portal/portal-link/generate,
 * https://workos.com/docs/reference/audit-logs/configuration).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { NotFoundException, UnprocessableEntityException } from '@workos-inc/node';
import { fromWorkOSError } from '../../src/workos/errors.ts';
import { startTestWorkOS, type TestWorkOS } from '../support/embedded-workos.ts';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(60_000);

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );

describe('embedded WorkOS — POST /portal/generate_link and the audit log configuration', () => {
  let t: TestWorkOS;
  let acme: string;
  let initech: string;
  beforeAll(async () => {
    t = await startTestWorkOS('sandbox');
    acme = await t.orgId('Acme Corp'); // OktaSAML, audit log events recorded
    initech = await t.orgId('Initech'); // GenericOIDC only, no audit log events
  });
  afterAll(() => t.close());

  test('certificate_renewal — a link for an organization with a SAML connection, a 422 naming the intent without one', async () => {
    const ok = await t.workos.adminPortal.generateLink({ organization: acme, intent: 'certificate_renewal' });
    expect(ok.link).toContain('certificate_renewal');
    const e = await failure(
      t.workos.adminPortal.generateLink({ organization: initech, intent: 'certificate_renewal' }),
    );
    expect(e).toBeInstanceOf(UnprocessableEntityException);
    const mapped = fromWorkOSError(e, 'generate an Admin Portal link for Initech');
    expect(mapped.code).toBe('invalid_input');
    expect(mapped.fields?.[0]?.field).toBe('intent');
    expect(mapped.fields?.[0]?.message).toContain('certificate_renewal needs a SAML connection');
  });

  test('log_streams — a link where the audit log trail is active, a 422 naming the intent where it is not', async () => {
    expect(
      (await t.workos.adminPortal.generateLink({ organization: acme, intent: 'log_streams' })).link,
    ).toBeTruthy();
    const e = await failure(
      t.workos.adminPortal.generateLink({ organization: initech, intent: 'log_streams' }),
    );
    const mapped = fromWorkOSError(e, 'generate an Admin Portal link for Initech');
    expect(mapped.fields?.[0]?.message).toContain(
      "log_streams needs Audit Logs: the organization's audit log trail is inactive",
    );
  });

  test('an unknown organization is a 404; an intent WorkOS does not document a 422', async () => {
    expect(
      await failure(t.workos.adminPortal.generateLink({ organization: 'org_01NOSUCH', intent: 'sso' })),
    ).toBeInstanceOf(NotFoundException);
    const res = await t.request('/portal/generate_link', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organization: acme, intent: 'branding' }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe('intent');
  });

  test('GET /organizations/:id/audit_log_configuration — the documented shape; an unknown organization is a 404', async () => {
    expect((await t.workos.get(`/organizations/${acme}/audit_log_configuration`)).data).toEqual({
      organization_id: acme,
      retention_period_in_days: 365,
      state: 'active',
    });
    expect((await t.workos.get(`/organizations/${initech}/audit_log_configuration`)).data.state).toBe(
      'inactive',
    );
    expect((await t.request('/organizations/org_01NOSUCH/audit_log_configuration')).status).toBe(404);
  });
});

describe('generate_admin_portal_link — refusals an agent can act on', () => {
  let gh: TestGatehouse;
  let member: AnyClient;
  let admin: AnyClient;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    gh = await startTestGatehouse();
    member = await connectV1(gh.url, (await tokensFor(gh.url, 'member@demo.test')).access_token);
    admin = await connectV1(
      gh.url,
      (await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' })).access_token,
    );
    for (const o of (await teamWorkOS(gh).organizations.listOrganizations({ limit: 100 })).data)
      ids[o.name] = o.id;
  });
  afterAll(async () => {
    await member?.close();
    await admin?.close();
    await gh?.stop();
  });

  test('log_streams for an organization without an active audit log trail — says why and what to use instead, no link', async () => {
    const r = await call(member, 'generate_admin_portal_link', {
      organization_id: ids.Initech,
      intent: 'log_streams',
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain("Error (invalid_input): Initech's audit log trail is inactive");
    expect(r.text).toContain('intent "audit_logs"');
    expect(r.text).not.toContain('/portal/');
    const ok = await call(member, 'generate_admin_portal_link', {
      organization_id: ids['Acme Corp'],
      intent: 'log_streams',
    });
    expect(ok.isError).toBe(false);
  });

  test('certificate_renewal for an organization without a SAML connection — refused before anyone is asked to confirm, naming its connections', async () => {
    const args = { organization_id: ids.Initech, intent: 'certificate_renewal' };
    const r = await call(admin, 'generate_admin_portal_link', args);
    expect(r.isError).toBe(true);
    expect(r.text).not.toContain('confirmation_token');
    expect(r.text).toContain('Initech has no SAML connection (its SSO connections are GenericOIDC)');
    expect(r.text).toContain('Use intent "sso"');
    // With a SAML connection the sign-in change is still confirmed first, as before.
    const acme = await call(admin, 'generate_admin_portal_link', {
      organization_id: ids['Acme Corp'],
      intent: 'certificate_renewal',
    });
    expect(acme.text).toMatch(/confirmation_token "[^"]+"/);
  });

  test('log_streams ("set up a Datadog audit log stream") — one call answers that only the Admin Portal does it, with the link', async () => {
    const r = await call(member, 'generate_admin_portal_link', {
      organization_id: ids['Acme Corp'],
      intent: 'log_streams',
    });
    expect(r.isError).toBe(false);
    expect(r.text).toContain('only in the Admin Portal or the WorkOS dashboard, not through its API');
    expect(r.text).toContain('Datadog');
    expect(String(r.structured?.link)).toContain('log_streams');
    const tools = await member.listTools();
    const desc = tools.tools.find((t) => t.name === 'generate_admin_portal_link')?.description ?? '';
    expect(desc).toContain('audit log stream (Datadog');
  });
});
