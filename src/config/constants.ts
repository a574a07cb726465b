/** Named defaults, with their units in the name (DESIGN §8). */
export const DEFAULT_PORT = 8788;
export const DEFAULT_DATA_DIR = './data';

export const BROWSER_SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const LOGIN_FLOW_TTL_MS = 10 * 60 * 1000;
export const ACCESS_TOKEN_TTL_MS = 60 * 60 * 1000;
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
export const AUTH_CODE_TTL_MS = 60 * 1000;
export const CONFIRMATION_TTL_MS = 2 * 60 * 1000;
export const AUTHORITY_TTL_MS = 5 * 60 * 1000;
export const APPROVAL_REQUEST_TTL_MS = 15 * 60 * 1000;
export const MCP_SESSION_IDLE_TTL_MS = 30 * 60 * 1000;
export const PRINCIPAL_CACHE_TTL_MS = 30 * 1000;
/** How often the roles behind open MCP sessions are re-read from WorkOS (changes made there). */
export const MEMBERSHIP_SWEEP_MS = 60 * 1000;
export const CLIENT_METADATA_CACHE_TTL_MS = 10 * 60 * 1000;
export const SHUTDOWN_GRACE_MS = 5 * 1000;
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;
export const SSE_KEEPALIVE_MS = 5 * 1000;
/** Socket idle timeout (Bun's default); keep-alives must beat it. */
export const IDLE_TIMEOUT_S = 10;
export const WORKOS_REQUEST_TIMEOUT_MS = 15 * 1000;
