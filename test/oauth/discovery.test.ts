import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { OAuthMetadataSchema, OAuthProtectedResourceMetadataSchema } from '@modelcontextprotocol/core';
import { ManualClock } from '../../src/kernel/clock.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';
import { challengeParams, type Harness, mcpProbe, register, tokensFor } from './support.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let base: string;
let h: Harness;

beforeAll(async () => {
  const clock = new ManualClock();
  gh = await startTestGatehouse({ clock });
  base = gh.url;
  h = { base, clock };
});
afterAll(() => gh.stop());

const PROTECTED_RESOURCE = () => ({
  resource: `${base}/mcp`,
  authorization_servers: [base],
  scopes_supported: ['mcp', 'mcp:read', 'offline_access'],
  bearer_methods_supported: ['header'],
  resource_name: 'Gatehouse (WorkOS MCP)',
  resource_documentation: `${base}/`,
});

describe('protected resource metadata (RFC 9728)', () => {
  for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
    test(`${path} — valid per the MCP SDK schema, with exactly the advertised values`, async () => {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/json');
      const body = await res.json();
      expect(OAuthProtectedResourceMetadataSchema.safeParse(body).success).toBe(true);
      expect(body).toEqual(PROTECTED_RESOURCE());
    });
  }

  test('protected resource metadata — the resource is the URL a client connects to', async () => {
    const body = (await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)).json()) as {
      resource: string;
    };
    // RFC 9728 §3.3: the resource in the document must equal the URL the metadata was derived from.
    expect(body.resource).toBe(new URL('/mcp', base).toString());
  });
});

