import type {
  JSONRPCErrorResponse,
  Server,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import type { Clock } from '../kernel/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Principal } from '../oauth/principal.ts';
import type { McpSessionState } from '../tools/types.ts';
import type { InFlightIds } from './in-flight.ts';
import type { LiveOwner } from './owner.ts';
import type { McpSessionRows } from './session-rows.ts';
import type { WaitingCalls } from './waiting-calls.ts';

/** A 2025-era session as McpSessions (sessions.ts) keeps it. */
export interface LiveSession extends LiveOwner {
  sessionId: string;
  state: McpSessionState;
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  userId: string;
  lastSeenAt: number;
  /** When `last_seen_at` was last written to the session's row. */
  rowSeenAt: number;
  /** Tool names visible at the last check, to send list_changed only on a real change. */
  fingerprint: string;
  /** JSON-RPC ids of requests not yet answered (src/mcp/in-flight.ts). */
  inFlight: InFlightIds;
  /** Sends an answer past the in-flight bookkeeping: the stand-in for a call whose client left. */
  standIn(message: JSONRPCErrorResponse): Promise<void>;
  /** Gives the session's place in its human's quota back (once). */
  release: () => void;
  /** Calls are answered in one JSON body (see answersInJson). */
  json: boolean;
  /** Calls waiting for their JSON body, answered at once when the session ends. */
  waiting: WaitingCalls;
}

export interface McpSessionsDeps {
  clock: Clock;
  rows: McpSessionRows;
  /** The team's session idle TTL (how soon a quota slot frees by itself). */
  idleTtlMs(teamId: string): number;
  buildServer(session: McpSessionState): Server;
  visibleToolNames(p: Principal, s: McpSessionState): string[];
  /** A session was opened for `owner` (LiveMcp checks new owners once: see `recheck`). */
  opened?(owner: LiveOwner): void;
  log?: Logger;
}
