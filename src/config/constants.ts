/** Named defaults, with their units in the name (src/README.md). */
export const DEFAULT_PORT = 8788;
export const DEFAULT_DATA_DIR = './data';

export const BROWSER_SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const LOGIN_FLOW_TTL_MS = 10 * 60 * 1000;
export const ACCESS_TOKEN_TTL_MS = 60 * 60 * 1000;
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
export const AUTH_CODE_TTL_MS = 60 * 1000;
export const CONFIRMATION_TTL_MS = 2 * 60 * 1000;
/** How long a 2026-07-28 client's human has to answer a confirmation question (its requestState lives as long). */
export const QUESTION_TTL_MS = 5 * 60 * 1000;
export const AUTHORITY_TTL_MS = 5 * 60 * 1000;
export const APPROVAL_REQUEST_TTL_MS = 15 * 60 * 1000;
export const MCP_SESSION_IDLE_TTL_MS = 30 * 60 * 1000;
export const PRINCIPAL_CACHE_TTL_MS = 30 * 1000;
/** How often the roles behind open MCP sessions are re-read from WorkOS (changes made there). */
export const MEMBERSHIP_SWEEP_MS = 60 * 1000;
/**
 * How often open MCP sessions, streams and calls are checked for authority withdrawn with no event
 * here: by another process, or just before they registered (src/mcp/live.ts, `recheck`).
 */
export const AUTHORITY_RECHECK_INTERVAL_MS = 1000;
export const CLIENT_METADATA_CACHE_TTL_MS = 10 * 60 * 1000;
export const SHUTDOWN_GRACE_MS = 5 * 1000;
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;
export const SSE_KEEPALIVE_MS = 5 * 1000;
/** Socket idle timeout (Bun's default); keep-alives must beat it. */
export const IDLE_TIMEOUT_S = 10;
export const WORKOS_REQUEST_TIMEOUT_MS = 15 * 1000;

/*
 * Fair limits (no one exhausts what others need). Quotas are counts held at once and are refused
 * with a clear error, never made room for by ending someone else's session; rates are token
 * buckets whose burst is one window's worth.
 */
/** Open 2025-era MCP sessions one person may hold, over all their tokens and teams. */
export const MAX_MCP_SESSIONS_PER_USER = 100;
/** Open MCP sessions in all (memory bound): past it new sessions are refused, none is evicted. */
export const MAX_MCP_SESSIONS = 5_000;
/** Open 2026-07-28 `subscriptions/listen` streams one person may hold. */
export const MAX_LISTEN_STREAMS_PER_USER = 16;
/** Open `subscriptions/listen` streams in all (the MCP handler refuses more, in-band). */
export const MAX_LISTEN_STREAMS = 1_024;
/** Live (unrevoked, unexpired) connection tokens one person may hold in one team. */
export const MAX_CONNECTION_TOKENS_PER_USER = 25;
/** Tool calls per minute per token (authorization or connection token) unless the team changes it. */
export const DEFAULT_TOOL_CALLS_PER_MINUTE = 600;
/** POST /token per client_id and per address, per minute. */
export const TOKEN_REQUESTS_PER_MINUTE = { perClient: 60, perAddress: 300 } as const;
/** /authorize per client_id and per address, per minute. */
export const AUTHORIZE_REQUESTS_PER_MINUTE = { perClient: 60, perAddress: 300 } as const;
/** POST /register per address: a burst, then a steady rate per minute. */
export const REGISTRATIONS_PER_ADDRESS = { burst: 30, perMinute: 10 } as const;
