/**
 * Impersonation as WorkOS does it (https://workos.com/docs/authkit/impersonation): after the
 * dashboard's "Impersonate user" (here `POST /x/gatehouse/impersonations`), the user's next
 * sign-in is an impersonated session: `impersonator` in the authenticate answers and an
 * `act: { sub: <impersonator email> }` claim in its access tokens
 * (https://workos.com/docs/reference/authkit/session-tokens), refreshes included.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createDecipheriv, createHash } from 'node:crypto';
import type { WorkOS } from '@workos-inc/node';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { CUSTOMER_ADMIN } from '../../src/emulator/index.ts';
import {
  startTestSuite,
  startTestWorkOS,
  type TestSuite,
  type TestWorkOS,
} from '../support/embedded-workos.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let t: TestWorkOS;

beforeAll(async () => {
  t = await startTestWorkOS('identity');
});

afterAll(async () => {
  await t?.close();
});

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const SUPPORT = 'support@gatehouse.test';

/** Signs `email` in as AuthKit does: authorize with login_hint and PKCE, then exchange the code. */
async function signIn(workos: WorkOS, clientId: string, email: string) {
  const { codeVerifier, codeChallenge } = await workos.pkce.generate();
  const url = workos.userManagement.getAuthorizationUrl({
    provider: 'authkit',
    clientId,
    redirectUri: REDIRECT_URI,
    loginHint: email,
    codeChallenge,
    codeChallengeMethod: 'S256',
  });
  const redirect = await fetch(url, { redirect: 'manual' });
  const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
  return workos.userManagement.authenticateWithCode({ code, codeVerifier, clientId });
}

