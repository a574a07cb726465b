/**
 * Tool calls per token (issue 18 "Fair limits"): the team's "tool calls per minute" (set on the
 * Settings page) bounds each token family. A call over it is not run: it is answered with a
 * JSON-RPC error (code -32029, the request's id, `data.retryAfterSeconds`) in an HTTP 429 with
 * Retry-After and the RateLimit header fields, for 2025-era sessions and 2026-07-28 stateless
 * requests alike. One audit entry per window, however many calls it refuses. Time is a
 * ManualClock.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { and, eq } from 'drizzle-orm';
import { DEFAULT_TOOL_CALLS_PER_MINUTE } from '../../src/config/constants.ts';
import { schema } from '../../src/db/client.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { LIMIT_EXCEEDED } from '../../src/mcp/json-rpc.ts';
import { type CookieClient, hiddenInput } from '../support/http.ts';
import { tokensFor } from '../support/mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

setDefaultTimeout(60_000);

const PER_MINUTE = 3;
const PROTOCOL_2025 = '2025-06-18';
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'rate-probe', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

let gh: TestGatehouse;
let clock: ManualClock;
let admin: CookieClient;
let member: { access_token: string };
let second: { access_token: string };

function mcp(token: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${gh.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

async function openSession(token: string): Promise<string> {
  const init = await mcp(token, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: PROTOCOL_2025, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  await init.text();
  const id = init.headers.get('mcp-session-id')!;
  await (
    await mcp(
      token,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_2025 },
    )
  ).text();
  return id;
}

/** whoami over a 2025-era session. */
function sessionCall(token: string, sessionId: string, id: number) {
  return mcp(
    token,
    { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
    { 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_2025 },
  );
}

/** whoami as a sessionless 2026-07-28 request. */
function statelessCall(token: string, id: number) {
  return mcp(
    token,
    {
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'whoami', arguments: {}, _meta: MODERN_META },
    },
    { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'whoami' },
  );
}

function rateLimitedEntries(familyId: string) {
  return gh.ctx.db
    .select()
    .from(schema.auditEntries)
    .where(
      and(
        eq(schema.auditEntries.event, 'tool.call'),
        eq(schema.auditEntries.reason, 'rate_limited'),
        eq(schema.auditEntries.familyId, familyId),
      ),
    )
    .all();
}

const familyOf = (token: string) => gh.ctx.oauth.tokens.bearer(token)!.family.id;

async function expectRefused(res: Response, id: number) {
  expect(res.status).toBe(429);
  const retry = Number(res.headers.get('retry-after'));
  expect(retry).toBeGreaterThanOrEqual(1);
  expect(res.headers.get('ratelimit-policy')).toBe(`"tool-calls";q=${PER_MINUTE};w=60`);
  expect(res.headers.get('ratelimit')).toStartWith('"tool-calls";r=0;t=');
  const body = (await res.json()) as {
    id: number;
    error: { code: number; message: string; data: { retryAfterSeconds: number; limitPerMinute: number } };
  };
  expect(body.id).toBe(id);
  expect(body.error.code).toBe(LIMIT_EXCEEDED);
  expect(body.error.message).toBe(
    `Rate limit: this token may make ${PER_MINUTE} tool calls per minute (your team's setting). The call was not run; retry in ${retry} s.`,
  );
  expect(body.error.data).toEqual({ retryAfterSeconds: retry, limitPerMinute: PER_MINUTE });
  return retry;
}

beforeAll(async () => {
  clock = new ManualClock();
  gh = await startTestGatehouse({ clock });
  [admin, member, second] = await Promise.all([
    signIn(gh.url, 'admin@demo.test'),
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'member@demo.test'),
  ]);
  // The team's admin sets the rate on the Settings page.
  const page = await (await admin.fetch(`${gh.url}/settings`)).text();
  expect(page).toContain(`name="tool_calls_per_minute" value="${DEFAULT_TOOL_CALLS_PER_MINUTE}"`);
  const saved = await admin.post(`${gh.url}/settings/durations`, {
    _csrf: hiddenInput(page, '_csrf')!,
    tool_calls_per_minute: String(PER_MINUTE),
  });
  expect(saved.status).toBe(303);
  expect(gh.ctx.teams.settings(seededTeamId(gh)).toolCallsPerMinute).toBe(PER_MINUTE);
});
afterAll(() => gh.stop());
// Every test starts with full buckets (well within the access tokens' hour).
beforeEach(() => clock.advance(2 * 60 * 1000));

