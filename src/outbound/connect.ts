import { ipLiteral } from './url.ts';

/** A request whose URL and addresses have already been checked. */
export interface WireRequest {
  method: string;
  headers: Headers;
  body: string | Uint8Array | undefined;
  signal: AbortSignal;
}

/**
 * The body as fetch accepts it. A Uint8Array may sit on a SharedArrayBuffer, which fetch's
 * BodyInit does not take; copying is cheap at outbound request sizes.
 */
export function wireBody(
  body: string | Uint8Array | undefined,
): string | Uint8Array<ArrayBuffer> | undefined {
  return body === undefined || typeof body === 'string' ? body : new Uint8Array(body);
}

/** Extra trust for tests that pin to a loopback TLS server with a throwaway CA; never set in production. */
export interface TlsTrustForTests {
  ca: string;
}

/**
 * Sends `req` for `target` over a TCP connection to `address` (already resolved and checked),
 * without resolving the host name again.
 *
 * Mechanism: Bun's `fetch` to the IP itself, with `tls.serverName` set to the real host name and
 * a `Host` header for it. Bun sends that name as SNI and verifies the certificate against it
 * (not against the IP), so certificate checking is as strict as a plain `fetch(target)`, while
 * the socket can only go to the address we checked: a DNS answer that changes between check
 * and connect (rebinding) has nothing to act on. Verified under Bun 1.4.5 by
 * test/outbound/connect.test.ts against a loopback TLS server with a generated CA (right name
 * accepted, wrong name and unknown CA refused, SNI seen in the ClientHello). `node:https` with
 * a `lookup` option also worked under Bun, but it is a compatibility layer over the same
 * client; `fetch` gives documented `serverName` semantics, `redirect: 'manual'`, abort signals
 * and a streaming body natively.
 */
export function fetchPinned(
  target: URL,
  address: string,
  req: WireRequest,
  tlsForTests?: TlsTrustForTests,
): Promise<Response> {
  const wire = new URL(target.href);
  wire.hostname = address.includes(':') ? `[${address}]` : address;
  const headers = new Headers(req.headers);
  headers.set('host', target.host);
  // SNI carries names only; for an IP literal URL the certificate is checked against the IP.
  const serverName =
    ipLiteral(target.hostname) === undefined ? target.hostname.replace(/\.$/, '') : undefined;
  return fetch(wire, {
    method: req.method,
    headers,
    body: wireBody(req.body),
    signal: req.signal,
    redirect: 'manual',
    // Host-header semantics are HTTP/1.1's; pin it so an experimental h2 default cannot change them.
    protocol: 'http1.1',
    // Explicit, so NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment cannot turn verification off.
    tls: { rejectUnauthorized: true, ...(serverName ? { serverName } : {}), ...tlsForTests },
  });
}
