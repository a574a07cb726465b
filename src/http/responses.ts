/** Response helpers that always carry Gatehouse's security headers. */

export interface HtmlOptions {
  status?: number;
  headers?: HeadersInit;
  /** Extra origins the page's forms may submit (and be redirected) to, e.g. an OAuth redirect URI. */
  formActionOrigins?: string[];
}

const BASE_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export function contentSecurityPolicy(formActionOrigins: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    // Not framable: clickjacking defence for consent and approval pages.
    "frame-ancestors 'none'",
    `form-action 'self'${formActionOrigins.map((o) => ` ${o}`).join('')}`,
  ].join('; ');
}

export function withSecurityHeaders(headers: Headers): Headers {
  for (const [k, v] of Object.entries(BASE_HEADERS)) if (!headers.has(k)) headers.set(k, v);
  return headers;
}

export function htmlResponse(body: string, o: HtmlOptions = {}): Response {
  const headers = withSecurityHeaders(new Headers(o.headers));
  headers.set('Content-Type', 'text/html; charset=utf-8');
  headers.set('Content-Security-Policy', contentSecurityPolicy(o.formActionOrigins));
  return new Response(`<!doctype html>${body}`, { status: o.status ?? 200, headers });
}

/** An htmx fragment: same headers as a page, no doctype. */
export function fragmentResponse(body: string, o: HtmlOptions = {}): Response {
  const headers = withSecurityHeaders(new Headers(o.headers));
  headers.set('Content-Type', 'text/html; charset=utf-8');
  headers.set('Content-Security-Policy', contentSecurityPolicy(o.formActionOrigins));
  return new Response(body, { status: o.status ?? 200, headers });
}

export function jsonResponse(body: unknown, status = 200, headers?: HeadersInit): Response {
  const h = withSecurityHeaders(new Headers(headers));
  h.set('Content-Type', 'application/json');
  return new Response(JSON.stringify(body), { status, headers: h });
}

export function redirectResponse(location: string, headers?: HeadersInit, status = 303): Response {
  const h = withSecurityHeaders(new Headers(headers));
  h.set('Location', location);
  return new Response(null, { status, headers: h });
}

export function textResponse(body: string, status = 200, headers?: HeadersInit): Response {
  const h = withSecurityHeaders(new Headers(headers));
  if (!h.has('Content-Type')) h.set('Content-Type', 'text/plain; charset=utf-8');
  return new Response(body, { status, headers: h });
}
