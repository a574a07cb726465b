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
  const sent = trustedProxies.length > 0 ? request.headers.get('x-request-id') : null;
  const ip = sent !== null && peer ? parseIp(peer) : null;
  const trusted = sent !== null && ip !== null && inAnyCidr(ip, trustedProxies);
  const f: RequestFacts = {
    id: trusted && REQUEST_ID.test(sent) ? sent : crypto.randomUUID(),
    path: pathOf(request.url),
  };
  facts.set(request, f);
  return f;
}

/**
 * The path of an absolute request URL (`http://host:port/path?query`), without building a URL
 * object on every request; anything unexpected goes through the URL parser.
 */
function pathOf(url: string): string {
  const start = url.indexOf('//');
  const slash = start < 0 ? -1 : url.indexOf('/', start + 2);
  if (slash < 0) return parsedPath(url, '/');
  const end = url.search(/[?#]/);
  const path = end < 0 ? url.slice(slash) : url.slice(slash, end);
  // Only a path the URL parser would leave as it is (no dot segments, escapes, backslashes or
  // characters it encodes) skips it.
  return PLAIN_PATH.test(path) ? path : parsedPath(url, path);
}

/**
 * The URL parser's path; `fallback` when the URL does not parse: Bun builds it from the Host
 * header, so a request without one, or with one no URL can hold (`x@host`), has none. Such a
 * request is refused at the door (hostFieldValid), with the id and log line every request gets.
 */
function parsedPath(url: string, fallback: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return fallback;
  }
}
const PLAIN_PATH = /^\/[A-Za-z0-9/_~-]*$/;

/** The facts of a request (an id is always there once the dispatcher has seen it). */
export function requestFacts(request: Request): RequestFacts | undefined {
  return facts.get(request);
}

/** Adds what a handler learned (the team and client of an authenticated MCP call, say). */
export function annotateRequest(request: Request, more: Omit<Partial<RequestFacts>, 'id' | 'path'>): void {
  const f = facts.get(request);
  if (f) Object.assign(f, more);
}
