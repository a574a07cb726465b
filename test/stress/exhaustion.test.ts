/**
 * Resource exhaustion (DESIGN §7: the server never answers 500 to input; bounded work per
 * client). Gatehouse runs as a child process so its memory and file descriptors are its own.
 *
 *   - Oversized bodies to /mcp, /token, /revoke, /register and console forms: a clear 413 or
 *     400, never a 5xx. Above the application limits (64 KiB forms, 16 KiB client metadata) the
 *     answer carries a body in the endpoint's own format; above Bun's hard cap (1 MiB,
 *     `maxRequestBodySize`) Bun's parser answers 413 itself, before any application code runs.
 *   - Thousands of idle 2025-era sessions over many connection tokens (created on the console's
 *     Connections page): at most MAX_SESSIONS_PER_FAMILY per authorization and MAX_SESSIONS in
 *     all stay alive, memory stays bounded while more sessions keep arriving, and a normal
 *     client's calls keep succeeding meanwhile.
 *   - Slow clients (raw TCP): one that never sends, one that stops mid-headers, and ones that
 *     trickle a body one byte per second. Normal calls are served alongside them without delay;
 *     in full mode the server is seen closing them all by Bun's 10 s idle timeout (long tool
 *     calls stay alive through SSE keep-alives, so no request needs a longer timeout).
 *
 * Short: 6 tokens × 120 sessions, 40 slow clients. Full (GATEHOUSE_STRESS=1): 55 tokens × 110
 * sessions (past the global cap), 100 slow clients, and the wait for the server to close them.
 */
import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { IDLE_TIMEOUT_S, MAX_REQUEST_BODY_BYTES } from '../../src/config/constants.ts';
import { MAX_FORM_BYTES } from '../../src/http/forms.ts';
import { MAX_SESSIONS, MAX_SESSIONS_PER_FAMILY } from '../../src/mcp/sessions.ts';
import { MAX_METADATA_BYTES } from '../../src/oauth/clients/validate-metadata.ts';
import { type CookieClient, hiddenInput } from '../support/http.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { signIn } from '../support/sign-in.ts';
import { fdCount, type GatehouseProcess, rssKb, spawnGatehouse } from '../support/subprocess.ts';
import {
  FULL,
  guard,
  MODE,
  mcpPost,
  openRawSession,
  PROTOCOL_2025,
  percentile,
  writeArtifact,
} from './lib.ts';

setDefaultTimeout(FULL ? 900_000 : 60_000);

