import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { UnauthorizedError as UnauthorizedErrorV1 } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser } from 'playwright-core';
import { artifactsDir, launchBrowser } from '../support/browser.ts';
import { consentInBrowser, MemoryOAuthProvider } from '../support/oauth-provider.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const REDIRECT = 'http://127.0.0.1:33418/oauth/callback';
const CIMD_URL = 'https://agent.example.test/oauth/client-metadata.json';

/** The Client ID Metadata Document the fake client "hosts", served through the test-only hook. */
function metadataDocument(name: string) {
  return {
    client_id: CIMD_URL,
    client_name: name,
    client_uri: 'https://agent.example.test',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
}

let gh: TestGatehouse;
let browser: Browser;
const shots = artifactsDir('oauth-sdk');
const fetched: string[] = [];

beforeAll(async () => {
  [gh, browser] = await Promise.all([
    startTestGatehouse({
      testHooks: {
        fetchClientMetadata: async (url) => {
          fetched.push(url);
          const body = url === CIMD_URL ? JSON.stringify(metadataDocument('Metadata Doc Agent')) : '{}';
          return {
            status: url === CIMD_URL ? 200 : 404,
            headers: new Headers({ 'content-type': 'application/json' }),
            text: () => body,
          };
        },
      },
    }),
    launchBrowser(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await gh?.stop();
});

async function toolNamesOf(client: { listTools(): Promise<{ tools: { name: string }[] }> }) {
  return (await client.listTools()).tools.map((t) => t.name);
}

describe('@modelcontextprotocol/sdk (v1) with OAuthClientProvider', () => {
  test('v1 DCR — discovers, registers, consents in Chromium, lists tools, then refreshes', async () => {
    const provider = new MemoryOAuthProvider(REDIRECT, 'Claude Code (v1 test)');
    const url = new URL(`${gh.url}/mcp`);
    const first = new ClientV1({ name: 'v1-test', version: '1.0.0' });
    const transport = new TransportV1(url, { authProvider: provider as never });
    await expect(first.connect(transport)).rejects.toBeInstanceOf(UnauthorizedErrorV1);
    expect(provider.clientInfo?.client_id).toMatch(/^ghc_/);
    const authUrl = provider.lastAuthorizationUrl!;
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authUrl.searchParams.get('resource')).toBe(`${gh.url}/mcp`);

    const callback = await consentInBrowser(browser, authUrl, 'member@demo.test', {
      screenshot: join(shots, 'consent-v1.png'),
    });
    expect(callback.get('iss')).toBe(gh.url);
    await transport.finishAuth(callback.get('code')!);
    expect(provider.savedTokens?.access_token).toMatch(/^gatehouse_at_/);

    const client = new ClientV1({ name: 'v1-test', version: '1.0.0' });
    await client.connect(new TransportV1(url, { authProvider: provider as never }));
    expect(await toolNamesOf(client)).toContain('whoami');
    const who = (await client.callTool({ name: 'whoami', arguments: {} })) as unknown as {
      structuredContent: { user: { email: string }; client: { name: string } };
    };
    expect(who.structuredContent.user.email).toBe('member@demo.test');
    expect(who.structuredContent.client.name).toBe('Claude Code (v1 test)');

    // Refresh: a stale access token makes the SDK use its refresh token, transparently.
    const before = provider.savedTokens!;
    provider.savedTokens = { ...before, access_token: 'gatehouse_at_stale_stale_stale_stale_stale' };
    const again = new ClientV1({ name: 'v1-test', version: '1.0.0' });
    await again.connect(new TransportV1(url, { authProvider: provider as never }));
    expect(await toolNamesOf(again)).toContain('whoami');
    expect(provider.savedTokens!.access_token).not.toBe(before.access_token);
    expect(provider.savedTokens!.refresh_token).not.toBe(before.refresh_token);
    await Promise.all([client.close(), again.close()]);
  });

  test('v1 metadata document — the URL is the client_id; the consent page shows it', async () => {
    const provider = new MemoryOAuthProvider(REDIRECT, 'Metadata Doc Agent', CIMD_URL);
    const url = new URL(`${gh.url}/mcp`);
    const transport = new TransportV1(url, { authProvider: provider as never });
    await expect(
      new ClientV1({ name: 'v1-cimd', version: '1.0.0' }).connect(transport),
    ).rejects.toBeInstanceOf(UnauthorizedErrorV1);
    expect(provider.lastAuthorizationUrl!.searchParams.get('client_id')).toBe(CIMD_URL);
    const callback = await consentInBrowser(browser, provider.lastAuthorizationUrl!, 'viewer@demo.test', {
      screenshot: join(shots, 'consent-cimd.png'),
    });
    await transport.finishAuth(callback.get('code')!);
    const client = new ClientV1({ name: 'v1-cimd', version: '1.0.0' });
    await client.connect(new TransportV1(url, { authProvider: provider as never }));
    const who = (await client.callTool({ name: 'whoami', arguments: {} })) as unknown as {
      structuredContent: { role: string; client: { id: string } };
    };
    expect(who.structuredContent.role).toBe('viewer');
    expect(who.structuredContent.client.id).toBe(CIMD_URL);
    expect(fetched).toContain(CIMD_URL);
    await client.close();
  });
});

describe('@modelcontextprotocol/client (v2) with OAuthClientProvider', () => {
  for (const mode of ['legacy', 'auto'] as const) {
    test(`v2 ${mode} DCR — consent in Chromium, iss checked, tools listed, refresh`, async () => {
      const provider = new MemoryOAuthProvider(REDIRECT, `VS Code (v2 ${mode} test)`);
      const url = new URL(`${gh.url}/mcp`);
      const options = mode === 'auto' ? { versionNegotiation: { mode: 'auto' as const } } : {};
      const transport = new TransportV2(url, { authProvider: provider as never });
      await expect(
        new ClientV2({ name: 'v2-test', version: '2.0.0' }, options).connect(transport),
      ).rejects.toThrow();
      const authUrl = provider.lastAuthorizationUrl!;
      expect(authUrl).toBeDefined();
      const callback = await consentInBrowser(browser, authUrl, 'admin@demo.test', {
        team: 'Gatehouse Demo Team',
      });
      // v2 validates the RFC 9207 `iss` parameter against the discovered issuer.
      await transport.finishAuth(callback);
      const client = new ClientV2({ name: 'v2-test', version: '2.0.0' }, options);
      await client.connect(new TransportV2(url, { authProvider: provider as never }));
      expect(await toolNamesOf(client)).toContain('whoami');
      const who = (await client.callTool({ name: 'whoami', arguments: {} })) as unknown as {
        structuredContent: { role: string; session: string };
      };
      expect(who.structuredContent.role).toBe('admin');
      expect(who.structuredContent.session).toBe(mode === 'auto' ? 'stateless' : 'mcp_session');

      const before = provider.savedTokens!;
      provider.savedTokens = { ...before, access_token: 'gatehouse_at_stale_stale_stale_stale_stale' };
      const again = new ClientV2({ name: 'v2-test', version: '2.0.0' }, options);
      await again.connect(new TransportV2(url, { authProvider: provider as never }));
      expect(await toolNamesOf(again)).toContain('whoami');
      expect(provider.savedTokens!.refresh_token).not.toBe(before.refresh_token);
      await Promise.all([client.close(), again.close()]);
    });
  }

  test('v2 metadata document — connects with the document URL as client_id', async () => {
    const provider = new MemoryOAuthProvider(REDIRECT, 'Metadata Doc Agent', CIMD_URL);
    const url = new URL(`${gh.url}/mcp`);
    const transport = new TransportV2(url, { authProvider: provider as never });
    await expect(new ClientV2({ name: 'v2-cimd', version: '2.0.0' }).connect(transport)).rejects.toThrow();
    expect(provider.lastAuthorizationUrl!.searchParams.get('client_id')).toBe(CIMD_URL);
    const callback = await consentInBrowser(browser, provider.lastAuthorizationUrl!, 'member@demo.test');
    await transport.finishAuth(callback);
    const client = new ClientV2({ name: 'v2-cimd', version: '2.0.0' });
    await client.connect(new TransportV2(url, { authProvider: provider as never }));
    expect(await toolNamesOf(client)).toContain('whoami');
    await client.close();
  });
});
