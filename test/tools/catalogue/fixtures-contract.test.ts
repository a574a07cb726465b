/**
 * The embedded WorkOS's catalogue fixtures (src/emulator/fixtures/catalogue/) answer as the API
 * documents: @workos-inc/node's own methods — which send the documented method and body and parse
 * the answer with the SDK's deserialisers — work against them, and refuse as WorkOS does (404).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { NotFoundException, UnprocessableEntityException, type WorkOS } from '@workos-inc/node';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let w: WorkOS;

beforeAll(async () => {
  gh = await startTestGatehouse();
  w = teamWorkOS(gh);
  await w.post('/authorization/permissions', { slug: 'contract:read', name: 'Contract read' });
});
afterAll(async () => {
  await gh?.stop();
});

describe('catalogue fixtures — SDK contract', () => {
  test('updateEnvironmentRole (PATCH) and setEnvironmentRolePermissions (PUT) — the SDK parses the role, permissions included', async () => {
    await w.authorization.createEnvironmentRole({ slug: 'contract-role', name: 'Contract' });
    const renamed = await w.authorization.updateEnvironmentRole('contract-role', { name: 'Contract Role' });
    expect(renamed).toMatchObject({ slug: 'contract-role', name: 'Contract Role', permissions: [] });
    const set = await w.authorization.setEnvironmentRolePermissions('contract-role', {
      permissions: ['contract:read'],
    });
    expect(set).toMatchObject({ slug: 'contract-role', permissions: ['contract:read'] });
    expect((await w.authorization.getEnvironmentRole('contract-role')).permissions).toEqual([
      'contract:read',
    ]);
    const listed = await w.authorization.listEnvironmentRoles();
    expect(listed.data.find((r) => r.slug === 'contract-role')?.permissions).toEqual(['contract:read']);
  });

  test('updateOrganizationRole (PATCH) — the SDK parses the organization role', async () => {
    const org = await w.organizations.createOrganization({ name: 'Contract Roles Co' });
    await w.authorization.createOrganizationRole(org.id, { slug: 'org-contract', name: 'Org Contract' });
    const updated = await w.authorization.updateOrganizationRole(org.id, 'org-contract', {
      description: 'Kept',
    });
    expect(updated).toMatchObject({ slug: 'org-contract', description: 'Kept', permissions: [] });
  });

  // The reference documents `retention_period_in_days` (30 or 365) both ways
  // (https://workos.com/docs/reference/audit-logs/retention); @workos-inc/node 11's update method
  // sends `retention_period` ("1_MONTH"…"10_YEARS") instead, so the documented body is sent raw
  // and the answer read with the SDK's own getter.
  test('audit log retention — the documented field both ways, 365 by default; the SDK’s getter parses it', async () => {
    const org = await w.organizations.createOrganization({ name: 'Contract Retention Co' });
    expect(await w.auditLogs.getOrganizationAuditLogsRetention({ id: org.id })).toEqual({
      retentionPeriodInDays: 365,
    });
    const set = await w.put(`/organizations/${org.id}/audit_logs_retention`, {
      retention_period_in_days: 30,
    });
    expect(set.data).toEqual({ retention_period_in_days: 30 });
    expect(await w.auditLogs.getOrganizationAuditLogsRetention({ id: org.id })).toEqual({
      retentionPeriodInDays: 30,
    });
    await expect(
      w.put(`/organizations/${org.id}/audit_logs_retention`, { retention_period_in_days: 90 }),
    ).rejects.toBeInstanceOf(UnprocessableEntityException);
    await expect(w.auditLogs.getOrganizationAuditLogsRetention({ id: 'org_01NOPE' })).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  test('refusals — an unknown role or flag is a 404 the SDK raises as NotFoundException', async () => {
    await expect(w.authorization.updateEnvironmentRole('no-such-role', { name: 'X' })).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(
      w.authorization.setEnvironmentRolePermissions('no-such-role', { permissions: [] }),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(w.featureFlags.enableFeatureFlag('no-such-flag')).rejects.toBeInstanceOf(NotFoundException);
    await expect(w.featureFlags.disableFeatureFlag('no-such-flag')).rejects.toBeInstanceOf(NotFoundException);
  });

  test('refusals — set permissions without a list is WorkOS’s 422 naming the field', async () => {
    const r = await w.put('/authorization/roles/contract-role/permissions', {}).catch((e: unknown) => e);
    expect(r).toMatchObject({ status: 422 });
  });
});

describe('audit log schemas — SDK contract', () => {
  test('createSchema and listSchemas — the SDK parses the documented audit_log_schema, versions counted per action', async () => {
    const first = await w.auditLogs.createSchema({
      action: 'contract.viewed_invoice',
      actor: { metadata: { role: 'string' } },
      targets: [{ type: 'invoice', metadata: { cost: 'number' } }],
    });
    expect(first).toMatchObject({
      object: 'audit_log_schema',
      version: 1,
      targets: [{ type: 'invoice', metadata: { cost: 'number' } }],
      actor: { metadata: { role: 'string' } },
    });
    const second = await w.auditLogs.createSchema({
      action: 'contract.viewed_invoice',
      targets: [{ type: 'invoice' }],
    });
    expect(second.version).toBe(2);
    const listed = await w.auditLogs.listSchemas('contract.viewed_invoice');
    expect(listed.data.map((s) => s.version)).toEqual([2, 1]);
    const actions = (
      await w.get<{ data: { name: string }[] }>('/audit_logs/actions', { query: { limit: 100 } })
    ).data;
    expect(actions.data.map((a) => a.name)).toContain('contract.viewed_invoice');
  });

  test('refusals — schemas of an unknown action are a 404; a schema without targets is a 422', async () => {
    await expect(w.auditLogs.listSchemas('contract.never_seen')).rejects.toBeInstanceOf(NotFoundException);
    await expect(w.post('/audit_logs/actions/contract.bad/schemas', { targets: [] })).rejects.toBeInstanceOf(
      UnprocessableEntityException,
    );
  });
});

describe('user identities — SDK contract', () => {
  test('getUserIdentities — the SDK maps the documented array; an unknown user is a 404', async () => {
    const user = await w.userManagement.createUser({ email: 'contract-ids@catalogue.test' });
    expect(await w.userManagement.getUserIdentities(user.id)).toEqual([]);
    await expect(w.userManagement.getUserIdentities('user_01NOPE')).rejects.toBeInstanceOf(NotFoundException);
  });
});
