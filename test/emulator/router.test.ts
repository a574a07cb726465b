/**
 * The key router: one origin in front of every embedded environment, the key presented (bearer
 * or client_secret) selecting the environment, everything else going to the identity
 * environment, and URLs the environments hand out pointing back at the router.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { NotFoundException, UnauthorizedException } from '@workos-inc/node';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { AUDIT_LOG_CSV_COLUMNS } from '../../src/emulator/fixtures/audit-log-csv.ts';
import type { EmbeddedWorkOS } from '../../src/emulator/index.ts';
import { createWorkOSClient, targetForEmbedded } from '../../src/workos/client.ts';
import { seedLookups, startTestSuite, type TestSuite } from '../support/embedded-workos.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let s: TestSuite;

beforeAll(async () => {
  s = await startTestSuite();
});

afterAll(async () => {
  await s?.close();
});

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const demoSandbox = () => s.suite.teams[0]?.sandbox as EmbeddedWorkOS;
const direct = (e: EmbeddedWorkOS) => createWorkOSClient(targetForEmbedded(e), { maxRetries: 0 });
const names = (list: { data: { name: string }[] }) => list.data.map((o) => o.name).sort();

/** An AuthKit authorization code for `email`, issued by `base` (the router or one front). */
async function authorizationCode(base: string, clientId: string, email: string): Promise<string> {
  const query = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    provider: 'authkit',
    login_hint: email,
    state: 'st',
  });
  const res = await fetch(`${base}/user_management/authorize?${query}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code');
  if (!code) throw new Error(`no code in ${res.headers.get('location')}`);
  return code;
}

test('router — each key lists its own environment’s organizations', async () => {
  for (const e of s.suite.all) {
    const through = await s.client(e.apiKey).organizations.listOrganizations({ limit: 100 });
    const own = await direct(e).organizations.listOrganizations({ limit: 100 });
    expect(`${e.name}: ${names(through).join(', ')}`).toBe(`${e.name}: ${names(own).join(', ')}`);
  }
  expect(
    names(await s.client('sk_test_gatehouse_labs_production_5a9c').organizations.listOrganizations()),
  ).toEqual(['Aperture Science', 'Massive Dynamic']);
});

test('router — concurrent requests with different keys each reach their own environment', async () => {
  const expected = new Map<string, string>();
  for (const e of s.suite.all) {
    expected.set(e.apiKey, names(await direct(e).organizations.listOrganizations({ limit: 100 })).join(','));
  }
  const keys = Array.from({ length: 40 }, (_, i) => s.suite.all[i % s.suite.all.length]?.apiKey ?? '');
  const answers = await Promise.all(
    keys.map(async (key) => [
      key,
      names(await s.client(key).organizations.listOrganizations({ limit: 100 })).join(','),
    ]),
  );
  for (const [key, got] of answers) expect(got).toBe(expected.get(key ?? '') ?? 'missing');
});

test('router — an unknown key is a 401 from the identity environment, as WorkOS answers', async () => {
  await expect(s.client('sk_test_nobody').organizations.listOrganizations()).rejects.toBeInstanceOf(
    UnauthorizedException,
  );
  const res = await fetch(`${s.router.url}/directories`);
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({ message: 'Unauthorized', code: 'unauthorized' });
});

test('router — error answers come back whole: status, WorkOS body, request id', async () => {
  const error = await s
    .client(demoSandbox().apiKey)
    .organizations.getOrganization('org_does_not_exist')
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NotFoundException);
  const res = await fetch(`${s.router.url}/organizations?limit=1000`, {
    headers: { authorization: `Bearer ${demoSandbox().apiKey}` },
  });
  expect(res.status).toBe(422);
  expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  expect(((await res.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe('limit');
});

test('router — the JWKS, asked without a key, is the identity environment’s (emulator key and front key)', async () => {
  const { identity } = s.suite;
  const path = `/sso/jwks/${identity.clientId}`;
  const through = (await (await fetch(`${s.router.url}${path}`)).json()) as { keys: { kid: string }[] };
  const own = (await (await fetch(`${identity.url}${path}`)).json()) as { keys: { kid: string }[] };
  const managed = (await (await fetch(`${demoSandbox().url}${path}`)).json()) as { keys: { kid: string }[] };
  expect(through.keys.map((k) => k.kid)).toEqual(own.keys.map((k) => k.kid));
  expect(through.keys).toHaveLength(2);
  expect(through.keys.map((k) => k.kid)).not.toContain(managed.keys[0]?.kid);
});

test('router — AuthKit sign-in through the one origin: authorize redirect unchanged, code exchanged, token verified', async () => {
  const { identity } = s.suite;
  const workos = s.client(identity.apiKey);
  const url = workos.userManagement.getAuthorizationUrl({
    provider: 'authkit',
    clientId: identity.clientId,
    redirectUri: REDIRECT_URI,
    loginHint: 'member@demo.test',
    state: 'state-r',
  });
  expect(url.startsWith(`${s.router.url}/user_management/authorize?`)).toBe(true);
  const redirect = await fetch(url, { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  const location = new URL(redirect.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
  expect(location.searchParams.get('state')).toBe('state-r');
  const session = await workos.userManagement.authenticateWithCode({
    code: location.searchParams.get('code') ?? '',
    clientId: identity.clientId,
  });
  expect(session.user.email).toBe('member@demo.test');
  const jwks = createRemoteJWKSet(new URL(workos.userManagement.getJwksUrl(identity.clientId)));
  const { payload } = await jwtVerify(session.accessToken, jwks, { issuer: identity.tokenIssuer });
  expect(payload.sub).toBe(session.user.id);
  const unknown = await fetch(
    `${s.router.url}/user_management/authorize?${new URLSearchParams({
      client_id: identity.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      login_hint: 'nobody@demo.test',
      state: 's1',
    })}`,
    { redirect: 'manual' },
  );
  expect(unknown.headers.get('location')).toBe(`${REDIRECT_URI}?error=user_not_found&state=s1`);
});

test('router — client_secret in a JSON body selects the environment when no bearer is sent', async () => {
  const demo = demoSandbox();
  // Alice is a user of the Demo team's sandbox too (a customer of its product), with another id.
  const code = await authorizationCode(demo.url, demo.clientId, 'alice@acme.test');
  const exchange = (secret: string, grantCode: string) =>
    fetch(`${s.router.url}/user_management/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        client_id: demo.clientId,
        client_secret: secret,
        code: grantCode,
      }),
    });
  const res = await exchange(demo.apiKey, code);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { user: { id: string } };
  expect(body.user.id).toBe(await seedLookups(direct(demo)).userId('alice@acme.test'));
  expect(body.user.id).not.toBe(await seedLookups(direct(s.suite.identity)).userId('alice@acme.test'));
  // An unknown secret goes to the identity environment, which refuses it.
  const unknown = await exchange(
    'sk_test_nobody',
    await authorizationCode(demo.url, demo.clientId, 'alice@acme.test'),
  );
  expect(unknown.status).toBe(401);
});

