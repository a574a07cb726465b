/**
 * Resource exhaustion (docs/architecture.md "Quality bars": the server never answers 500 to input; bounded work per
 * client). Gatehouse runs as a child process so its memory and file descriptors are its own.
 *
 *   - Oversized bodies to /mcp, /token, /revoke, /register and console forms: a clear 413 or
 *     400, never a 5xx. Above the application limits (64 KiB forms, 16 KiB client metadata) the
 *     answer carries a body in the endpoint's own format; above Bun's hard cap (1 MiB,
 *     `maxRequestBodySize`) Bun's parser answers 413 itself, before any application code runs.
 *   - A flood of 2025-era sessions by one person over many tokens (connection tokens made on the
 *     console's Connections page, up to its per-person quota, and OAuth authorizations), as the
 *     security review did it (51 tokens, 5,100 sessions): refused with a clear 429 once the
 *     person holds MAX_MCP_SESSIONS_PER_USER; every other person's session stays open (nothing is
 *     evicted), memory stays bounded while more attempts keep arriving, and a normal client's
 *     calls keep succeeding meanwhile.
 *   - Slow clients (raw TCP): one that never sends, one that stops mid-headers, and ones that
 *     trickle a body one byte per second. Normal calls are served alongside them without delay;
 *     in full mode the server is seen closing them all by Bun's 10 s idle timeout (long tool
 *     calls stay alive through SSE keep-alives, so no request needs a longer timeout).
 *
 * Short: 6 tokens × 40 session opens, 40 slow clients. Full (GATEHOUSE_STRESS=1): 51 tokens × 100
 * opens (the review's 5,100), 100 slow clients, and the wait for the server to close them.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import {
  IDLE_TIMEOUT_S,
  MAX_CONNECTION_TOKENS_PER_USER,
  MAX_MCP_SESSIONS_PER_USER,
  MAX_REQUEST_BODY_BYTES,
} from '../../src/config/constants.ts';
import { MAX_FORM_BYTES } from '../../src/http/forms.ts';
import { MAX_METADATA_BYTES } from '../../src/oauth/clients/validate-metadata.ts';
import { type CookieClient, hiddenInput } from '../support/http.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { obtainTokens, registerClient } from '../support/oauth.ts';
import { openStore } from '../support/pg.ts';
import { signIn } from '../support/sign-in.ts';
import { fdCount, type GatehouseProcess, rssKb, spawnGatehouse } from '../support/subprocess.ts';
import {
  FULL,
  guard,
  INITIALIZE,
  MODE,
  mcpPost,
  openRawSession,
  PROTOCOL_2025,
  percentile,
  writeArtifact,
} from './lib.ts';

setDefaultTimeout(FULL ? 900_000 : 60_000);

/** The flooder's tokens: connection tokens up to their quota, the rest OAuth authorizations. */
const TOKENS = FULL ? 51 : 6;
const CONNECTION_TOKENS = Math.min(TOKENS, MAX_CONNECTION_TOKENS_PER_USER);
const SESSIONS_PER_TOKEN = FULL ? 100 : 40;
/** Other people's sessions opened before the flood: none may end. */
const VICTIM_SESSIONS = FULL ? 50 : 5;
/** More attempts once the flooder is at their quota: memory must not follow. */
const CHURN = FULL ? 1_500 : 300;
const OPEN_CONCURRENCY = 16;
const SLOW_CLIENTS = FULL ? 100 : 40;
/** "Without delay beyond a generous bound": a normal call's latency next to slow clients. */
const NORMAL_CALL_BOUND_MS = 2_000;
/** Memory growth allowed while CHURN more sessions arrive on a capped authorization. */
const CHURN_RSS_BOUND_MB = 96;

let gh: GatehouseProcess;
let browser: CookieClient;
let normal: ClientV1;
const report: Record<string, unknown> = {};

beforeAll(async () => {
  gh = await spawnGatehouse();
  browser = await signIn(gh.url, 'member@demo.test');
  await raiseToolCallRate();
  const t = await tokensFor(gh.url, 'member@demo.test');
  normal = await connectV1(gh.url, t.access_token);
});