describe('authorization server metadata (RFC 8414)', () => {
  test('/.well-known/oauth-authorization-server — valid per the MCP SDK schema, exact values', async () => {
    const res = await fetch(`${base}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    const parsed = OAuthMetadataSchema.safeParse(body);
    expect(parsed.success).toBe(true);
    expect(body).toEqual({
      issuer: base,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      registration_endpoint: `${base}/register`,
      revocation_endpoint: `${base}/revoke`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      scopes_supported: ['mcp', 'mcp:read', 'offline_access'],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
      service_documentation: `${base}/`,
    });
  });

  test('authorization server metadata — issuer equals the protected resource’s authorization server', async () => {
    const as = (await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()) as {
      issuer: string;
    };
    const pr = (await (await fetch(`${base}/.well-known/oauth-protected-resource`)).json()) as {
      authorization_servers: string[];
    };
    // RFC 8414 §3.3: the issuer must be identical to the URL the metadata was fetched for.
    expect(pr.authorization_servers).toEqual([as.issuer]);
  });
});

describe('other well-known paths', () => {
  for (const path of [
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server/mcp',
    '/.well-known/oauth-protected-resource/other',
    '/.well-known/oauth-protected-resource/mcp/',
    '/.well-known/security.txt',
  ]) {
    test(`${path} — a real 404 with a JSON body, not the console`, async () => {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/json');
      const body = (await res.json()) as { error: string; error_description: string };
      expect(body.error).toBe('not_found');
      expect(body.error_description).toContain(path);
    });
  }
});

describe('CORS on the public OAuth endpoints', () => {
  for (const path of [
    '/.well-known/oauth-protected-resource',
    '/.well-known/oauth-protected-resource/mcp',
    '/.well-known/oauth-authorization-server',
    '/.well-known/openid-configuration',
  ]) {
    test(`GET ${path} — readable from any origin`, async () => {
      const res = await fetch(`${base}${path}`, { headers: { origin: 'https://app.example' } });
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    });
  }

  for (const path of ['/.well-known/oauth-authorization-server', '/token', '/register', '/revoke']) {
    test(`OPTIONS ${path} — the preflight allows POST with Authorization and Content-Type`, async () => {
      const res = await fetch(`${base}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase();
      expect(allowed).toContain('authorization');
      expect(allowed).toContain('content-type');
    });
  }

  test('POST /token — an error answer still carries CORS headers (a browser client can read it)', async () => {
    const res = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { origin: 'https://app.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  test('POST /register — a browser client can read the registration answer', async () => {
    const res = await fetch(`${base}/register`, {
      method: 'POST',
      headers: { origin: 'https://app.example', 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Browser Agent', redirect_uris: ['https://app.example/cb'] }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('the /mcp challenge (RFC 6750 §3, RFC 9728 §5.1)', () => {
  const metadataUrl = () => `${base}/.well-known/oauth-protected-resource/mcp`;

  test('no token — 401 with resource_metadata and scope, and no error attribute', async () => {
    const r = await mcpProbe(base, undefined);
    expect(r.status).toBe(401);
    const c = challengeParams(r.headers.get('www-authenticate'));
    expect(c).toEqual({ resource_metadata: metadataUrl(), scope: 'mcp' });
  });

  test('the challenge’s resource_metadata URL serves the protected resource metadata', async () => {
    const r = await mcpProbe(base, undefined);
    const url = challengeParams(r.headers.get('www-authenticate')).resource_metadata!;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { resource: string }).resource).toBe(`${base}/mcp`);
  });

  test('an unknown token — 401 error="invalid_token" with resource_metadata and scope', async () => {
    const r = await mcpProbe(base, 'Bearer gatehouse_at_not-a-real-token');
    expect(r.status).toBe(401);
    const c = challengeParams(r.headers.get('www-authenticate'));
    expect(c.error).toBe('invalid_token');
    expect(c.resource_metadata).toBe(metadataUrl());
    expect(c.scope).toBe('mcp');
    expect(JSON.parse(r.body).error).toBe('invalid_token');
  });

  for (const header of ['Basic dXNlcjpwYXNz', 'Digest username="u"', 'Token abc', 'Bearertoken']) {
    test(`another scheme (${header.split(' ')[0]}) — 401 with the bare challenge, no error code (RFC 6750 §3.1)`, async () => {
      const r = await mcpProbe(base, header);
      expect(r.status).toBe(401);
      expect(challengeParams(r.headers.get('www-authenticate'))).toEqual({
        resource_metadata: metadataUrl(),
        scope: 'mcp',
      });
      expect(JSON.parse(r.body).error).not.toBe('invalid_request');
    });
  }

  for (const header of ['Bearer', 'Bearer two tokens', 'Bearer not@token68']) {
    test(`a malformed Bearer header (${JSON.stringify(header)}) — 400 invalid_request`, async () => {
      const r = await mcpProbe(base, header);
      expect(r.status).toBe(400);
      expect(challengeParams(r.headers.get('www-authenticate')).error).toBe('invalid_request');
    });
  }

  test('a token granted only offline_access — 403 error="insufficient_scope" naming the mcp scope', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const client = await register(h);
    const t = await tokensFor(browser, base, client, { scope: 'offline_access' });
    expect(t.scope).toBe('offline_access');
    const r = await mcpProbe(base, `Bearer ${t.access_token}`);
    expect(r.status).toBe(403);
    const c = challengeParams(r.headers.get('www-authenticate'));
    expect(c.error).toBe('insufficient_scope');
    expect(c.scope).toBe('mcp');
    expect(c.resource_metadata).toBe(metadataUrl());
  });

  test('a valid token — /mcp answers initialize', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const client = await register(h);
    const t = await tokensFor(browser, base, client);
    const r = await mcpProbe(base, `Bearer ${t.access_token}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('mcp-session-id')).toBeTruthy();
  });

  test('a valid token in the query string as well — 400 invalid_request, never accepted', async () => {
    const browser = await signIn(base, 'member@demo.test');
    const client = await register(h);
    const t = await tokensFor(browser, base, client);
    const r = await mcpProbe(base, `Bearer ${t.access_token}`, `?access_token=${t.access_token}`);
    expect(r.status).toBe(400);
    expect(challengeParams(r.headers.get('www-authenticate')).error).toBe('invalid_request');
  });
});

describe('wrong method on an OAuth endpoint (RFC 9110 §15.5.6)', () => {
  const cases: [method: string, path: string, allowed: string][] = [
    ['GET', '/token', 'POST'],
    ['GET', '/register', 'POST'],
    ['GET', '/revoke', 'POST'],
    ['PUT', '/token', 'POST'],
    ['DELETE', '/register', 'POST'],
    ['PATCH', '/revoke', 'POST'],
    ['POST', '/.well-known/oauth-authorization-server', 'GET'],
    ['POST', '/.well-known/oauth-protected-resource', 'GET'],
    ['DELETE', '/.well-known/oauth-protected-resource/mcp', 'GET'],
    ['PUT', '/authorize', 'GET or POST'],
    ['POST', '/authorize/capabilities', 'GET'],
  ];
  for (const [method, path, allowed] of cases) {
    test(`${method} ${path} — 405 with Allow, a JSON invalid_request naming ${allowed}, not cached`, async () => {
      const res = await fetch(`${base}${path}`, { method, headers: { origin: 'https://app.example' } });
      expect(res.status).toBe(405);
      const allow = res.headers.get('allow')!.split(', ');
      for (const m of allowed.split(' or ')) expect(allow).toContain(m);
      expect(allow).not.toContain(method);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const body = (await res.json()) as { error: string; error_description: string };
      expect(body.error).toBe('invalid_request');
      expect(body.error_description).toContain(`use ${allowed}.`);
    });
  }

  test('HEAD /token — 405 with Allow: POST, no body', async () => {
    const res = await fetch(`${base}/token`, { method: 'HEAD' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('POST');
    expect(await res.text()).toBe('');
  });

  test('an unknown path — still the 404 page, not a 405', async () => {
    const res = await fetch(`${base}/tokens`);
    expect(res.status).toBe(404);
  });
});
