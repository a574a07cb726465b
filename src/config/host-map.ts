import { ConfigError, type Mode } from './index.ts';

/**
 * The provider host map (src/outbound/test-host-map.ts) sends a provider's host to a loopback
 * fake: local mode's demo providers, or a test's. It exists only in local mode: whenever a
 * WorkOS API key makes this a live deployment, a start that brings one is refused before
 * anything is opened or served.
 */
export function refuseHostMapInLiveMode(mode: Mode, hostMap: Record<string, string> | undefined): void {
  const hosts = Object.keys(hostMap ?? {});
  if (mode !== 'live' || hosts.length === 0) return;
  throw new ConfigError([
    `a provider host map (${hosts.join(', ')}) is only possible in local mode, but a WorkOS API key is set: live mode always calls the real provider APIs`,
  ]);
}
