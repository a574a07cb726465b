/**
 * The catalogue's Admin Portal links, Pipes reads and Radar detections through a real MCP client
 * on the embedded WorkOS (the other areas: areas.test.ts).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { WorkOS } from '@workos-inc/node';
import type { AnyClient } from '../../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../../support/server.ts';
import { connectPeople, data, type Row, result, run } from './support.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let admin: AnyClient;
let member: AnyClient;
let w: WorkOS;

beforeAll(async () => {
  gh = await startTestGatehouse();
  [admin, member] = await connectPeople(gh, 'admin', 'member');
  w = teamWorkOS(gh);
});
afterAll(async () => {
  await Promise.all([admin?.close(), member?.close()]);
  await gh?.stop();
});

describe('admin_portal', () => {
  test('admin_portal.generate_link — a Directory Sync link for a member, as generate_admin_portal_link makes it', async () => {
    const org = await w.organizations.createOrganization({ name: 'Catalogue Portal Co' });
    const r = await run(member, 'mutate', 'admin_portal.generate_link', {
      organization_id: org.id,
      intent: 'dsync',
    });
    expect(r.isError).toBe(false);
    expect(result(r)).toMatchObject({ organization_id: org.id, intent: 'dsync', expires_in_seconds: 300 });
    expect(String(result(r).link)).toStartWith('http');
  });

  test('admin_portal.generate_link — an SSO link changes sign-in: refused to a member, confirmed by a human for an admin', async () => {
    const org = await w.organizations.createOrganization({ name: 'Catalogue Portal SSO Co' });
    const params = { organization_id: org.id, intent: 'sso' };
    const m = await run(member, 'mutate', 'admin_portal.generate_link', params);
    expect(m.isError).toBe(true);
    expect(m.text).toContain('only a Gatehouse team admin (gatehouse:admin) may do that');

    const first = await run(admin, 'mutate', 'admin_portal.generate_link', params);
    expect(first.isError).toBe(true);
    expect(first.text).toContain('Nothing was changed yet');
    const token = /confirmation_token "([^"]+)"/.exec(first.text)?.[1];
    expect(token).toBeDefined();
    const done = await run(admin, 'mutate', 'admin_portal.generate_link', params, {
      confirmation_token: token,
    });
    expect(done.isError).toBe(false);
    expect(result(done)).toMatchObject({ intent: 'sso', organization_id: org.id });
  });

  test('admin_portal.generate_link — certificate renewal without a SAML connection gets the named tool’s refusal', async () => {
    const org = await w.organizations.createOrganization({ name: 'Catalogue No SAML Co' });
    const first = await run(admin, 'mutate', 'admin_portal.generate_link', {
      organization_id: org.id,
      intent: 'certificate_renewal',
    });
    const token = /confirmation_token "([^"]+)"/.exec(first.text)?.[1];
    const r = await run(
      admin,
      'mutate',
      'admin_portal.generate_link',
      { organization_id: org.id, intent: 'certificate_renewal' },
      { confirmation_token: token },
    );
    expect(r.isError).toBe(true);
    expect(r.text).toContain('has no SAML connection');
  });
});

describe('pipes', () => {
  test('pipes.list_data_providers — a user’s data integrations, each with its connected account or none', async () => {
    const users = await w.userManagement.listUsers({ limit: 1 });
    const r = await run(member, 'query', 'pipes.list_data_providers', { user_id: users.data[0]!.id });
    expect(r.isError).toBe(false);
    expect(Array.isArray(data(r))).toBe(true);
  });

  test('pipes.list_data_providers — an unknown user is WorkOS’s 404', async () => {
    const r = await run(member, 'query', 'pipes.list_data_providers', { user_id: 'user_01NOBODY' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
  });
});

describe('radar', () => {
  test('radar.get_detection — the detection a radar_risk_detected event names, with where it came from', async () => {
    const events = await run(member, 'query', 'events.list', {
      events: ['authentication.radar_risk_detected'],
      limit: 10,
    });
    const named = data(events).map((e) => (e.data as Row).radar_detection_id as string);
    expect(named.length).toBeGreaterThan(0);
    const r = await run(member, 'query', 'radar.get_detection', { id: named[0] });
    expect(r.isError).toBe(false);
    expect(result(r)).toMatchObject({ object: 'radar_detection', id: named[0] });
    expect(result(r).ip_address).toBeDefined();
  });

  test('radar.get_detection — an unknown detection is WorkOS’s 404', async () => {
    const r = await run(member, 'query', 'radar.get_detection', { id: 'detection_01NOPE' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
  });
});
