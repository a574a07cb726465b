import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { obtainTokens, registerClient } from './oauth.ts';
import { signIn } from './sign-in.ts';

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

/**
 * Real OAuth over HTTP for a seeded human: sign in, register a client, consent, exchange the
 * code. Fast path for tests that are about tools, not about OAuth itself.
 */
export async function tokensFor(
  base: string,
  email: string,
  opts: { team?: string; scope?: string } = {},
): Promise<Tokens> {
  const browser = await signIn(base, email, opts.team);
  const client = await registerClient(base);
  return obtainTokens(base, browser, client, opts.scope);
}

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

/** The v1 SDK client (2025 era: initialize + Mcp-Session-Id). */
export async function connectV1(base: string, token: string): Promise<ClientV1> {
  const client = new ClientV1({ name: 'gatehouse-test-v1', version: '1.0.0' });
  await client.connect(new TransportV1(new URL(`${base}/mcp`), { requestInit: bearer(token) }));
  return client;
}

/** The v2 SDK client, in the 2025 era (`legacy`) or negotiating the 2026-07-28 revision (`auto`). */
export async function connectV2(
  base: string,
  token: string,
  mode: 'legacy' | 'auto' = 'legacy',
): Promise<ClientV2> {
  const client = new ClientV2(
    { name: 'gatehouse-test-v2', version: '2.0.0' },
    mode === 'auto' ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  await client.connect(new TransportV2(new URL(`${base}/mcp`), { requestInit: bearer(token) }));
  return client;
}

export type AnyClient = ClientV1 | ClientV2;

export interface ToolOutcome {
  isError: boolean;
  text: string;
  structured: Record<string, unknown> | undefined;
}

/** Calls a tool and flattens the result for assertions. */
export async function call(
  client: AnyClient,
  name: string,
  args: Record<string, unknown> = {},
): Promise<ToolOutcome> {
  const r = (await (client as ClientV1).callTool({ name, arguments: args })) as {
    isError?: boolean;
    content?: { type: string; text?: string }[];
    structuredContent?: Record<string, unknown>;
  };
  return {
    isError: r.isError === true,
    text: (r.content ?? []).map((c) => c.text ?? '').join('\n'),
    structured: r.structuredContent,
  };
}

export async function toolNames(client: AnyClient): Promise<string[]> {
  const r = await (client as ClientV1).listTools();
  return r.tools.map((t) => t.name).sort();
}
