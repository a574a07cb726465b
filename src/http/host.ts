/**
 * DNS-rebinding defence: a request must name one of our hosts, and a browser request that
 * carries an Origin must come from our own origin (MCP transport security; docs/architecture.md "The MCP surface and the policy pipeline").
 */
export function hostAllowed(request: Request, allowedHosts: readonly string[]): boolean {
  const host = request.headers.get('host')?.toLowerCase();
  return host !== undefined && allowedHosts.includes(host);
}

/**
 * RFC 9112 §3.2: a request without a Host header, or whose Host is no `uri-host [":" port]`
 * (RFC 3986 §3.2.2), is answered 400. Bun joins repeated Host lines with ", ", which fails too.
 */
export function hostFieldValid(request: Request): boolean {
  const host = request.headers.get('host');
  return host !== null && HOST_FIELD.test(host);
}
const HOST_FIELD = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+;=-]+)(?::\d{0,5})?$/;

export function originAllowed(request: Request, publicUrl: string, allowedHosts: readonly string[]): boolean {
  const origin = request.headers.get('origin');
  if (origin === null) return true;
  if (origin === 'null') return false;
  try {
    const o = new URL(origin);
    if (o.origin === publicUrl) return true;
    // Loopback aliases of PUBLIC_URL are the same server.
    return o.protocol === new URL(publicUrl).protocol && allowedHosts.includes(o.host.toLowerCase());
  } catch {
    return false;
  }
}