/**
 * The normal client calls every 100 ms for the whole run: the team's admin raises the per-token
 * tool-call rate on the Settings page so this file measures exhaustion, not that limit.
 */
async function raiseToolCallRate() {
  const admin = await signIn(gh.url, 'admin@demo.test');
  const page = await (await admin.fetch(`${gh.url}/settings`)).text();
  const res = await admin.post(`${gh.url}/settings/durations`, {
    _csrf: consoleCsrf(page),
    tool_calls_per_minute: '100000',
  });
  expect(res.status).toBe(303);
}

afterAll(async () => {
  await normal?.close().catch(() => {});
  await gh?.stop();
  const path = writeArtifact('exhaustion', report);
  console.log(`[stress/exhaustion] ${MODE}: ${JSON.stringify(report)}\n  → ${path}`);
});

/** A normal call: succeeds, and how long it took. */
async function normalCall(label: string): Promise<number> {
  const started = performance.now();
  const r = await guard(call(normal, 'list_users', { email: `${label}@stress.test` }), 30_000, 'normal call');
  expect(r.isError).toBe(false);
  return performance.now() - started;
}

/** Keeps a normal client calling every `everyMs` until stopped; returns the latencies. */
function keepCalling(everyMs: number) {
  const latencies: number[] = [];
  let stop = false;
  const done = (async () => {
    let i = 0;
    while (!stop) {
      latencies.push(await normalCall(`meanwhile-${i++}`));
      await Bun.sleep(everyMs);
    }
  })();
  return {
    latencies,
    async stop() {
      stop = true;
      await done;
      return latencies;
    },
  };
}

function consoleCsrf(html: string): string {
  const csrf = hiddenInput(html, '_csrf');
  if (!csrf) throw new Error('no CSRF token on the page');
  return csrf;
}