const TOKENS = FULL ? 55 : 6;
const SESSIONS_PER_TOKEN = FULL ? 110 : 120;
/** More sessions on one authorization once every cap is reached: memory must not follow. */
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
  const t = await tokensFor(gh.url, 'member@demo.test');
  normal = await connectV1(gh.url, t.access_token);
});

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
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: PROTOCOL_2025,
        capabilities: {},
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

  test(`idle sessions — ${TOKENS} tokens × ${SESSIONS_PER_TOKEN}, then ${CHURN} more on one: caps hold, memory stays bounded, normal calls work`, async () => {
    // Connection tokens, made where a human makes them: the console's Connections page.
    const csrf = consoleCsrf(await (await browser.fetch(`${gh.url}/connections`)).text());
    const tokens: string[] = [];
    for (let i = 0; i < TOKENS; i++) {
      const res = await browser.post(`${gh.url}/connections`, {
        _csrf: csrf,
        name: `idle ${i}`,
        expiry: 'never',
        access: 'mcp',
      });
      expect(res.status).toBe(200);
      const token = /gatehouse_ct_[A-Za-z0-9_-]+/.exec(await res.text())?.[0];
      expect(token).toBeTruthy();
      tokens.push(token!);
    }
    const db = new Database(join(gh.dataDir, 'gatehouse.db'));
    const liveByFamily = () =>
      db
        .query<{ family_id: string; n: number }, []>(
          'SELECT family_id, count(*) AS n FROM mcp_sessions WHERE closed_at IS NULL GROUP BY family_id',
        )
        .all();
    const rssBefore = rssKb(gh.pid)!;
    const meanwhile = keepCalling(100);

    // Fill: every token opens SESSIONS_PER_TOKEN sessions, OPEN_CONCURRENCY at a time.
    const plan = tokens.flatMap((t) => Array.from({ length: SESSIONS_PER_TOKEN }, () => t));
    const opened: { token: string; id: string }[] = [];
    let next = 0;
    let maxPerFamilySeen = 0;
    let maxTotalSeen = 0;
    const opener = async () => {
      while (next < plan.length) {
        const token = plan[next++]!;
        opened.push({ token, id: await openRawSession(gh.url, token) });
        if (opened.length % 250 === 0) {
          const live = liveByFamily();
          maxPerFamilySeen = Math.max(maxPerFamilySeen, ...live.map((l) => l.n));
          maxTotalSeen = Math.max(
            maxTotalSeen,
            live.reduce((n, l) => n + l.n, 0),
          );
        }
      }
    };
    await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, opener));
    await Bun.sleep(200); // closing an evicted session finishes asynchronously
    const afterFill = liveByFamily();
    const rssAfterFill = rssKb(gh.pid)!;
    const totalAfterFill = afterFill.reduce((n, l) => n + l.n, 0);

    // Churn: many more sessions on one capped authorization.
    const churnToken = tokens[0]!;
    const churned: string[] = [];
    let c = 0;
    await Promise.all(
      Array.from({ length: OPEN_CONCURRENCY }, async () => {
        while (c++ < CHURN) churned.push(await openRawSession(gh.url, churnToken));
      }),
    );
    await Bun.sleep(200);
    const afterChurn = liveByFamily();
    const rssAfterChurn = rssKb(gh.pid)!;
    const latencies = await meanwhile.stop();

    // From the outside: a session that still answers is alive. The last ones of the churned
    // authorization must be (the oldest were evicted), and no more than the cap.
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
    const churnAlive = (await Promise.all(churned.map((id) => alive(churnToken, id)))).filter(Boolean).length;
    db.close();

    report.sessions = {
      tokens: TOKENS,
      perToken: SESSIONS_PER_TOKEN,
      opened: opened.length,
      churn: CHURN,
      caps: { MAX_SESSIONS, MAX_SESSIONS_PER_FAMILY },
      liveAfterFill: totalAfterFill,
      maxPerFamilyAfterFill: Math.max(...afterFill.map((l) => l.n)),
      maxPerFamilySeenDuringFill: maxPerFamilySeen,
      maxTotalSeenDuringFill: maxTotalSeen,
      liveAfterChurn: afterChurn.reduce((n, l) => n + l.n, 0),
      churnedStillAnswering: churnAlive,
      rssKb: { before: rssBefore, afterFill: rssAfterFill, afterChurn: rssAfterChurn },
      rssPerLiveSessionKb: Math.round((rssAfterFill - rssBefore) / Math.max(1, totalAfterFill)),
      churnGrowthMb: Math.round((rssAfterChurn - rssAfterFill) / 1024),
      normalCalls: {
        count: latencies.length,
        p50Ms: Math.round(percentile(latencies, 50)),
        maxMs: Math.round(Math.max(...latencies)),
      },
    };

    // The connection tokens' sessions plus the few of the other tests' clients.
    const cap = Math.min(MAX_SESSIONS, TOKENS * MAX_SESSIONS_PER_FAMILY + 5);
    expect(maxPerFamilySeen).toBeLessThanOrEqual(MAX_SESSIONS_PER_FAMILY);
    expect(maxTotalSeen).toBeLessThanOrEqual(MAX_SESSIONS + 1);
    for (const l of [...afterFill, ...afterChurn]) expect(l.n).toBeLessThanOrEqual(MAX_SESSIONS_PER_FAMILY);
    expect(totalAfterFill).toBeLessThanOrEqual(cap);
    expect(afterChurn.reduce((n, l) => n + l.n, 0)).toBeLessThanOrEqual(cap);
    expect(churnAlive).toBeLessThanOrEqual(MAX_SESSIONS_PER_FAMILY);
    expect(churnAlive).toBeGreaterThan(0);
    // Unbounded arrivals, bounded memory: CHURN more sessions on a capped authorization.
    expect(rssAfterChurn - rssAfterFill).toBeLessThan(CHURN_RSS_BOUND_MB * 1024);
    expect(latencies.length).toBeGreaterThan(3);
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
    expect(Math.max(...latencies)).toBeLessThan(NORMAL_CALL_BOUND_MS);
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