function impersonate(body: Record<string, unknown>, base = t.embedded.url, key = t.embedded.apiKey) {
  return fetch(`${base}/x/gatehouse/impersonations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function verified(token: string, base = t.embedded.url) {
  const jwks = createRemoteJWKSet(new URL(`${base}/sso/jwks/${t.embedded.clientId}`));
  return (await jwtVerify(token, jwks, { issuer: t.embedded.tokenIssuer })).payload;
}

describe('impersonated sign-in', () => {
  test('impersonation — the next sign-in carries impersonator, and its access token act.sub, verified by the JWKS', async () => {
    const started = await impersonate({
      email: CUSTOMER_ADMIN.email,
      impersonator_email: SUPPORT,
      reason: 'Ticket 42: cannot see the SSO settings',
    });
    expect(started.status).toBe(201);
    const record = (await started.json()) as { object: string; user_id: string; state: string };
    expect(record).toMatchObject({
      object: 'impersonation',
      user_id: await t.userId(CUSTOMER_ADMIN.email),
      state: 'pending',
    });
    const session = await signIn(t.workos, t.embedded.clientId, CUSTOMER_ADMIN.email);
    expect(session.impersonator).toEqual({
      email: SUPPORT,
      reason: 'Ticket 42: cannot see the SSO settings',
    });
    expect(session.authenticationMethod).toBe('Impersonation');
    const claims = await verified(session.accessToken);
    expect(claims.act).toEqual({ sub: SUPPORT });
    expect(claims.sub).toBe(session.user.id);
    expect(claims.sid).toEqual(expect.any(String));
    // Re-signed by the front, with its own key: the JWKS lists it after the emulator's.
    const kid = decodeProtectedHeader(session.accessToken).kid;
    const keys = (
      (await (await fetch(`${t.embedded.url}/sso/jwks/${t.embedded.clientId}`)).json()) as {
        keys: { kid: string }[];
      }
    ).keys.map((k) => k.kid);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(kid);
    const sessionKeys = (
      (await (
        await fetch(`${t.embedded.url}/user_management/sessions/jwks/${t.embedded.clientId}`)
      ).json()) as {
        keys: { kid: string }[];
      }
    ).keys.map((k) => k.kid);
    expect(sessionKeys).toEqual(keys);
  });

  test('impersonation — refreshes of that session, organization switch included, keep act and impersonator', async () => {
    expect(
      (await impersonate({ email: 'member@demo.test', impersonator_email: SUPPORT, reason: 'r1' })).status,
    ).toBe(201);
    const session = await signIn(t.workos, t.embedded.clientId, 'member@demo.test');
    const team = await t.orgId('Gatehouse Demo Team');
    const scoped = await t.workos.userManagement.authenticateWithRefreshToken({
      refreshToken: session.refreshToken,
      organizationId: team,
      clientId: t.embedded.clientId,
    });
    expect(scoped.impersonator).toEqual({ email: SUPPORT, reason: 'r1' });
    const scopedClaims = await verified(scoped.accessToken);
    expect([scopedClaims.act, scopedClaims.org_id, scopedClaims.role]).toEqual([
      { sub: SUPPORT },
      team,
      'member',
    ]);
    const again = await t.workos.userManagement.authenticateWithRefreshToken({
      refreshToken: scoped.refreshToken,
      clientId: t.embedded.clientId,
    });
    expect(again.impersonator?.email).toBe(SUPPORT);
    expect((await verified(again.accessToken)).act).toEqual({ sub: SUPPORT });
  });

  test('impersonation — a user nobody impersonates signs in with no act and no impersonator', async () => {
    const session = await signIn(t.workos, t.embedded.clientId, 'viewer@demo.test');
    expect(session.impersonator).toBeUndefined();
    const claims = await verified(session.accessToken);
    expect(claims.act).toBeUndefined();
    const refreshed = await t.workos.userManagement.authenticateWithRefreshToken({
      refreshToken: session.refreshToken,
      organizationId: await t.orgId('Gatehouse Demo Team'),
      clientId: t.embedded.clientId,
    });
    expect(refreshed.impersonator).toBeUndefined();
    expect((await verified(refreshed.accessToken)).act).toBeUndefined();
  });

  test('impersonation — only the next sign-in: the one after it is the user’s own again', async () => {
    const userId = await t.userId('admin@demo.test');
    expect((await impersonate({ user_id: userId, impersonator_email: SUPPORT, reason: 'once' })).status).toBe(
      201,
    );
    const first = await signIn(t.workos, t.embedded.clientId, 'admin@demo.test');
    expect(first.impersonator?.reason).toBe('once');
    const second = await signIn(t.workos, t.embedded.clientId, 'admin@demo.test');
    expect(second.impersonator).toBeUndefined();
    expect((await verified(second.accessToken)).act).toBeUndefined();
    // The first session stays impersonated.
    const refreshed = await t.workos.userManagement.authenticateWithRefreshToken({
      refreshToken: first.refreshToken,
      clientId: t.embedded.clientId,
    });
    expect((await verified(refreshed.accessToken)).act).toEqual({ sub: SUPPORT });
  });

  test('impersonation — the sealed session holds the impersonated token too', async () => {
    const { clientId, apiKey } = t.embedded;
    expect(
      (await impersonate({ email: 'viewer@demo.test', impersonator_email: SUPPORT, reason: 'seal' })).status,
    ).toBe(201);
    const query = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      login_hint: 'viewer@demo.test',
    });
    const redirect = await fetch(`${t.embedded.url}/user_management/authorize?${query}`, {
      redirect: 'manual',
    });
    const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const res = await fetch(`${t.embedded.url}/user_management/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        client_id: clientId,
        client_secret: apiKey,
        code,
      }),
    });
    const body = (await res.json()) as { access_token: string; sealed_session: string };
    const raw = Buffer.from(body.sealed_session, 'base64');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      createHash('sha256').update(apiKey).digest(),
      raw.subarray(0, 12),
    );
    decipher.setAuthTag(raw.subarray(12, 28));
    const opened = JSON.parse(
      Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'),
    );
    expect(opened.access_token).toBe(body.access_token);
    expect((await verified(opened.access_token)).act).toEqual({ sub: SUPPORT });
  });

  test('impersonation — recorded as a session.created event with the impersonator', async () => {
    const { data } = await t.workos.events.listEvents({ events: ['session.created'], limit: 100 });
    const aliceId = await t.userId(CUSTOMER_ADMIN.email);
    const sessions = data.flatMap((e) => (e.event === 'session.created' ? [e.data] : []));
    const alice = sessions.find((d) => d.userId === aliceId);
    expect(alice?.impersonator).toEqual({ email: SUPPORT, reason: 'Ticket 42: cannot see the SSO settings' });
    expect(alice?.id).toEqual(expect.stringMatching(/^session_/));
    // Sign-ins nobody impersonated emit none here.
    const viewerId = await t.userId('viewer@demo.test');
    expect(sessions.filter((d) => d.userId === viewerId).map((d) => d.impersonator?.reason)).toEqual([
      'seal',
    ]);
  });
});

