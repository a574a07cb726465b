import { MAX_MCP_SESSIONS, MAX_MCP_SESSIONS_PER_USER } from '../config/constants.ts';
import { jsonRpcErrors, LIMIT_EXCEEDED } from './json-rpc.ts';

/**
 * A new 2025-era session refused (src/mcp/sessions.ts): 503 when the server holds its quota, 429
 * when the person holds theirs, with `retryAfter` seconds until their least recently used session
 * would expire idle. No open session is ever ended to make room.
 */
export function sessionRefused(refused: 'person' | 'server', retryAfter: number): Response {
  if (refused === 'server') {
    return jsonRpcErrors(
      503,
      [null],
      LIMIT_EXCEEDED,
      `Gatehouse is at capacity: ${MAX_MCP_SESSIONS} MCP sessions are open. Try again later; no open session is ended to make room.`,
      { 'Retry-After': '60' },
      { limit: MAX_MCP_SESSIONS, scope: 'server' },
    );
  }
  return jsonRpcErrors(
    429,
    [null],
    LIMIT_EXCEEDED,
    `Too many open MCP sessions: you hold ${MAX_MCP_SESSIONS_PER_USER}, the most one person may (over all your tokens). Close sessions you no longer use (HTTP DELETE with their Mcp-Session-Id), reuse an open one, or wait for an idle one to expire (in about ${retryAfter} s).`,
    { 'Retry-After': String(retryAfter) },
    { limit: MAX_MCP_SESSIONS_PER_USER, scope: 'person', retryAfterSeconds: retryAfter },
  );
}
