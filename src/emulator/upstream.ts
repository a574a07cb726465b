/**
 * The fixture front's line to WorkOS's emulator: internal calls (seeding, merges) and
 * pass-through forwarding of everything the fixture layer does not answer itself.
 */

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

export class Upstream {
  /** Base URL of the fixture front, set once it listens; emulator URLs are rewritten to it. */
  frontUrl = '';
  private next = 0;

  /**
   * @param origin the emulator's own origin (`http://127.0.0.1:<port>`)
   * @param internalKeys keys the emulator accepts; never handed out (see startEmbeddedWorkOS)
   * @param publicKey the key clients use on the front, swapped for an internal key on the way in
   * @param bogusOrigins origins the emulator writes into bodies that must point at the front instead
   */
  constructor(
    readonly origin: string,
    private readonly internalKeys: string[],
    private readonly publicKey: string,
    private readonly bogusOrigins: string[],
  ) {}

  /**
   * Round-robin over the internal keys: the emulator rate-limits each key to 1000 requests a
   * minute, far below a real WorkOS environment, and benches would otherwise hit 429s.
   */
  private key(): string {
    const key = this.internalKeys[this.next % this.internalKeys.length] as string;
    this.next += 1;
    return key;
  }

  /** A call made by Gatehouse's fixture code itself, authenticated with an internal key. */
  async call(method: string, pathAndQuery: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.origin}${pathAndQuery}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
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
    const auth = req.headers.get('authorization')?.match(BEARER);
    if (auth?.[1]?.trim() === this.publicKey) headers.set('authorization', `Bearer ${this.key()}`);
    // The emulator builds absolute URLs (portal links) from Host; make them name the front.
    if (this.frontUrl) headers.set('host', new URL(this.frontUrl).host);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const upstream = await fetch(`${this.origin}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: hasBody ? await req.arrayBuffer() : undefined,
      redirect: 'manual',
    });
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
      const escaped = origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      out = out.replace(new RegExp(`${escaped}(?![0-9])`, 'g'), this.frontUrl);
    }
    return out;
  }
}
