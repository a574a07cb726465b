/**
 * End-to-end canaries for "secrets never leave, in any shape": a provider (a loopback fake
 * reached through the test host map) echoes the Pipes token Gatehouse injected, and the team's
 * WorkOS keys, in every encoding and as object keys, through a real MCP client. The agent sees
 * none of them — not in the result text, not in structuredContent — and neither does the trail.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { schema } from '../../src/db/client.ts';
import { CANARY_LINEAR_TOKEN } from '../../src/emulator/seed/canaries.ts';
import { SECRET_MARKER } from '../../src/secrets/filter.ts';
import {
  agentFor,
  Console,
  LINEAR_URL,
  ok,
  requestAccess,
  sessionRequest,
  VIEWER_QUERY,
} from '../approvals/support.ts';
import type { AnyClient, ToolOutcome } from '../support/mcp.ts';
import { DEMO_SEED_KEY, startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(30_000);

const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (s: string) => Buffer.from(s).toString('base64url');
const codes = (s: string) => [...s].map((c) => c.charCodeAt(0));
const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** The shapes a provider echoes a secret in; each must be absent from everything the agent gets. */
function shapes(secret: string): Record<string, string> {
  return {
    plain: secret,
    'upper-case': secret.toUpperCase(),
    base64: b64(secret),
    base64url: b64url(secret),
    'base64 at offset 1': b64(`:${secret}`),
    'base64 at offset 2': b64(`u:${secret}`),
    'Basic credentials': `Basic ${b64(`max:${secret}`)}`,
    'URL-encoded, every character': codes(secret)
      .map((c) => `%${hex2(c).toUpperCase()}`)
      .join(''),
    'URL-encoded, underscores only': secret.replace(/_/g, '%5F'),
    'JSON unicode escapes': codes(secret)
      .map((c) => `\\u00${hex2(c)}`)
      .join(''),
    'HTML character references': codes(secret)
      .map((c) => `&#${c};`)
      .join(''),
    'split by zero-width spaces': [...secret].join('\u200B'),
    'split by word joiners and soft hyphens': [...secret].join('\u2060\u00AD'),
    'upper-case, split by BOMs': [...secret.toUpperCase()].join('\uFEFF'),
    hex: Buffer.from(secret).toString('hex'),
  };
}

/** The body the hostile provider answers with: every shape as a value and as a key. */
function echoBody(secrets: Record<string, string>): Record<string, unknown> {
  // Neutral field names: what is tested is the value, not a secret-sounding name.
  const values: Record<string, string> = {};
  const keys: Record<string, string> = {};
  for (const [who, secret] of Object.entries(secrets)) {
    for (const [name, shape] of Object.entries(shapes(secret))) {
      values[`echo_${Object.keys(values).length}`] = `the provider says ${shape} here`;
      keys[shape] = `${who} ${name} as a key`;
    }
  }
  return { data: { viewer: { id: 'usr_linear_1', values, metadata: keys } } };
}

type Mode = 'json' | 'text' | 'redirect';

let gh: TestGatehouse;
let provider: ReturnType<typeof Bun.serve>;
let mode: Mode = 'json';
let agent: AnyClient;
/** What the provider really received in Authorization, and the team keys it echoes. */
const seen: string[] = [];
let secrets: { teamSandboxKey: string; teamProductionKey: string };

beforeAll(async () => {
  provider = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      const auth = req.headers.get('authorization') ?? '';
      seen.push(auth);
      const echoed = { ...secrets, token: auth.replace(/^Bearer /, '') };
      if (mode === 'redirect') {
        const location = `https://linear.app/cb?a=${b64url(`:${echoed.token}`)}&b=${encodeURIComponent(echoed.token.toUpperCase())}&c=${b64(echoed.teamSandboxKey)}`;
        return new Response(null, { status: 302, headers: { location } });
      }
      if (mode === 'text') {
        const lines = Object.entries(echoed).flatMap(([who, s]) =>
          Object.entries(shapes(s)).map(([name, shape]) => `${who} ${name}: ${shape}`),
        );
        return new Response(lines.join('\n'), { headers: { 'content-type': 'text/plain' } });
      }
      return Response.json(echoBody(echoed));
    },
  });
  gh = await startTestGatehouse({
    testHooks: { outboundHostMap: { 'api.linear.app': `http://127.0.0.1:${provider.port}` } },
  });
  const keys = gh.ctx.workos.seededTeamKeys[DEMO_SEED_KEY]!;
  secrets = { teamSandboxKey: keys.sandbox, teamProductionKey: keys.production };
  const human = await Console.signIn(gh.url, 'member@demo.test');
  agent = await agentFor(gh, 'member@demo.test');
  const req = await requestAccess(agent, sessionRequest(['linear'], 'read', 'Echo canaries'));
  expect((await human.approve(req.id, { providers: ['linear'], level: 'read' })).status).toBe(303);
});

