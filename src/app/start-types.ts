/** What startGatehouse takes and gives back (src/app/start.ts). */
import type { Server } from 'bun';
import type { Clock } from '../kernel/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { McpEndpoint } from '../mcp/endpoint.ts';
import type { MetadataFetcher } from '../oauth/clients/metadata-document.ts';
import type { AppContext } from './context.ts';

/** In-process hooks for tests only; the CLI never sets them and no environment variable can. */
export interface TestHooks {
  /** Serves Client ID Metadata Documents instead of fetching them over the network. */
  fetchClientMetadata?: MetadataFetcher;
  /** Sends requests for these hosts to loopback fakes (see src/outbound). */
  outboundHostMap?: Record<string, string>;
}

export interface StartOptions {
  logger?: Logger;
  clock?: Clock;
  testHooks?: TestHooks;
  /** How often open sessions' roles are re-read from WorkOS (default MEMBERSHIP_SWEEP_MS). */
  membershipSweepMs?: number;
}

export interface RunningGatehouse {
  url: string;
  port: number;
  ctx: AppContext;
  server: Server<unknown>;
  mcp: McpEndpoint;
  /** HTTP requests whose handler has not answered yet (what a graceful stop waits for). */
  requestsInFlight(): number;
  stop(): Promise<void>;
}
