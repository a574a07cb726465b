/**
 * The sign-in path Gatehouse relies on (docs/architecture.md "Trust model"), in the identity environment: authorize with
 * login_hint and PKCE, exchange the code, then switch to a team with
 * authenticateWithRefreshToken({ organizationId }) and read role + permissions from the
 * org-scoped access token, verified against the JWKS.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { CUSTOMER_ADMIN, SEEDED_ACCOUNTS } from '../../src/emulator/index.ts';
import { SEED_ROLES } from '../../src/emulator/seed/index.ts';
import { startTestWorkOS, type TestWorkOS } from '../support/embedded-workos.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let t: TestWorkOS;

beforeAll(async () => {
  t = await startTestWorkOS('identity');
});

afterAll(async () => {
  await t.close();
});

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** Signs in as `email` and returns the claims of a token scoped to the team named `teamName`. */
async function orgScopedClaims(email: string, teamName: string) {
  const { workos, embedded } = t;
  const { codeVerifier, codeChallenge } = await workos.pkce.generate();
  const authorizeUrl = workos.userManagement.getAuthorizationUrl({
    provider: 'authkit',
    clientId: embedded.clientId,
    redirectUri: REDIRECT_URI,
    loginHint: email,
    codeChallenge,
    codeChallengeMethod: 'S256',
    state: 'state-1',
  });
  const redirect = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  const location = new URL(redirect.headers.get('location') ?? '');
  expect(location.searchParams.get('state')).toBe('state-1');
  const code = location.searchParams.get('code') ?? '';
  const session = await workos.userManagement.authenticateWithCode({
    code,
    codeVerifier,
    clientId: embedded.clientId,
  });
  expect(session.user.email).toBe(email);
  const scoped = await workos.userManagement.authenticateWithRefreshToken({
    refreshToken: session.refreshToken,
    organizationId: await t.orgId(teamName),
    clientId: embedded.clientId,
  });
  const jwks = createRemoteJWKSet(new URL(`${embedded.url}/sso/jwks/${embedded.clientId}`));
  const { payload } = await jwtVerify(scoped.accessToken, jwks, { issuer: embedded.tokenIssuer });
  return payload;
}

for (const account of SEEDED_ACCOUNTS) {
  test(`org-scoped access token — ${account.email} carries role ${account.role} and its permissions`, async () => {
    const claims = await orgScopedClaims(account.email, account.teams[0] ?? '');
    expect(claims.org_id).toBe(await t.orgId(account.teams[0] ?? ''));
    expect(claims.role).toBe(account.role);
    const expected = SEED_ROLES.find((r) => r.slug === account.role)?.permissions ?? [];
    expect([...(claims.permissions as string[])].sort()).toEqual([...expected].sort());
    expect(claims.sid).toEqual(expect.any(String));
  });
}

test('org-scoped access token — the admin is only a member in her second team', async () => {
  const claims = await orgScopedClaims('admin@demo.test', 'Gatehouse Labs');
  expect(claims.role).toBe('member');
  expect(claims.permissions).not.toContain('gatehouse:admin');
});

test('org-scoped access token — the customer admin is an admin of her own organization, not of a team', async () => {
  const claims = await orgScopedClaims(CUSTOMER_ADMIN.email, CUSTOMER_ADMIN.organization);
  expect(claims.org_id).toBe(await t.orgId(CUSTOMER_ADMIN.organization));
  expect(claims.role).toBe('admin');
  const memberships = await t.workos.userManagement.listOrganizationMemberships({
    userId: await t.userId(CUSTOMER_ADMIN.email),
  });
  expect(memberships.data.map((m) => m.organizationId)).toEqual([await t.orgId(CUSTOMER_ADMIN.organization)]);
});

test('authorize — an unknown login_hint comes back as user_not_found', async () => {
  const url = t.workos.userManagement.getAuthorizationUrl({
    provider: 'authkit',
    clientId: t.embedded.clientId,
    redirectUri: REDIRECT_URI,
    loginHint: 'stranger@demo.test',
  });
  const res = await fetch(url, { redirect: 'manual' });
  expect(new URL(res.headers.get('location') ?? '').searchParams.get('error')).toBe('user_not_found');
});
