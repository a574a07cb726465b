import { fetchPinned } from './connect.ts';
import { exchange, limitsOf, untilAborted } from './exchange.ts';
import { resolveAllowed } from './resolve.ts';
import type { GuardedFetchInit, GuardedResponse } from './types.ts';
import { parseOutboundUrl } from './url.ts';

/**
 * Calls a URL influenced by a client or agent, safely: the URL is checked (parseOutboundUrl),
 * the host resolved and every address checked (resolveAllowed), and the connection made to
 * the checked address itself with TLS verified for the host name (fetchPinned). Redirects are
 * never followed: a 3xx comes back with its `location` header for the caller to report. Time
 * and response size are bounded.
 *
 * @throws AppError `invalid_input` (malformed URL), `forbidden` (refused URL or address),
 * `upstream_failed` (DNS, network, TLS, timeout, oversize response).
 */
export async function guardedFetch(url: string, init: GuardedFetchInit = {}): Promise<GuardedResponse> {
  const target = parseOutboundUrl(url, init);
  const limits = limitsOf(init);
  return exchange(target, limits, async (signal) => {
    const addresses = await untilAborted(resolveAllowed(target.hostname, init.resolver), signal);
    // Every address passed; the first (resolver order) is the one connected to.
    const request = {
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: init.body,
      signal,
    };
    init.beforeSend?.();
    return fetchPinned(target, addresses[0]!, request);
  });
}