test('router — client_secret in a form body selects the environment too', async () => {
  const post = (secret: string) =>
    fetch(`${s.router.url}/user_management/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_secret: secret, code: 'x' }),
    });
  // The Demo sandbox's front accepts its own key (then the emulator refuses a form body: 400);
  // the identity environment would have refused the key itself (401).
  expect((await post(demoSandbox().apiKey)).status).toBe(400);
  expect((await post('sk_test_nobody')).status).toBe(401);
});

test('router — an audit-log export URL names the router and downloads without a key', async () => {
  const workos = s.client(demoSandbox().apiKey);
  const acme = await seedLookups(workos).orgId('Acme Corp');
  const created = await workos.auditLogs.createExport({
    organizationId: acme,
    rangeStart: new Date(Date.now() - 30 * 24 * 3600_000),
    rangeEnd: new Date(),
  });
  let ready = await workos.auditLogs.getExport(created.id);
  if (ready.state !== 'ready') ready = await workos.auditLogs.getExport(created.id);
  const url = new URL(ready.url ?? '');
  expect(url.origin).toBe(s.router.url);
  const csv = await fetch(url);
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toContain('text/csv');
  const text = await csv.text();
  expect(text.split('\r\n')[0]).toBe(AUDIT_LOG_CSV_COLUMNS.join(','));
  expect(text).toContain('document.updated');
  url.searchParams.set('token', 'guess');
  expect((await fetch(url)).status).toBe(404);
});

test('router — invitation and portal links name the router', async () => {
  const workos = s.client(demoSandbox().apiKey);
  const invitations = await workos.userManagement.listInvitations({ limit: 100 });
  expect(invitations.data.length).toBeGreaterThan(0);
  for (const inv of invitations.data) expect(new URL(inv.acceptInvitationUrl).origin).toBe(s.router.url);
  const org = await seedLookups(workos).orgId('Acme Corp');
  const { link } = await workos.adminPortal.generateLink({ intent: 'sso', organization: org });
  expect(link).toBe(`${s.router.url}/portal/sso/${org}`);
});
