/**
 * A tiny cookie-keeping HTTP client for end-to-end flows over real HTTP: it stores cookies per
 * host, never follows redirects by itself (tests assert each hop), and can walk a redirect chain.
 */
export class CookieClient {
  private readonly jar = new Map<string, Map<string, string>>();

  cookies(url: string): Map<string, string> {
    const host = new URL(url).host;
    let m = this.jar.get(host);
    if (!m) {
      m = new Map();
      this.jar.set(host, m);
    }
    return m;
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const jar = this.cookies(url);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...attrs] = sc.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const maxAge = attrs.map((a) => a.trim().toLowerCase()).find((a) => a.startsWith('max-age='));
      if (maxAge === 'max-age=0' || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /** POSTs an urlencoded form. */
  post(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.fetch(url, {
      method: 'POST',
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  }

  /** Follows redirects (GET) until a non-redirect answer; returns it and the URLs visited. */
  async follow(
    res: Response,
    from: string,
    max = 10,
  ): Promise<{ res: Response; url: string; hops: string[] }> {
    let url = from;
    const hops: string[] = [];
    while (res.status >= 300 && res.status < 400 && hops.length < max) {
      url = new URL(res.headers.get('location')!, url).toString();
      hops.push(url);
      res = await this.fetch(url);
    }
    return { res, url, hops };
  }
}

/**
 * The value of a hidden input on an HTML page, as a browser would post it: the two character
 * references the console's attributes hold (`&amp;`, `&#34;`: docs/architecture.md "Console")
 * decoded in one pass.
 */
export function hiddenInput(html: string, name: string): string | undefined {
  const re = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`);
  return re.exec(html)?.[1]?.replace(/&amp;|&#34;/g, (ref) => (ref === '&amp;' ? '&' : '"'));
}