describe('tool calls per token', () => {
  test('2025 session — calls up to the team’s rate run; the next is a JSON-RPC error in a 429, not run', async () => {
    const session = await openSession(member.access_token);
    for (let i = 0; i < PER_MINUTE; i++) {
      const ok = await sessionCall(member.access_token, session, 10 + i);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('ratelimit')).toStartWith(`"tool-calls";r=${PER_MINUTE - 1 - i};`);
      expect(await ok.text()).toContain('You act as member@demo.test');
    }
    const before = gh.ctx.db
      .select()
      .from(schema.auditEntries)
      .where(eq(schema.auditEntries.tool, 'whoami'))
      .all();
    await expectRefused(await sessionCall(member.access_token, session, 20), 20);
    // Not run: no whoami entry was added other than the one refusal.
    const after = gh.ctx.db
      .select()
      .from(schema.auditEntries)
      .where(eq(schema.auditEntries.tool, 'whoami'))
      .all();
    expect(after.length).toBe(before.length + 1);
    expect(after.at(-1)).toMatchObject({ outcome: 'denied', reason: 'rate_limited', sessionId: session });
    // The session itself is fine: other requests still work.
    const list = await mcp(
      member.access_token,
      { jsonrpc: '2.0', id: 21, method: 'tools/list' },
      { 'mcp-session-id': session, 'mcp-protocol-version': PROTOCOL_2025 },
    );
    expect(list.status).toBe(200);
    await list.text();
  });

  test('2026-07-28 stateless — the same limit, the same answer', async () => {
    for (let i = 0; i < PER_MINUTE; i++) {
      const ok = await statelessCall(member.access_token, 30 + i);
      expect(ok.status).toBe(200);
      await ok.text();
    }
    await expectRefused(await statelessCall(member.access_token, 40), 40);
  });

  test('per token — another token of the same person keeps its own quota', async () => {
    for (let i = 0; i < PER_MINUTE; i++) await (await statelessCall(member.access_token, 50 + i)).text();
    await expectRefused(await statelessCall(member.access_token, 60), 60);
    const other = await statelessCall(second.access_token, 61);
    expect(other.status).toBe(200);
    await other.text();
  });

  test('audit — one entry per window however many calls it refuses; the next window gets its own', async () => {
    const family = familyOf(member.access_token);
    const already = rateLimitedEntries(family).length;
    for (let i = 0; i < PER_MINUTE; i++) await (await statelessCall(member.access_token, 70 + i)).text();
    for (let i = 0; i < 10; i++)
      await expectRefused(await statelessCall(member.access_token, 80 + i), 80 + i);
    expect(rateLimitedEntries(family).length).toBe(already + 1);
    const entry = rateLimitedEntries(family).at(-1)!;
    expect(entry).toMatchObject({ outcome: 'denied', tool: 'whoami', reason: 'rate_limited' });
    expect(JSON.parse(entry.details!)).toMatchObject({ limit_per_minute: PER_MINUTE });

    // A minute later: calls run again, and the next flood is audited once more.
    clock.advance(60_000);
    for (let i = 0; i < PER_MINUTE; i++) {
      const ok = await statelessCall(member.access_token, 90 + i);
      expect(ok.status).toBe(200);
      await ok.text();
    }
    await expectRefused(await statelessCall(member.access_token, 99), 99);
    await expectRefused(await statelessCall(member.access_token, 100), 100);
    expect(rateLimitedEntries(family).length).toBe(already + 2);
  });

  test('settings — the rate is bounded; an out-of-range value is refused and nothing changes', async () => {
    const page = await (await admin.fetch(`${gh.url}/settings`)).text();
    for (const bad of ['0', '100001', '2.5', 'many']) {
      const res = await admin.post(`${gh.url}/settings/durations`, {
        _csrf: hiddenInput(page, '_csrf')!,
        tool_calls_per_minute: bad,
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('Tool calls per minute must be a whole number between 1 and 100000');
    }
    expect(gh.ctx.teams.settings(seededTeamId(gh)).toolCallsPerMinute).toBe(PER_MINUTE);
  });
});
