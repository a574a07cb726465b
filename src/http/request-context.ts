/**
 * What the access log knows of each request (docs/architecture.md, "Operating it"): its id, and
 * the team and client once a handler has learned them. Kept beside the Request, never in it.
 */

import type { Cidr } from '../config/cidr.ts';
import { inAnyCidr, parseIp } from '../config/cidr.ts';

export interface RequestFacts {
  id: string;
  /** The URL's path (never its query), parsed once for the router and the access log. */
  path: string;
  teamId?: string;
  clientId?: string | null;
  /** Why the request was refused, when a handler says so (never a credential). */
  refusal?: string;
}

const facts = new WeakMap<Request, RequestFacts>();

/** An id a proxy may send: short, printable, no separators a log parser would trip on. */
const REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * The request's id: X-Request-Id from a trusted proxy (TRUSTED_PROXIES) when well formed, else a
 * fresh one. Anyone else's X-Request-Id is ignored, as X-Forwarded-For is.
 */
export function assignRequestId(
  request: Request,
  peer: string | undefined,
  trustedProxies: readonly Cidr[],
): RequestFacts {
  const sent = request.headers.get('x-request-id');
  const ip = peer ? parseIp(peer) : null;
  const trusted = sent !== null && ip !== null && trustedProxies.length > 0 && inAnyCidr(ip, trustedProxies);
  const f: RequestFacts = {
    id: trusted && REQUEST_ID.test(sent) ? sent : crypto.randomUUID(),
    path: new URL(request.url).pathname,
  };
  facts.set(request, f);
  return f;
}

/** The facts of a request (an id is always there once the dispatcher has seen it). */
export function requestFacts(request: Request): RequestFacts | undefined {
  return facts.get(request);
}

/** Adds what a handler learned (the team and client of an authenticated MCP call, say). */
export function annotateRequest(request: Request, more: Omit<Partial<RequestFacts>, 'id' | 'path'>): void {
  const f = facts.get(request);
  if (f) Object.assign(f, more);
}
