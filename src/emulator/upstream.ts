/**
 * The fixture front's line to WorkOS's emulator: internal calls (seeding, merges) and
 * pass-through forwarding of everything the fixture layer does not answer itself.
 */
import { escapeRegExp } from '../kernel/regexp.ts';
import { type InternalKeyPool, rateLimited } from './internal-keys.ts';

/** RFC 9110 §7.6.1 connection-specific headers, plus the ones fetch recomputes itself. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/** fetch has already decoded the body, so the upstream's encoding no longer describes it. */
export const DROPPED_RESPONSE_HEADERS: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'content-encoding']);

const BEARER = /^Bearer\s+(.+)$/i;

/** `Retry-After` in whole seconds (the emulator sends delta-seconds); undefined when absent. */
function retryAfterSeconds(value: string | null): number | undefined {
  return value !== null && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

/** The end-to-end headers: minus `dropped` and whatever the Connection header names (RFC 9110 §7.6.1). */
export function endToEnd(source: Headers, dropped: ReadonlySet<string>): Headers {
  const named = new Set(
    (source.get('connection') ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
  const out = new Headers();
  source.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (!dropped.has(lower) && !named.has(lower)) out.append(name, value);
  });
  return out;
}

/** Attempts of one request on the emulator, each with another internal key, while it answers 429. */
const EMULATOR_ATTEMPTS = 3;

export class Upstream {
  /** Base URL of the fixture front, set once it listens; emulator URLs are rewritten to it. */
  frontUrl = '';

  /**
   * @param origin the emulator's own origin (`http://127.0.0.1:<port>`)
   * @param keys the internal keys the emulator accepts; never handed out (see internal-keys.ts)
   * @param publicKey the key clients use on the front, swapped for an internal key on the way in
   * @param bogusOrigins origins the emulator writes into bodies that must point at the front instead
   */
  constructor(
    readonly origin: string,
    private readonly keys: InternalKeyPool,
    private readonly publicKey: string,
    private readonly bogusOrigins: string[],
  ) {}

  /**
   * Sends `init` to the emulator with an internal key from the pool. The emulator's own limit
   * (1,000 requests a minute per key) is checked before anything else, so a 429 means nothing
   * was done: that key is retired and the request sent again with another. The emulator's 429
   * is only answered after EMULATOR_ATTEMPTS of them.
   */
  private async withInternalKey(url: string, init: RequestInit & { headers: Headers }): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const key = this.keys.take();
      init.headers.set('authorization', `Bearer ${key}`);
      const res = await fetch(url, init);
      if (res.status !== 429 || attempt >= EMULATOR_ATTEMPTS) return res;
      this.keys.retire(key, retryAfterSeconds(res.headers.get('retry-after')));
      await res.body?.cancel();
    }
  }

  /**
   * A call made by Gatehouse's fixture code itself, authenticated with an internal key. A 429
   * is thrown as WorkOS's 429 (FixtureError, with `Retry-After`), so that no fixture can turn it
   * into a 500 of its own.
   */
  async call(method: string, pathAndQuery: string, body?: unknown): Promise<Response> {
    const headers = new Headers();
    if (body !== undefined) headers.set('content-type', 'application/json');
    const res = await this.withInternalKey(`${this.origin}${pathAndQuery}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    if (res.status === 429) {
      await res.body?.cancel();
      throw rateLimited(retryAfterSeconds(res.headers.get('retry-after')) ?? 60);
    }
    return res;
  }

  /** Like `call`, but expects a JSON answer with a 2xx status (emulator URLs already rewritten). */
  async json<T>(method: string, pathAndQuery: string, body?: unknown): Promise<T> {
    const res = await this.call(method, pathAndQuery, body);
    const text = await res.text();
    if (!res.ok)
      throw new Error(`emulator ${method} ${pathAndQuery} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(this.rewrite(text)) as T;
  }

  /** Every object of an emulator list endpoint, following its `after` cursors. */
  async listAll<T extends { id: string }>(path: string, query = new URLSearchParams()): Promise<T[]> {
    const all: T[] = [];
    let after: string | null = null;
    do {
      const q = new URLSearchParams(query);
      q.set('limit', '100');
      if (after) q.set('after', after);
      const page: { data: T[]; list_metadata: { after: string | null } } = await this.json(
        'GET',
        `${path}?${q}`,
      );
      all.push(...page.data);
      after = page.list_metadata.after;
    } while (after);
    return all;
  }

  /**
   * Forwards a client request: same method, path, query, headers and body, redirects left to
   * the client (`/user_management/authorize` answers 302s that must pass through unchanged).
   */
  async forward(req: Request, url: URL): Promise<Response> {
    const headers = endToEnd(req.headers, HOP_BY_HOP);
    // The emulator builds absolute URLs (portal links) from Host; make them name the front.
    if (this.frontUrl) headers.set('host', new URL(this.frontUrl).host);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const init = {
      method: req.method,
      headers,
      body: hasBody ? await req.arrayBuffer() : undefined,
      redirect: 'manual' as const,
    };
    const target = `${this.origin}${url.pathname}${url.search}`;
    const auth = req.headers.get('authorization')?.match(BEARER);
    const upstream =
      auth?.[1]?.trim() === this.publicKey
        ? await this.withInternalKey(target, init)
        : await fetch(target, init);
    const out = endToEnd(upstream.headers, DROPPED_RESPONSE_HEADERS);
    if (!(upstream.headers.get('content-type') ?? '').includes('application/json')) {
      return new Response(upstream.body, { status: upstream.status, headers: out });
    }
    return new Response(this.rewrite(await upstream.text()), { status: upstream.status, headers: out });
  }

  /**
   * The emulator writes its configured base URL (`http://localhost:0` when started on port 0)
   * into invitation links; point them at the front, which is the only address clients know.
   */
  rewrite(text: string): string {
    if (!this.frontUrl) return text;
    let out = text;
    for (const origin of this.bogusOrigins) {
      // Not followed by a digit, so `http://localhost:0` never matches inside another port.
      const escaped = escapeRegExp(origin);
      out = out.replace(new RegExp(`${escaped}(?![0-9])`, 'g'), this.frontUrl);
    }
    return out;
  }
}
