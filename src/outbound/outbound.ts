import { guardedFetch } from './fetch.ts';
import { fetchMapped, parseTestHostMap } from './test-host-map.ts';
import type { OutboundFetch } from './types.ts';
import { parseOutboundUrl } from './url.ts';

export interface OutboundOptions {
  /**
   * TESTS ONLY. Host name → loopback origin (e.g. `{ 'api.linear.app': 'http://127.0.0.1:4567' }`):
   * requests for those hosts go to the fake over plain http, without DNS or address checks.
   * Deliberately not readable from environment variables: only code (a test) can set it.
   */
  testHostMap?: Record<string, string>;
  log?: { warn(msg: string, fields?: Record<string, unknown>): void };
}

export interface Outbound {
  fetch: OutboundFetch;
}

/**
 * The outbound client the app holds. Without a test host map it is exactly guardedFetch.
 * With one, it logs a loud warning once and routes the mapped hosts to their loopback fakes;
 * every other host still goes through the full guard.
 */
export function createOutbound(options: OutboundOptions = {}): Outbound {
  const map = parseTestHostMap(options.testHostMap ?? {});
  if (map.size === 0) return { fetch: guardedFetch };
  const msg = 'OUTBOUND TEST HOST MAP IS ACTIVE — never use in production';
  const fields = { hosts: [...map.keys()] };
  // Called as a method so a logger that relies on `this` still works; no logger still warns.
  if (options.log) options.log.warn(msg, fields);
  else console.warn(msg, fields);
  return {
    fetch: async (url, init = {}) => {
      // The URL rules (https, allowedHosts, ports…) still apply to mapped hosts.
      const target = parseOutboundUrl(url, init);
      const origin = map.get(target.hostname);
      return origin ? fetchMapped(target, origin, init) : guardedFetch(url, init);
    },
  };
}