afterAll(async () => {
  await gh?.stop();
  provider?.stop(true);
});

/** Every string the agent can read in an answer: the text, and each key and value of structuredContent. */
function readable(o: ToolOutcome): string[] {
  const out = [o.text];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        out.push(k);
        walk(x);
      }
  };
  walk(o.structured);
  return out;
}

/** The shapes of every secret found in `strings` (also JSON-escaped, as in the result text). */
function leaks(strings: string[], all: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [who, secret] of Object.entries(all)) {
    for (const [name, shape] of Object.entries(shapes(secret))) {
      const forms = [shape, JSON.stringify(shape).slice(1, -1)];
      if (strings.some((s) => forms.some((f) => s.includes(f)))) found.push(`${who}: ${name}`);
    }
    if (strings.some((s) => s.toLowerCase().includes(secret.toLowerCase()))) found.push(`${who}: any case`);
  }
  return found;
}

const callProvider = (extra: Record<string, unknown> = {}) =>
  ok(agent, 'call_integration_api', { method: 'POST', url: LINEAR_URL, body: VIEWER_QUERY, ...extra });

describe('a provider echoing the injected token and the team keys', () => {
  const answers: Partial<Record<Mode, ToolOutcome>> = {};

  beforeAll(async () => {
    for (const m of ['json', 'text', 'redirect'] as const) {
      mode = m;
      answers[m] = await callProvider();
    }
    mode = 'json';
  });

  test('the provider really got the Pipes token (so the canary is the injected one)', () => {
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const auth of seen) expect(auth).toBe(`Bearer ${CANARY_LINEAR_TOKEN}`);
    expect(secrets.teamSandboxKey).toMatch(/^sk_/);
  });

  test('JSON body — no shape of any secret, as a value or as a key, reaches the agent', () => {
    const o = answers.json!;
    expect(o.structured).toMatchObject({ status: 200, provider: 'linear' });
    expect(leaks(readable(o), { ...secrets, token: CANARY_LINEAR_TOKEN })).toEqual([]);
    type Viewer = { id: string; values: Record<string, string>; metadata: Record<string, string> };
    const viewer = (o.structured!.body as { data: { viewer: Viewer } }).data.viewer;
    // Every echoed value lost its secret; every secret key was replaced, its value with it.
    for (const v of Object.values(viewer.values))
      expect(v).toMatch(/^the provider says (Basic )?\[redacted: secret\] here$/);
    const keys = Object.keys(viewer.metadata);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k).toMatch(/^\[redacted key \d+\]$/);
    for (const v of Object.values(viewer.metadata)) expect(v).toBe(SECRET_MARKER);
    expect(viewer.id).toBe('usr_linear_1');
  });

  test('text body — no shape of any secret reaches the agent; the lines around them do', () => {
    const o = answers.text!;
    expect(leaks(readable(o), { ...secrets, token: CANARY_LINEAR_TOKEN })).toEqual([]);
    const body = o.structured!.body as string;
    expect(body).toContain(`token base64: ${SECRET_MARKER}`);
    expect(body).toContain(`teamSandboxKey split by zero-width spaces: ${SECRET_MARKER}`);
  });

  test('a redirect whose location carries them — neither the location nor the summary shows them', () => {
    const o = answers.redirect!;
    expect(o.structured).toMatchObject({ status: 302 });
    expect(o.structured!.redirect_location).toBe(
      `https://linear.app/cb?a=${SECRET_MARKER}&b=${SECRET_MARKER}&c=${SECRET_MARKER}`,
    );
    expect(leaks(readable(o), { ...secrets, token: CANARY_LINEAR_TOKEN })).toEqual([]);
  });

  test('an argument carrying a team key in an encoding — kept out of the audit trail', async () => {
    await callProvider({ headers: { 'x-trace': `${b64(`k:${secrets.teamSandboxKey}`)}` } });
  });

  test('the audit rows hold none of them either', () => {
    const rows = gh.ctx.db.select().from(schema.auditEntries).all();
    const strings = rows.flatMap((r) => Object.values(r).filter((v): v is string => typeof v === 'string'));
    // Out-of-line records, where the trail keeps large values whole (a table on both engines).
    strings.push(JSON.stringify(gh.ctx.db.$client.prepare('SELECT * FROM audit_records').all()));
    expect(rows.some((r) => r.tool === 'call_integration_api' && r.outcome === 'allowed')).toBe(true);
    expect(leaks(strings, { ...secrets, token: CANARY_LINEAR_TOKEN })).toEqual([]);
    // The redirect's summary is in the trail, with the marker where the secrets were.
    expect(strings.some((s) => s.includes('redirect') && s.includes(SECRET_MARKER))).toBe(true);
  });
});
