/**
 * Client ID Metadata Documents fetched on an unauthenticated caller's say-so: the caller learns
 * only that a document could not be fetched (never how a name resolves), the detail is logged,
 * documents are reused for as long as their cache headers say (within [1 min, 24 h]), one fetch
 * per URL is in flight at a time, and fetches are rate-limited per host and in all.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { ManualClock } from '../../src/kernel/clock.ts';
import {
  DEFAULT_DOCUMENT_CACHE_MS,
  documentCacheMs,
  fetchMetadataDocument,
  MAX_DOCUMENT_CACHE_MS,
  MIN_DOCUMENT_CACHE_MS,
} from '../../src/oauth/clients/metadata-document.ts';
import { DOCUMENT_FETCHES_IN_ALL, DOCUMENT_FETCHES_PER_HOST } from '../../src/oauth/clients/service.ts';
import { guardedFetch } from '../../src/outbound/index.ts';
import { pkce, REDIRECT_URI, standardParams } from '../support/oauth.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(30_000);

/** What an address-revealing answer would contain. */
const REVEALING =
  /127\.0\.0\.1|10\.0\.0\.5|169\.254|::1|loopback|private|link-local|resolves|ENOTFOUND|metadata address/i;

function doc(url: string, change: Record<string, unknown> = {}): string {
  return JSON.stringify({
    client_id: url,
    client_name: 'Document Agent',
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'none',
    ...change,
  });
}

/** GET /authorize naming `clientId`, not signed in: 303 to /login when the client resolved. */
function authorize(base: string, clientId: string): Promise<Response> {
  const params = standardParams(base, clientId, pkce().challenge) as Record<string, string>;
  return fetch(`${base}/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
}

describe('fetchMetadataDocument — unit', () => {
  test('fetchMetadataDocument for names resolving to loopback, private or metadata addresses, or not at all — one answer, no address', async () => {
    const resolvers: [string, string, (host: string) => Promise<string[]>][] = [
      ['a loopback literal', 'https://127.0.0.1/client.json', async () => []],
      ['a name resolving to loopback', 'https://internal.example/client.json', async () => ['127.0.0.1']],
      [
        'a name resolving to a private address',
        'https://internal.example/client.json',
        async () => ['10.0.0.5'],
      ],
      [
        'a name resolving to the metadata address',
        'https://internal.example/client.json',
        async () => ['169.254.169.254'],
      ],
      ['a name resolving to IPv6 loopback', 'https://internal.example/client.json', async () => ['::1']],
      [
        'a name that does not resolve',
        'https://nowhere.example/client.json',
        async () => {
          throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
        },
      ],
    ];
    const messages = new Set<string>();
    for (const [what, url, resolver] of resolvers) {
      const r = await fetchMetadataDocument(url, (u) => guardedFetch(u, { resolver }));
      expect({ what, ok: r.ok }).toEqual({ what, ok: false });
      if (r.ok) continue;
      expect(r.message).not.toMatch(REVEALING);
      messages.add(r.message);
      // The detail (for the log only) still says what happened.
      expect(r.detail.length).toBeGreaterThan(0);
    }
    expect([...messages]).toEqual(['could not be fetched']);
  });

  test('documentCacheMs — max-age less Age, else Expires less Date, clamped to [1 min, 24 h]; no-store and no-cache get the floor', () => {
    const ms = (h: Record<string, string>) => documentCacheMs(new Headers(h));
    expect(ms({})).toBe(DEFAULT_DOCUMENT_CACHE_MS);
    expect(ms({ 'cache-control': 'public, max-age=300' })).toBe(300_000);
    expect(ms({ 'cache-control': 'max-age="300"' })).toBe(300_000);
    expect(ms({ 'cache-control': 'max-age=300', age: '200' })).toBe(100_000);
    expect(ms({ 'cache-control': 'max-age=300', age: '290' })).toBe(MIN_DOCUMENT_CACHE_MS);
    expect(ms({ 'cache-control': 'no-store' })).toBe(MIN_DOCUMENT_CACHE_MS);
    expect(ms({ 'cache-control': 'no-cache, max-age=3600' })).toBe(MIN_DOCUMENT_CACHE_MS);
    expect(ms({ 'cache-control': 'max-age=0' })).toBe(MIN_DOCUMENT_CACHE_MS);
    expect(ms({ 'cache-control': 'max-age=1' })).toBe(MIN_DOCUMENT_CACHE_MS);
    expect(ms({ 'cache-control': 'max-age=abc' })).toBe(MIN_DOCUMENT_CACHE_MS);
    expect(ms({ 'cache-control': 'max-age=600, max-age=60000' })).toBe(MIN_DOCUMENT_CACHE_MS);
    expect(ms({ 'cache-control': 'max-age=31536000' })).toBe(MAX_DOCUMENT_CACHE_MS);
    // s-maxage is for shared caches and is not max-age.
    expect(ms({ 'cache-control': 's-maxage=5' })).toBe(DEFAULT_DOCUMENT_CACHE_MS);
    expect(ms({ date: 'Mon, 01 Jan 2035 00:00:00 GMT', expires: 'Mon, 01 Jan 2035 00:30:00 GMT' })).toBe(
      30 * 60_000,
    );
    expect(ms({ expires: '0', date: 'Mon, 01 Jan 2035 00:00:00 GMT' })).toBe(MIN_DOCUMENT_CACHE_MS);
  });
});

describe('client metadata documents through the real outbound guard', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse();
  });
  afterAll(() => gh.stop());

  test('/authorize and /token naming a document on loopback — say only "could not be fetched"; the log has the detail', async () => {
    for (const clientId of [
      'https://127.0.0.1/client.json',
      'https://localhost/client.json',
      'https://[::1]/client.json',
    ]) {
      const page = await authorize(gh.url, clientId);
      expect(page.status).toBe(400);
      const html = await page.text();
      expect(html).toContain('The client metadata document could not be fetched.');
      expect(html).not.toMatch(REVEALING);

      const token = await fetch(`${gh.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: clientId,
          code: 'x',
          code_verifier: 'y'.repeat(43),
          redirect_uri: REDIRECT_URI,
        }),
      });
      const body = (await token.json()) as { error: string; error_description: string };
      expect(body.error).toBe('invalid_client');
      expect(body.error_description).toBe('The client metadata document could not be fetched.');

      const logged = gh.logLines.filter(
        (l) =>
          l.includes('client metadata document could not be fetched') && l.includes(JSON.stringify(clientId)),
      );
      expect(logged.length).toBeGreaterThan(0);
      expect(logged.join('\n')).toMatch(/loopback/);
    }
  });
});

