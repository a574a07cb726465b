import { AppError } from '../errors/app-error.ts';
import { wireBody } from './connect.ts';
import { exchange, limitsOf } from './exchange.ts';
import { parseIPv4, unbracket } from './ip-parse.ts';
import type { GuardedFetchInit, GuardedResponse } from './types.ts';

function isLoopbackHost(hostname: string): boolean {
  const bare = unbracket(hostname);
  const v4 = parseIPv4(bare);
  return bare === '::1' || bare === 'localhost' || (v4 !== null && v4 >>> 24 === 127);
}

/**
 * Validates a host map (local mode's demo providers, or a test's fakes): host name → plain-http
 * loopback origin. Anything else is refused, so the map cannot be bent into a way to reach
 * arbitrary hosts. Live mode accepts no map at all (outbound.ts).
 */
export function parseTestHostMap(map: Record<string, string>): Map<string, URL> {
  const out = new Map<string, URL>();
  for (const [host, origin] of Object.entries(map)) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    const ok =
      url?.protocol === 'http:' &&
      isLoopbackHost(url.hostname) &&
      url.pathname === '/' &&
      !url.search &&
      !url.hash &&
      !url.username &&
      !url.password;
    if (!url || !ok) {
      throw new AppError(
        'invalid_input',
        `testHostMap maps ${host} to ${origin}: only http:// loopback origins are allowed.`,
      );
    }
    out.set(host.toLowerCase(), url);
  }
  return out;
}

/**
 * Sends a request for a mapped host to its loopback origin over plain http, path and query
 * preserved, the real host in `x-original-host`. No DNS, no address check (the origin is
 * loopback by construction); the time and size limits of every outbound call still apply.
 */
export function fetchMapped(target: URL, origin: URL, init: GuardedFetchInit): Promise<GuardedResponse> {
  const wire = new URL(origin.href);
  // Set piece by piece: resolving a path like `//evil/x` against the origin would change host.
  wire.pathname = target.pathname;
  wire.search = target.search;
  const headers = new Headers(init.headers);
  headers.delete('host');
  headers.set('x-original-host', target.host);
  return exchange(target, limitsOf(init), (signal) => {
    init.beforeSend?.();
    return fetch(wire, {
      method: init.method ?? 'GET',
      headers,
      body: wireBody(init.body),
      signal,
      redirect: 'manual',
    });
  });
}