describe(`stress — exhaustion (${MODE})`, () => {
  test('oversized bodies — a clear 413 or 400 with a body, never a 5xx; beyond 1 MiB, Bun’s own 413', async () => {
    const access = (await tokensFor(gh.url, 'member@demo.test')).access_token;
    const csrf = consoleCsrf(await (await browser.fetch(`${gh.url}/connections`)).text());
    const form = (n: number, extra = '') => `${extra}pad=${'p'.repeat(n)}`;
    const chunked = (n: number) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
          for (let i = 0; i < Math.ceil(n / chunk.byteLength); i++) c.enqueue(chunk);
          c.close();
        },
      });
    const overCap = MAX_REQUEST_BODY_BYTES * 2;
    const json = { 'content-type': 'application/json' };
    const urlencoded = { 'content-type': 'application/x-www-form-urlencoded' };
    const mcpHeaders = {
      ...json,
      authorization: `Bearer ${access}`,
      accept: 'application/json, text/event-stream',
    };
    type Case = {
      name: string;
      path: string;
      headers: Record<string, string>;
      body: string | ReadableStream<Uint8Array>;
      expect: { status: number[]; format: 'json-rpc' | 'oauth' | 'html' | 'bun' | 'tool-error' };
      useBrowser?: boolean;
    };
    const bigArgs = JSON.stringify({
      ...INITIALIZE,
      params: {
        ...INITIALIZE.params,
        clientInfo: { name: 'big', version: '1', pad: 'z'.repeat(MAX_REQUEST_BODY_BYTES - 10_000) },
      },
    });
    const cases: Case[] = [
      // /mcp: under the cap the transport reads it; over it, Bun refuses it (declared or chunked).
      {
        name: '/mcp, ~1 MiB initialize (under the cap)',
        path: '/mcp',
        headers: mcpHeaders,
        body: bigArgs,
        expect: { status: [200], format: 'json-rpc' },
      },
      {
        name: '/mcp, 2 MiB declared',
        path: '/mcp',
        headers: mcpHeaders,
        body: 'x'.repeat(overCap),
        expect: { status: [413], format: 'bun' },
      },
      {
        name: '/mcp, 2 MiB chunked',
        path: '/mcp',
        headers: mcpHeaders,
        body: chunked(overCap),
        expect: { status: [413], format: 'bun' },
      },
      {
        name: '/token, 100 KiB form',
        path: '/token',
        headers: urlencoded,
        body: form(100_000, 'grant_type=refresh_token&'),
        expect: { status: [400, 413], format: 'oauth' },
      },
      {
        name: '/token, 2 MiB form',
        path: '/token',
        headers: urlencoded,
        body: form(overCap),
        expect: { status: [413], format: 'bun' },
      },
      {
        name: '/token, 2 MiB chunked',
        path: '/token',
        headers: urlencoded,
        body: chunked(overCap),
        expect: { status: [413], format: 'bun' },
      },
      {
        name: '/revoke, 100 KiB form',
        path: '/revoke',
        headers: urlencoded,
        body: form(100_000, 'token=x&'),
        expect: { status: [400, 413], format: 'oauth' },
      },
      {
        name: '/register, 20 KiB metadata',
        path: '/register',
        headers: json,
        body: JSON.stringify({
          client_name: 'n'.repeat(MAX_METADATA_BYTES + 4_000),
          redirect_uris: ['http://127.0.0.1:9999/callback'],
        }),
        expect: { status: [400, 413], format: 'oauth' },
      },
      {
        name: '/register, 2 MiB metadata',
        path: '/register',
        headers: json,
        body: JSON.stringify({ client_name: 'n'.repeat(overCap) }),
        expect: { status: [413], format: 'bun' },
      },
      {
        name: '/login, 100 KiB form',
        path: '/login',
        headers: urlencoded,
        body: form(MAX_FORM_BYTES + 30_000, `_csrf=x&`),
        expect: { status: [413], format: 'html' },
      },
      {
        name: '/connections, 100 KiB form (signed in, CSRF)',
        path: '/connections',
        headers: urlencoded,
        body: form(MAX_FORM_BYTES + 30_000, `_csrf=${csrf}&name=big&`),
        expect: { status: [413], format: 'html' },
        useBrowser: true,
      },
      {
        name: '/settings/toggle, 100 KiB form (signed in)',
        path: '/settings/toggle',
        headers: urlencoded,
        body: form(MAX_FORM_BYTES + 30_000, `_csrf=${csrf}&`),
        expect: { status: [403, 413], format: 'html' },
        useBrowser: true,
      },
      {
        name: '/connections, 2 MiB form',
        path: '/connections',
        headers: urlencoded,
        body: form(overCap),
        expect: { status: [413], format: 'bun' },
        useBrowser: true,
      },
      {
        name: '/login, 2 MiB chunked',
        path: '/login',
        headers: urlencoded,
        body: chunked(overCap),
        expect: { status: [413], format: 'bun' },
      },
    ];
    const outcomes: Record<string, string> = {};
    for (const c of cases) {
      const init: RequestInit & { duplex?: 'half' } = {
        method: 'POST',
        headers: c.headers,
        body: c.body,
        redirect: 'manual',
      };
      if (typeof c.body !== 'string') init.duplex = 'half';
      const res = await (c.useBrowser
        ? browser.fetch(`${gh.url}${c.path}`, init)
        : fetch(`${gh.url}${c.path}`, init));
      const text = await res.text();
      const type = res.headers.get('content-type') ?? '';
      outcomes[c.name] = `${res.status} ${type.split(';')[0]} ${text.length}B`;
      expect(`${c.name}: ${res.status}`).toBe(
        `${c.name}: ${c.expect.status.includes(res.status) ? res.status : c.expect.status.join('|')}`,
      );
      expect(res.status).toBeLessThan(500);
      switch (c.expect.format) {
        case 'json-rpc':
          expect(text).toContain('"jsonrpc":"2.0"');
          break;
        case 'oauth': {
          expect(type).toContain('application/json');
          const j = JSON.parse(text) as { error: string; error_description: string };
          expect(j.error).toMatch(/^(invalid_request|invalid_client_metadata)$/);
          expect(j.error_description).toMatch(/too large|at most/);
          break;
        }
        case 'html':
          expect(type).toStartWith('text/html');
          expect(text).toStartWith('<!doctype html>');
          break;
        case 'bun':
          // Refused by Bun before Gatehouse: a bare 413 (recorded in the artifact).
          break;
      }
    }
    report.oversized = outcomes;
    expect(gh.dead).toBe(false);
    await normalCall('after-oversized');
  });

  test(`session flood — one person, ${TOKENS} tokens × ${SESSIONS_PER_TOKEN} opens, then ${CHURN} more: refused at their quota, nobody else's session ends, memory stays bounded, normal calls work`, async () => {
    // Connection tokens, made where a human makes them (the Connections page), up to the quota;
    // past it the page refuses; the rest of the flooder's tokens are OAuth authorizations.
    const csrf = consoleCsrf(await (await browser.fetch(`${gh.url}/connections`)).text());
    const tokens: string[] = [];
    for (let i = 0; i < CONNECTION_TOKENS; i++) {
      const res = await browser.post(`${gh.url}/connections`, {
        _csrf: csrf,
        name: `flood ${i}`,
        expiry: 'never',
        access: 'mcp',
      });
      expect(res.status).toBe(200);
      const token = /gatehouse_ct_[A-Za-z0-9_-]+/.exec(await res.text())?.[0];
      expect(token).toBeTruthy();
      tokens.push(token!);
    }
    if (CONNECTION_TOKENS === MAX_CONNECTION_TOKENS_PER_USER) {
      const over = await browser.post(`${gh.url}/connections`, {
        _csrf: csrf,
        name: 'one too many',
        expiry: 'never',
        access: 'mcp',
      });
      expect(over.status).toBe(409);
      expect(await over.text()).toContain('the most one person may hold');
    }
    // One registered client, authorized again and again (registrations are rate-limited per address).
    const client = await registerClient(gh.url);
    while (tokens.length < TOKENS) tokens.push((await obtainTokens(gh.url, browser, client)).access_token);

    // Other people's sessions, opened first.
    const victims: { token: string; id: string }[] = [];
    for (const email of ['admin@demo.test', 'viewer@demo.test']) {
      const token = (await tokensFor(gh.url, email)).access_token;
      for (let i = 0; i < VICTIM_SESSIONS; i++)
        victims.push({ token, id: await openRawSession(gh.url, token) });
    }

    // The server's database as another process reads it (the file, or its PostgreSQL database).
    const db = await openStore(gh.dataDir);
    const liveByUser = () =>
      db
        .query<{ email: string; n: number }, []>(
          `SELECT u.email AS email, count(*) AS n FROM mcp_sessions s JOIN users u ON u.id = s.user_id
           WHERE s.closed_at IS NULL GROUP BY u.email`,
        )
        .all();
    const memberLive = () => liveByUser().find((l) => l.email === 'member@demo.test')?.n ?? 0;
    const rssBefore = rssKb(gh.pid)!;
    const meanwhile = keepCalling(100);

    // The flood: every token opens SESSIONS_PER_TOKEN sessions, OPEN_CONCURRENCY at a time.
    const plan = tokens.flatMap((t) => Array.from({ length: SESSIONS_PER_TOKEN }, () => t));
    const outcomes = { opened: 0, refused: 0, other: [] as string[] };
    let refusal = '';
    let maxMemberSeen = 0;
    let next = 0;
    const started = performance.now();
    const attempt = async (token: string) => {
      const res = await mcpPost(gh.url, token, INITIALIZE);
      const text = await res.text();
      if (res.status === 200) {
        outcomes.opened++;
        const id = res.headers.get('mcp-session-id')!;
        const ack = await mcpPost(
          gh.url,
          token,
          { jsonrpc: '2.0', method: 'notifications/initialized' },
          { 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_2025 },
        );
        await ack.arrayBuffer();
      } else if (res.status === 429 && res.headers.get('retry-after')) {
        outcomes.refused++;
        refusal ||= text;
      } else outcomes.other.push(`${res.status} ${text.slice(0, 200)}`);
    };
    const opener = async () => {
      while (next < plan.length) {
        const token = plan[next++]!;
        await attempt(token);
        if (next % 50 === 0) maxMemberSeen = Math.max(maxMemberSeen, memberLive());
      }
    };
    await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, opener));
    const floodMs = performance.now() - started;
    const afterFlood = memberLive();
    const rssAfterFlood = rssKb(gh.pid)!;

    // Churn: many more attempts by the person at their quota.
    const churnToken = tokens[0]!;
    let c = 0;
    await Promise.all(
      Array.from({ length: OPEN_CONCURRENCY }, async () => {
        while (c++ < CHURN) await attempt(churnToken);
      }),
    );
    const afterChurn = memberLive();
    const rssAfterChurn = rssKb(gh.pid)!;
    const latencies = await meanwhile.stop();

    // From the outside: a session that still answers is alive.
    const alive = async (token: string, id: string) => {
      const res = await mcpPost(
        gh.url,
        token,
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_2025 },
      );
      await res.arrayBuffer();
      return res.status === 200;
    };
    const victimsAlive = (await Promise.all(victims.map((v) => alive(v.token, v.id)))).filter(Boolean).length;
    db.close();

    report.sessions = {
      tokens: TOKENS,
      connectionTokens: CONNECTION_TOKENS,
      opensPerToken: SESSIONS_PER_TOKEN,
      attempts: plan.length,
      floodMs: Math.round(floodMs),
      quota: MAX_MCP_SESSIONS_PER_USER,
      opened: outcomes.opened,
      refused: outcomes.refused,
      otherAnswers: outcomes.other.slice(0, 5),
      memberLive: { maxSeenDuringFlood: maxMemberSeen, afterFlood, afterChurn },
      victims: { sessions: victims.length, stillAnswering: victimsAlive },
      rssKb: { before: rssBefore, afterFlood: rssAfterFlood, afterChurn: rssAfterChurn },
      churnGrowthMb: Math.round((rssAfterChurn - rssAfterFlood) / 1024),
      normalCalls: {
        count: latencies.length,
        p50Ms: Math.round(percentile(latencies, 50)),
        maxMs: Math.round(Math.max(...latencies)),
      },
    };

    // Every attempt was either a session or a clear, retryable refusal.
    expect(outcomes.other).toEqual([]);
    expect(outcomes.opened + outcomes.refused).toBe(plan.length + CHURN);
    expect(outcomes.refused).toBeGreaterThanOrEqual(plan.length + CHURN - MAX_MCP_SESSIONS_PER_USER);
    expect(refusal).toContain('Too many open MCP sessions: you hold');
    // The person never holds more than the quota (their normal client's session included).
    expect(maxMemberSeen).toBeLessThanOrEqual(MAX_MCP_SESSIONS_PER_USER);
    expect(afterFlood).toBeLessThanOrEqual(MAX_MCP_SESSIONS_PER_USER);
    expect(afterChurn).toBeLessThanOrEqual(MAX_MCP_SESSIONS_PER_USER);
    // Nobody else's session was ended to make room.
    expect(victimsAlive).toBe(victims.length);
    // Unbounded arrivals, bounded memory.
    expect(rssAfterChurn - rssAfterFlood).toBeLessThan(CHURN_RSS_BOUND_MB * 1024);
    // Refusals are cheap, so a short flood may be over after a few normal calls: each succeeded.
    expect(latencies.length).toBeGreaterThan(0);
    await normalCall('after-sessions');
  });

  test(`slow clients — ${SLOW_CLIENTS} connections that never send, stop mid-headers or trickle a body; normal calls are not delayed${FULL ? '; the server closes them' : ''}`, async () => {
    const host = `localhost:${gh.port}`;
    const access = (await tokensFor(gh.url, 'member@demo.test')).access_token;
    const kinds = {
      silent: null,
      'partial-headers': `POST /token HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\n`,
      'trickle-token': `POST /token HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n`,
      'trickle-login': `POST /login HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n`,
      'trickle-mcp-unauthenticated': `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 500\r\n\r\n`,
      'trickle-mcp-authenticated': `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${access}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 500\r\n\r\n`,
    } as const;
    type Kind = keyof typeof kinds;
    interface Slow {
      kind: Kind;
      openedAt: number;
      closedAt?: number;
      received: string;
      closed: Promise<void>;
      end(): void;
    }
    const fdBefore = fdCount(gh.pid)!;
    const slow: Slow[] = [];
    const names = Object.keys(kinds) as Kind[];
    for (let i = 0; i < SLOW_CLIENTS; i++) {
      const kind = names[i % names.length]!;
      let resolveClosed!: () => void;
      const s: Slow = {
        kind,
        openedAt: performance.now(),
        received: '',
        closed: new Promise((r) => (resolveClosed = r)),
        end: () => {},
      };
      let timer: ReturnType<typeof setInterval> | undefined;
      const socket = await Bun.connect({
        hostname: '127.0.0.1',
        port: gh.port,
        socket: {
          open(sock) {
            const head = kinds[kind];
            if (head) sock.write(head);
            if (kind.startsWith('trickle')) timer = setInterval(() => sock.write('a'), 1_000);
          },
          data(_sock, data) {
            s.received += new TextDecoder().decode(data).slice(0, 200);
          },
          close() {
            clearInterval(timer);
            s.closedAt = performance.now();
            resolveClosed();
          },
          error() {},
        },
      });
      s.end = () => {
        clearInterval(timer);
        socket.end();
      };
      slow.push(s);
    }
    await Bun.sleep(100);
    const fdDuring = fdCount(gh.pid)!;

    // Normal traffic alongside: calls, a sign-in page, a token request.
    const latencies: number[] = [];
    const until = performance.now() + (FULL ? 8_000 : 3_000);
    let i = 0;
    while (performance.now() < until) {
      latencies.push(await normalCall(`beside-slow-${i++}`));
      const started = performance.now();
      const page = await fetch(`${gh.url}/login`);
      expect(page.status).toBe(200);
      await page.arrayBuffer();
      latencies.push(performance.now() - started);
      await Bun.sleep(50);
    }
    // A latency bound depends on the machine: asserted only in the full run (test:stress).
    if (FULL) expect(Math.max(...latencies)).toBeLessThan(NORMAL_CALL_BOUND_MS);
    // The unauthenticated /mcp trickle was refused at once (before its body arrived).
    for (const s of slow.filter((x) => x.kind === 'trickle-mcp-unauthenticated'))
      expect(s.received).toStartWith('HTTP/1.1 401');

    const closeSeconds: Record<string, number[]> = {};
    if (FULL) {
      // Normal traffic goes on for the whole wait.
      const meanwhile = keepCalling(1_000);
      // Idle connections, stalled headers and trickled bodies, authenticated or not: all closed
      // by the idle timeout.
      const idleBound = (IDLE_TIMEOUT_S + 10) * 1_000;
      await guard(Promise.all(slow.map((s) => s.closed)), idleBound + 5_000, 'slow clients closing');
      for (const s of slow)
        closeSeconds[s.kind] = [
          ...(closeSeconds[s.kind] ?? []),
          Math.round((s.closedAt! - s.openedAt) / 100) / 10,
        ];
      latencies.push(...(await meanwhile.stop()));
      expect(Math.max(...latencies)).toBeLessThan(NORMAL_CALL_BOUND_MS);
      for (const s of slow) expect(s.closedAt! - s.openedAt).toBeLessThan(idleBound);
    } else {
      for (const s of slow) s.end();
    }
    await Promise.race([Promise.all(slow.map((s) => s.closed)), Bun.sleep(5_000)]);
    // Their sockets are released.
    let fdAfter = fdCount(gh.pid)!;
    for (let tries = 0; tries < 50 && fdAfter > fdBefore + 5; tries++) {
      await Bun.sleep(200);
      fdAfter = fdCount(gh.pid)!;
    }
    expect(fdAfter).toBeLessThanOrEqual(fdBefore + 5);
    report.slowClients = {
      count: SLOW_CLIENTS,
      kinds: names,
      normalLatencyMs: {
        p50: Math.round(percentile(latencies, 50)),
        max: Math.round(Math.max(...latencies)),
        count: latencies.length,
      },
      closedByServerAfterSeconds: FULL
        ? Object.fromEntries(
            Object.entries(closeSeconds).map(([k, v]) => [k, { min: Math.min(...v), max: Math.max(...v) }]),
          )
        : 'short mode: closed by the client',
      fd: { before: fdBefore, withSlowClients: fdDuring, after: fdAfter },
    };
    await normalCall('after-slow');
  });
});
