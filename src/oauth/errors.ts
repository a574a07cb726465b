import { type ErrorCode, isAppError } from '../errors/app-error.ts';
import { databaseUnavailableError } from '../errors/database.ts';
import { withSecurityHeaders } from '../http/responses.ts';
import type { Logger } from '../log/logger.ts';

/** RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 8707 §2, RFC 7009 §2.2.1 error codes. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'unsupported_token_type';

/** Token-endpoint responses must not be cached (RFC 6749 §5.1). */
export function noStoreHeaders(extra?: HeadersInit): Headers {
  const h = withSecurityHeaders(new Headers(extra));
  h.set('Cache-Control', 'no-store');
  h.set('Pragma', 'no-cache');
  h.set('Content-Type', 'application/json');
  return h;
}

/** A JSON OAuth error body (RFC 6749 §5.2) with `Cache-Control: no-store`. */
export function oauthErrorResponse(
  error: OAuthErrorCode,
  description: string,
  status = 400,
  headers?: HeadersInit,
): Response {
  return new Response(JSON.stringify({ error, error_description: description }), {
    status,
    headers: noStoreHeaders(headers),
  });
}

export function oauthJson(body: unknown, status = 200, headers?: HeadersInit): Response {
  return new Response(JSON.stringify(body), { status, headers: noStoreHeaders(headers) });
}

const OAUTH_CODE_OF: Record<ErrorCode, OAuthErrorCode> = {
  invalid_input: 'invalid_request',
  payload_too_large: 'invalid_request',
  not_found: 'invalid_request',
  conflict: 'invalid_request',
  gone: 'invalid_grant',
  unauthenticated: 'invalid_client',
  forbidden: 'access_denied',
  rate_limited: 'temporarily_unavailable',
  unavailable: 'temporarily_unavailable',
  upstream_failed: 'temporarily_unavailable',
  internal: 'server_error',
};

/**
 * The OAuth endpoints' one error mapper (src/README.md): an AppError becomes an RFC 6749 §5.2 body
 * with its status and message (and Retry-After for rate limits); anything else is logged, and a
 * `server_error` 500 that says nothing about internals (`temporarily_unavailable` 503 when the
 * database cannot answer: src/errors/database.ts).
 */
export function toOAuthError(e: unknown, log: Logger): Response {
  if (isAppError(e)) {
    const headers: Record<string, string> = {};
    if (e.retryAfterSeconds !== undefined) headers['Retry-After'] = String(e.retryAfterSeconds);
    return oauthErrorResponse(OAUTH_CODE_OF[e.code], e.message, e.status, headers);
  }
  log.error('oauth endpoint failed', {
    error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e),
  });
  const unavailable = databaseUnavailableError(e);
  if (unavailable) return toOAuthError(unavailable, log);
  return oauthErrorResponse('server_error', 'The authorization server hit an unexpected error.', 500);
}