describe('client metadata documents: cache, single flight and fetch limits', () => {
  let gh: TestGatehouse;
  let clock: ManualClock;
  const documents = new Map<string, { body: string; headers?: Record<string, string> }>();
  const fetches = new Map<string, number>();
  /** When set, every fetch waits for it: requests pile up behind the one in flight. */
  let gate: Promise<void> | undefined;

  beforeAll(async () => {
    clock = new ManualClock();
    gh = await startTestGatehouse({
      clock,
      testHooks: {
        fetchClientMetadata: async (url) => {
          fetches.set(url, (fetches.get(url) ?? 0) + 1);
          if (gate) await gate;
          const d = documents.get(url);
          if (!d) return { status: 404, headers: new Headers(), text: () => '' };
          return { status: 200, headers: new Headers(d.headers), text: () => d.body };
        },
      },
    });
  });
  afterAll(() => gh.stop());

  /** A new document served at `url` (with `headers`); every fetch budget refilled. */
  function serve(url: string, headers?: Record<string, string>) {
    clock.advance(60 * 60_000);
    documents.set(url, { body: doc(url), ...(headers ? { headers } : {}) });
  }

  test('a document served no-store or max-age=0 — fetched once per minute however often it is named, then again', async () => {
    for (const [name, headers] of [
      ['no-store', { 'cache-control': 'no-store' }],
      ['max-age-0', { 'cache-control': 'max-age=0' }],
    ] as const) {
      const url = `https://cache.example/${name}.json`;
      serve(url, headers);
      for (let i = 0; i < 5; i++) expect((await authorize(gh.url, url)).status).toBe(303);
      clock.advance(MIN_DOCUMENT_CACHE_MS - 1_000);
      expect((await authorize(gh.url, url)).status).toBe(303);
      expect({ name, fetches: fetches.get(url) }).toEqual({ name, fetches: 1 });
      clock.advance(2_000);
      expect((await authorize(gh.url, url)).status).toBe(303);
      expect({ name, fetches: fetches.get(url) }).toEqual({ name, fetches: 2 });
    }
  });

  test('a document with max-age=300 and Age: 240 — reused for the 60 s left, not 300 s', async () => {
    const url = 'https://cache.example/aged.json';
    serve(url, { 'cache-control': 'max-age=300', age: '240' });
    expect((await authorize(gh.url, url)).status).toBe(303);
    clock.advance(59_000);
    expect((await authorize(gh.url, url)).status).toBe(303);
    expect(fetches.get(url)).toBe(1);
    clock.advance(2_000);
    expect((await authorize(gh.url, url)).status).toBe(303);
    expect(fetches.get(url)).toBe(2);
  });

  test('twenty concurrent resolutions of one uncached document — one fetch, every caller gets the client', async () => {
    const url = 'https://cache.example/concurrent.json';
    serve(url);
    let release!: () => void;
    gate = new Promise<void>((r) => {
      release = r;
    });
    try {
      const pending = Array.from({ length: 20 }, () => gh.ctx.oauth.clients.resolve(url));
      expect(fetches.get(url)).toBe(1);
      release();
      const results = await Promise.all(pending);
      expect(results.every((r) => r.ok && r.client.id === url)).toBe(true);
    } finally {
      gate = undefined;
    }
    expect(fetches.get(url)).toBe(1);
  });

  test('more fetches from one host than its budget — a clear "retry in" refusal without fetching; other hosts unaffected; refilled later', async () => {
    clock.advance(60 * 60_000);
    const burst = DOCUMENT_FETCHES_PER_HOST.burst;
    for (let i = 0; i < burst; i++) {
      const url = `https://flood.example/c${i}.json`;
      documents.set(url, { body: doc(url) });
      expect((await authorize(gh.url, url)).status).toBe(303);
    }
    const over = 'https://flood.example/over.json';
    documents.set(over, { body: doc(over) });
    const refused = await authorize(gh.url, over);
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain(
      'The client metadata document could not be fetched: too many client metadata documents',
    );
    expect(html).toContain('flood.example');
    expect(html).toMatch(/retry in \d+ seconds/);
    expect(fetches.get(over)).toBeUndefined();
    expect(
      gh.logLines.some((l) => l.includes('client metadata document fetch limited') && l.includes(over)),
    ).toBe(true);

    const elsewhere = 'https://calm.example/client.json';
    documents.set(elsewhere, { body: doc(elsewhere) });
    expect((await authorize(gh.url, elsewhere)).status).toBe(303);

    clock.advance(Math.ceil(60_000 / DOCUMENT_FETCHES_PER_HOST.perMinute) + 1_000);
    expect((await authorize(gh.url, over)).status).toBe(303);
    expect(fetches.get(over)).toBe(1);
  });

  test('a host whose budget is spent — a client fetched before keeps working from its stored copy', async () => {
    const known = 'https://busy.example/known.json';
    serve(known);
    expect((await authorize(gh.url, known)).status).toBe(303);
    clock.advance(DEFAULT_DOCUMENT_CACHE_MS + 1_000);
    // Someone names many other documents on the same host; the stale copy is not refetched now.
    for (let i = 0; i < DOCUMENT_FETCHES_PER_HOST.burst + 5; i++)
      await authorize(gh.url, `https://busy.example/x${i}.json`);
    expect((await authorize(gh.url, 'https://busy.example/new.json')).status).toBe(400);
    expect((await authorize(gh.url, known)).status).toBe(303);
    expect(fetches.get(known)).toBe(1);
  });

  test('fetches across many hosts beyond the overall budget — refused with a clear "retry in", nothing fetched', async () => {
    clock.advance(60 * 60_000);
    const budget = DOCUMENT_FETCHES_IN_ALL.burst;
    for (let i = 0; i < budget; i++) {
      const url = `https://h${i}.spread.example/client.json`;
      documents.set(url, { body: doc(url) });
      expect({ i, status: (await authorize(gh.url, url)).status }).toEqual({ i, status: 303 });
    }
    const over = 'https://last.spread.example/client.json';
    documents.set(over, { body: doc(over) });
    const refused = await authorize(gh.url, over);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(
      /could not be fetched: Gatehouse fetched too many client metadata documents just now; retry in \d+ seconds/,
    );
    expect(fetches.get(over)).toBeUndefined();
  });
});
