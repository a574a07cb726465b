/**
 * Local mode's demo providers (docs/architecture.md "Modes"): small fakes of each provider's API,
 * served on loopback by the embedded WorkOS, that an approved call really reaches offline. Only
 * the host map sends a provider's host to its fake (src/outbound/test-host-map.ts); everything
 * else about the call is the live path. Live mode has none: this object is then absent.
 */

/** What every agent- or human-facing text calls a provider answered by its local fake. */
export const DEMO_PROVIDER_LABEL = 'demo provider (local mode)';

/** The demo providers a local-mode Gatehouse serves. */
export interface DemoProviders {
  /** Provider id → the API host its fake stands in for (`snowflake` → the demo account's host). */
  hosts: Readonly<Record<string, string>>;
}

/** Whether calls to this provider reach a local fake rather than the provider itself. */
export function isDemoProvider(demo: DemoProviders | undefined, providerId: string): boolean {
  return demo !== undefined && Object.hasOwn(demo.hosts, providerId);
}
