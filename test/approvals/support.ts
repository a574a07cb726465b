import { expect } from 'bun:test';
import { eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { CookieClient, hiddenInput } from '../support/http.ts';
import { type AnyClient, call, connectV1, type ToolOutcome, tokensFor } from '../support/mcp.ts';
import type { TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

/** One request as the fake provider received it. */
export interface SeenRequest {
  method: string;
  path: string;
  search: string;
  headers: Record<string, string>;
  body: string;
}

export type FakeMode =
  | { kind: 'graphql' }
  | { kind: 'echo-auth' }
  | { kind: 'redirect'; location: string }
  | { kind: 'slow'; release: Promise<void>; arrived?: () => void };

/**
 * A fake Linear on 127.0.0.1: records every request (method, path, headers including
 * Authorization, body) and answers GraphQL JSON. Gatehouse reaches it through the test host map.
 */
export interface FakeLinear {
  origin: string;
  requests: SeenRequest[];
  mode: FakeMode;
  stop(): void;
}

export function startFakeLinear(): FakeLinear {
  const fake: FakeLinear = {
    origin: '',
    requests: [],
    mode: { kind: 'graphql' },
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const body = await req.text();
      fake.requests.push({
        method: req.method,
        path: url.pathname,
        search: url.search,
        headers: Object.fromEntries(req.headers),
        body,
      });
      const mode = fake.mode;
      if (mode.kind === 'redirect')
        return new Response(null, { status: 302, headers: { location: mode.location } });
      if (mode.kind === 'slow') {
        mode.arrived?.();
        await mode.release;
      }
      if (mode.kind === 'echo-auth') {
        // A hostile or buggy provider echoing the credential back must not leak it to the agent.
        return Response.json({
          data: { viewer: { id: 'usr_linear_1', note: `you sent ${req.headers.get('authorization')}` } },
          authorization: req.headers.get('authorization'),
        });
      }
      let parsed: { query?: string } = {};
      try {
        parsed = JSON.parse(body) as { query?: string };
      } catch {}
      if (parsed.query?.trim().startsWith('mutation'))
        return Response.json({ data: { issueCreate: { success: true } } });
      return Response.json({ data: { viewer: { id: 'usr_linear_1', name: 'Max Member' } } });
    },
  });
  fake.origin = `http://127.0.0.1:${server.port}`;
  return fake;
}

/** A canary HTTP server that should never be contacted. */
export function startCanary(): { origin: string; hits: string[]; stop(): void } {
  const hits: string[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      hits.push(req.url);
      return new Response('canary');
    },
  });
  return { origin: `http://127.0.0.1:${server.port}`, hits, stop: () => server.stop(true) };
}

export const LINEAR_URL = 'https://api.linear.app/graphql';
export const VIEWER_QUERY = { query: 'query { viewer { id } }' };

/** An MCP agent for a seeded human: real OAuth (a fresh registered client each time), then the v1 SDK. */
export async function agentFor(gh: TestGatehouse, email: string): Promise<AnyClient> {
  const tokens = await tokensFor(gh.url, email);
  return connectV1(gh.url, tokens.access_token);
}

/** Calls a tool and expects success. */
export async function ok(
  client: AnyClient,
  tool: string,
  args: Record<string, unknown>,
): Promise<ToolOutcome> {
  const r = await call(client, tool, args);
  if (r.isError) throw new Error(`${tool} failed: ${r.text}`);
  return r;
}

/** Requests access and returns the request id and approval URL. */
export async function requestAccess(
  client: AnyClient,
  args: Record<string, unknown>,
): Promise<{ id: string; url: string; token: string }> {
  const r = await ok(client, 'request_elevated_access', args);
  const id = r.structured!.request_id as string;
  const url = r.structured!.approval_url as string;
  return { id, url, token: new URL(url).searchParams.get('t')! };
}

export const sessionRequest = (
  providers: string[] = ['linear'],
  level = 'read',
  reason = 'Triage my issues',
) => ({
  kind: 'session',
  level,
  providers,
  reason,
});

export const callRequest = (body: unknown, reason = 'Look up who I am in Linear') => ({
  kind: 'call',
  method: 'POST',
  url: LINEAR_URL,
  body,
  reason,
});

/** The WorkOS user id of a seeded human (what Pipes tokens are keyed by). */
export function workosUserId(gh: TestGatehouse, email: string): string {
  const u = gh.ctx.db.select().from(schema.users).where(eq(schema.users.email, email)).get();
  if (!u) throw new Error(`no user ${email}`);
  return u.workosUserId;
}

/** The grant row as stored. */
export function grantRow(gh: TestGatehouse, id: string) {
  return gh.ctx.db.select().from(schema.grants).where(eq(schema.grants.id, id)).get();
}

/** A signed-in console over real HTTP. */
export class Console {
  constructor(
    readonly base: string,
    readonly http: CookieClient,
  ) {}

  static async signIn(base: string, email: string, team?: string): Promise<Console> {
    return new Console(base, await signIn(base, email, team, new CookieClient()));
  }

  /** GET a console page, returning status and body. */
  async get(
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; html: string; res: Response }> {
    const res = await this.http.fetch(`${this.base}${path}`, { headers });
    return { status: res.status, html: await res.text(), res };
  }

  /** The CSRF token of this session (from the approvals page). */
  async csrf(): Promise<string> {
    const { html } = await this.get('/approvals');
    const token = hiddenInput(html, '_csrf');
    expect(token).toBeTruthy();
    return token!;
  }

  /** POSTs a form; `fields` may repeat a key as an array. */
  async post(
    path: string,
    fields: Record<string, string | string[]>,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; html: string; res: Response }> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields))
      for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
    const res = await this.http.fetch(`${this.base}${path}`, {
      method: 'POST',
      body: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
    return { status: res.status, html: await res.text(), res };
  }

  async approve(id: string, fields: Record<string, string | string[]> = {}) {
    return this.post(`/approvals/${id}/approve`, { _csrf: await this.csrf(), ...fields });
  }

  async deny(id: string, reason = '') {
    return this.post(`/approvals/${id}/deny`, { _csrf: await this.csrf(), reason });
  }

  async revoke(id: string) {
    return this.post(`/approvals/${id}/revoke`, { _csrf: await this.csrf() });
  }
}
