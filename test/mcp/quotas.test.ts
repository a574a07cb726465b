/**
 * Per-person quotas on what stays open (issue 18 "Fair limits"): 2025-era MCP sessions and
 * 2026-07-28 `subscriptions/listen` streams are counted per human over all their tokens. A full
 * quota refuses the newcomer with a clear JSON-RPC error in a 429; nothing anyone else holds is
 * ever ended to make room (today's global `evictOldest` did exactly that). Heavier floods are in
 * test/stress/exhaustion.test.ts.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  MAX_LISTEN_STREAMS_PER_USER,
  MAX_MCP_SESSIONS_PER_USER,
  MCP_SESSION_IDLE_TTL_MS,
} from '../../src/config/constants.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { LIMIT_EXCEEDED } from '../../src/mcp/json-rpc.ts';
import { hiddenInput } from '../support/http.ts';
import { tokensFor } from '../support/mcp.ts';
import { type ListenStream, openListen } from '../support/raw-mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

setDefaultTimeout(60_000);

const PROTOCOL_2025 = '2025-06-18';

let gh: TestGatehouse;
let clock: ManualClock;

function mcp(token: string, body: unknown, headers: Record<string, string> = {}, method = 'POST') {
  return fetch(`${gh.url}/mcp`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: method === 'POST' ? JSON.stringify(body) : undefined,
  });
}

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: PROTOCOL_2025, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** initialize + initialized: the session id, or the refusal. */
async function openSession(token: string): Promise<{ id: string } | { refused: Response }> {
  const init = await mcp(token, INIT);
  if (init.status !== 200) return { refused: init };
  await init.text();
  const id = init.headers.get('mcp-session-id')!;
  const ack = await mcp(
    token,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_2025 },
  );
  await ack.text();
  return { id };
}

async function mustOpen(token: string): Promise<string> {
  const r = await openSession(token);
  if ('refused' in r) throw new Error(`refused: ${r.refused.status} ${await r.refused.text()}`);
  return r.id;
}

/** A session answers a ping: it is alive. */
async function alive(token: string, id: string): Promise<boolean> {
  const res = await mcp(
    token,
    { jsonrpc: '2.0', id: 7, method: 'ping' },
    { 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_2025 },
  );
  await res.text();
  return res.status === 200;
}

/** Three connection tokens made on the Connections page, as a human makes them. */
async function connectionTokens(email: string, n: number): Promise<string[]> {
  const browser = await signIn(gh.url, email);
  const csrf = hiddenInput(await (await browser.fetch(`${gh.url}/connections`)).text(), '_csrf')!;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await browser.post(`${gh.url}/connections`, {
      _csrf: csrf,
      name: `quota ${i}`,
      expiry: 'never',
      access: 'mcp',
    });
    out.push(/gatehouse_ct_[A-Za-z0-9_-]+/.exec(await res.text())![0]);
  }
  return out;
}

async function expectQuotaError(res: Response, message: string, id: number | null = null) {
  expect(res.status).toBe(429);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const body = (await res.json()) as { id: unknown; error: { code: number; message: string; data: unknown } };
  expect(body.id).toBe(id);
  expect(body.error.code).toBe(LIMIT_EXCEEDED);
  expect(body.error.message).toStartWith(message);
  return body.error;
}

beforeAll(async () => {
  clock = new ManualClock();
  gh = await startTestGatehouse({ clock });
});
afterAll(() => gh.stop());

