import { withSecurityHeaders } from '../http/responses.ts';

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