describe('impersonation input', () => {
  const problem = async (res: Response) => ({
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
  });

  test.each([
    [{ impersonator_email: SUPPORT, reason: 'r' }, 'user_id'],
    [{ email: 'admin@demo.test', reason: 'r' }, 'impersonator_email'],
    [{ email: 'admin@demo.test', impersonator_email: 'not-an-email', reason: 'r' }, 'impersonator_email'],
    [{ email: 'admin@demo.test', impersonator_email: SUPPORT }, 'reason'],
    [{ email: 'admin@demo.test', impersonator_email: SUPPORT, reason: '  ' }, 'reason'],
    [{ email: 'admin@demo.test', user_id: 'user_x', impersonator_email: SUPPORT, reason: 'r' }, 'email'],
    [{ email: 42, impersonator_email: SUPPORT, reason: 'r' }, 'email'],
  ])('impersonation — %j is a 422 naming %s', async (body, field) => {
    const { status, body: answer } = await problem(await impersonate(body));
    expect(status).toBe(422);
    expect(answer.code).toBe('unprocessable_entity');
    expect(answer.errors).toEqual([{ field, code: expect.any(String) }]);
  });

  test('impersonation — an unknown user, by email or id, is a 404', async () => {
    for (const who of [{ email: 'stranger@demo.test' }, { user_id: 'user_nobody' }]) {
      expect(await problem(await impersonate({ ...who, impersonator_email: SUPPORT, reason: 'r' }))).toEqual({
        status: 404,
        body: { message: 'User not found', code: 'not_found' },
      });
    }
  });

  test('impersonation — without the identity key it is a 401; invalid JSON is a 400', async () => {
    const body = { email: 'admin@demo.test', impersonator_email: SUPPORT, reason: 'r' };
    expect((await impersonate(body, t.embedded.url, 'sk_test_wrong')).status).toBe(401);
    const noKey = await fetch(`${t.embedded.url}/x/gatehouse/impersonations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(noKey.status).toBe(401);
    const broken = await fetch(`${t.embedded.url}/x/gatehouse/impersonations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.embedded.apiKey}`, 'content-type': 'application/json' },
      body: '{"email": ',
    });
    expect(broken.status).toBe(400);
  });

  test('authenticate — a wrong key (bearer or client_secret) is a 401, as WorkOS refuses it', async () => {
    const attempts: { headers: Record<string, string>; body: Record<string, string> }[] = [
      { headers: { authorization: 'Bearer sk_test_wrong', 'content-type': 'application/json' }, body: {} },
      { headers: { 'content-type': 'application/json' }, body: { client_secret: 'sk_test_wrong' } },
    ];
    for (const init of attempts) {
      const res = await fetch(`${t.embedded.url}/user_management/authenticate`, {
        method: 'POST',
        headers: init.headers,
        body: JSON.stringify({ grant_type: 'authorization_code', code: 'x', ...init.body }),
      });
      expect(res.status).toBe(401);
    }
  });

  test('impersonation — a managed environment has no such fixture: people do not sign in there', async () => {
    const managed = await startTestWorkOS('sandbox');
    try {
      const res = await impersonate(
        { email: 'alice@acme.test', impersonator_email: SUPPORT, reason: 'r' },
        managed.embedded.url,
        managed.embedded.apiKey,
      );
      expect(res.status).toBe(404);
      const jwks = (await (
        await fetch(`${managed.embedded.url}/sso/jwks/${managed.embedded.clientId}`)
      ).json()) as {
        keys: unknown[];
      };
      expect(jwks.keys).toHaveLength(1);
    } finally {
      await managed.close();
    }
  });
});

describe('through the key router', () => {
  let s: TestSuite;
  beforeAll(async () => {
    s = await startTestSuite();
  });
  afterAll(async () => {
    await s?.close();
  });

  test('impersonation — started and used through the one origin, verified by the router’s JWKS', async () => {
    const { identity } = s.suite;
    const workos = s.client(identity.apiKey);
    expect(
      (
        await impersonate(
          { email: CUSTOMER_ADMIN.email, impersonator_email: SUPPORT, reason: 'via router' },
          s.router.url,
          identity.apiKey,
        )
      ).status,
    ).toBe(201);
    const session = await signIn(workos, identity.clientId, CUSTOMER_ADMIN.email);
    expect(session.impersonator).toEqual({ email: SUPPORT, reason: 'via router' });
    const jwks = createRemoteJWKSet(new URL(`${s.router.url}/sso/jwks/${identity.clientId}`));
    const { payload } = await jwtVerify(session.accessToken, jwks, { issuer: identity.tokenIssuer });
    expect(payload.act).toEqual({ sub: SUPPORT });
  });
});