describe('sessions per person', () => {
  test('sessions — one person’s flood over several tokens is refused at their quota; nobody else’s session ends', async () => {
    const viewer = (await tokensFor(gh.url, 'viewer@demo.test')).access_token;
    const victim = await mustOpen(viewer);
    // The flooder holds several tokens: the quota is theirs, not each token's.
    const tokens = [
      (await tokensFor(gh.url, 'member@demo.test')).access_token,
      ...(await connectionTokens('member@demo.test', 3)),
    ];
    const opened: { token: string; id: string }[] = [];
    for (let i = 0; i < MAX_MCP_SESSIONS_PER_USER; i++) {
      const token = tokens[i % tokens.length]!;
      opened.push({ token, id: await mustOpen(token) });
    }
    expect(gh.mcp.sessions.heldBy(gh.ctx.oauth.tokens.bearer(tokens[0]!)!.family.userId)).toBe(
      MAX_MCP_SESSIONS_PER_USER,
    );

    for (const token of tokens) {
      const r = await openSession(token);
      expect('refused' in r).toBe(true);
      const error = await expectQuotaError(
        (r as { refused: Response }).refused,
        `Too many open MCP sessions: you hold ${MAX_MCP_SESSIONS_PER_USER}, the most one person may (over all your tokens). Close sessions you no longer use (HTTP DELETE with their Mcp-Session-Id)`,
      );
      expect(error.data).toMatchObject({ limit: MAX_MCP_SESSIONS_PER_USER, scope: 'person' });
    }

    // Nothing was ended to make room: the victim's session and every one of the flooder's answer.
    expect(await alive(viewer, victim)).toBe(true);
    expect(await alive(opened[0]!.token, opened[0]!.id)).toBe(true);
    expect(await alive(opened.at(-1)!.token, opened.at(-1)!.id)).toBe(true);
    // Someone else still opens sessions.
    expect(await alive(viewer, await mustOpen(viewer))).toBe(true);

    // Closing one gives its place back at once.
    const del = await mcp(
      opened[0]!.token,
      undefined,
      { 'mcp-session-id': opened[0]!.id, 'mcp-protocol-version': PROTOCOL_2025 },
      'DELETE',
    );
    expect(del.status).toBe(200);
    const replacement = await mustOpen(tokens[1]!);
    expect('refused' in (await openSession(tokens[2]!))).toBe(true);

    // Retry-After says when the least recently used one would expire idle; once past it, the
    // idle ones are closed and the person is served again.
    const r = (await openSession(tokens[0]!)) as { refused: Response };
    const wait = Number(r.refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(MCP_SESSION_IDLE_TTL_MS / 1000);
    expect(wait).toBeLessThanOrEqual(MCP_SESSION_IDLE_TTL_MS / 1000 + 1);
    await r.refused.text();
    clock.advance(wait * 1000);
    const fresh = await mustOpen(tokens[0]!);
    expect(await alive(tokens[0]!, fresh)).toBe(true);
    expect(await alive(tokens[1]!, replacement)).toBe(false);
    clock.advance(-wait * 1000);
  });
});

describe('listen streams per person', () => {
  test('listen — past their quota a person’s next stream is refused with a clear error; others still listen', async () => {
    const member = (await tokensFor(gh.url, 'member@demo.test')).access_token;
    const spare = (await tokensFor(gh.url, 'member@demo.test')).access_token;
    const admin = (await tokensFor(gh.url, 'admin@demo.test')).access_token;
    const streams: ListenStream[] = [];
    try {
      // One on a second token: the quota counts the person.
      const onSpare = await openListen(gh.url, spare, 1);
      expect(onSpare.res.status).toBe(200);
      streams.push(onSpare);
      for (let i = 1; i < MAX_LISTEN_STREAMS_PER_USER; i++) {
        const s = await openListen(gh.url, member, 100 + i);
        expect(s.res.status).toBe(200);
        streams.push(s);
      }
      const refused = await openListen(gh.url, member, 999);
      const error = await expectQuotaError(
        refused.res,
        `Too many open subscriptions/listen streams: you hold ${MAX_LISTEN_STREAMS_PER_USER}, the most one person may`,
        999,
      );
      expect(error.data).toMatchObject({ limit: MAX_LISTEN_STREAMS_PER_USER, scope: 'person' });

      // Someone else is not held back.
      const other = await openListen(gh.url, admin, 5);
      expect(other.res.status).toBe(200);
      streams.push(other);

      // Revoking the spare token ends its stream and gives the place back.
      const client = gh.ctx.oauth.tokens.bearer(spare)!.family.clientId!;
      const revoked = await fetch(`${gh.url}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: spare, client_id: client }),
      });
      expect(revoked.status).toBe(200);
      const again = await openListen(gh.url, member, 1000);
      expect(again.res.status).toBe(200);
      streams.push(again);
    } finally {
      await Promise.all(streams.map((s) => s.close()));
    }
  });
});
