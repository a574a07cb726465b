import { guardedFetch } from './fetch.ts';
import { fetchMapped, parseTestHostMap } from './test-host-map.ts';
import type { OutboundFetch } from './types.ts';
import { parseOutboundUrl } from './url.ts';

export interface OutboundOptions {
  /**
   * Live mode (a WorkOS API key is configured): no host map of any kind is accepted, so a live
   * deployment can never send a provider's traffic to a local fake.
   */
  live?: boolean;
  /**
   * Local mode's demo providers: each provider host → the loopback origin of its fake
   * (src/emulator/providers). Built by local mode itself, never read from configuration.
   */
  demoHostMap?: Record<string, string>;
  /**
   * TESTS ONLY. Host name → loopback origin (e.g. `{ 'api.linear.app': 'http://127.0.0.1:4567' }`):
   * requests for those hosts go to the fake over plain http, without DNS or address checks.
   * Deliberately not readable from environment variables: only code (a test) can set it. It
   * takes precedence over a demo provider for the same host.
   */
  testHostMap?: Record<string, string>;
  log?: {
    warn(msg: string, fields?: Record<string, unknown>): void;
    info?(msg: string, fields?: Record<string, unknown>): void;
  };
}

export interface Outbound {
  fetch: OutboundFetch;
}

/** Why a host map cannot be used in live mode (thrown at start, before anything is served). */
export class LiveHostMapError extends Error {
  constructor(hosts: string[]) {
    super(
      `A provider host map (${hosts.join(', ')}) is only possible in local mode: with a WorkOS API key set, calls always go to the real provider APIs.`,
    );
    this.name = 'LiveHostMapError';
  }
}

/**
 * The outbound client the app holds. Without a host map it is exactly guardedFetch. With one
 * (local mode's demo providers, or a test's fakes) the mapped hosts go to their loopback fakes
 * and every other host still goes through the full guard. Live mode refuses any map.
 */
export function createOutbound(options: OutboundOptions = {}): Outbound {
  const demo = parseTestHostMap(options.demoHostMap ?? {});
  const test = parseTestHostMap(options.testHostMap ?? {});
  if (options.live && demo.size + test.size > 0) throw new LiveHostMapError([...demo.keys(), ...test.keys()]);
  const map = new Map([...demo, ...test]);
  if (map.size === 0) return { fetch: guardedFetch };
  if (test.size > 0) {
    const msg = 'OUTBOUND TEST HOST MAP IS ACTIVE — never use in production';
    const fields = { hosts: [...test.keys()] };
    // Called as a method so a logger that relies on `this` still works; no logger still warns.
    if (options.log) options.log.warn(msg, fields);
    else console.warn(msg, fields);
  }
  if (demo.size > 0)
    options.log?.info?.('local mode: provider APIs are answered by demo providers on loopback', {
      hosts: [...demo.keys()],
    });
  return {
    fetch: async (url, init = {}) => {
      // The URL rules (https, allowedHosts, ports…) still apply to mapped hosts.
      const target = parseOutboundUrl(url, init);
      const origin = map.get(target.hostname);
      return origin ? fetchMapped(target, origin, init) : guardedFetch(url, init);
    },
  };
}
