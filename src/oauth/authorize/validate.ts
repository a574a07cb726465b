import type { ClientsService, OAuthClient } from '../clients/service.ts';
import type { OAuthErrorCode } from '../errors.ts';
import { parseScope } from '../scopes.ts';

/** A validated authorization request (RFC 6749 §4.1.1 + RFC 7636 + RFC 8707). */
export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string;
  scopes: string[];
  resource: string;
}

/** Every way an authorization request can be wrong. */
export type AuthorizeReason =
  | { tag: 'duplicate_parameter'; name: string }
  | { tag: 'missing_client_id' }
  | { tag: 'unknown_client'; message: string }
  | { tag: 'missing_redirect_uri' }
  | { tag: 'redirect_uri_mismatch' }
  | { tag: 'unsupported_response_type'; value: string | null }
  | { tag: 'missing_code_challenge' }
  | { tag: 'pkce_method_not_s256'; value: string | null }
  | { tag: 'malformed_code_challenge' }
  | { tag: 'missing_resource' }
  | { tag: 'wrong_resource'; value: string }
  | { tag: 'invalid_scope'; unknown: string[] }
  | { tag: 'scope_not_registered'; beyond: string[]; registered: string }
  | { tag: 'state_too_long' };

export type AuthorizeValidation =
  | { ok: true; request: AuthorizeRequest; client: OAuthClient }
  /** Unsafe to redirect (client or redirect URI unknown): show a page (RFC 6749 §4.1.2.1). */
  | { ok: false; redirectable: false; reason: AuthorizeReason }
  | {
      ok: false;
      redirectable: true;
      reason: AuthorizeReason;
      clientId: string;
      redirectUri: string;
      state: string | undefined;
    };

const SINGLE_VALUED = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'resource',
];
/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is exactly 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const MAX_STATE = 1024;

/**
 * Validates GET /authorize. Client and redirect URI are checked first: until both are known
 * good, errors must not be redirected anywhere (no open redirector).
 */
export async function validateAuthorizeRequest(
  params: URLSearchParams,
  deps: { clients: ClientsService; resource: string },
): Promise<AuthorizeValidation> {
  for (const name of SINGLE_VALUED) {
    // RFC 6749 §3.1: request parameters must not be included more than once.
    if (params.getAll(name).length > 1) {
      if (name === 'client_id' || name === 'redirect_uri')
        return { ok: false, redirectable: false, reason: { tag: 'duplicate_parameter', name } };
    }
  }
  const clientId = params.get('client_id');
  if (!clientId) return { ok: false, redirectable: false, reason: { tag: 'missing_client_id' } };
  const resolved = await deps.clients.resolve(clientId);
  if (!resolved.ok)
    return { ok: false, redirectable: false, reason: { tag: 'unknown_client', message: resolved.message } };
  const client = resolved.client;
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri) return { ok: false, redirectable: false, reason: { tag: 'missing_redirect_uri' } };
  // Exact string comparison (OAuth 2.1 §4.1.1, RFC 9700 §4.1.3): no prefix, case or port leeway.
  if (!client.redirectUris.includes(redirectUri))
    return { ok: false, redirectable: false, reason: { tag: 'redirect_uri_mismatch' } };

  const state = params.get('state') ?? undefined;
  const fail = (reason: AuthorizeReason): AuthorizeValidation => ({
    ok: false,
    redirectable: true,
    reason,
    clientId,
    redirectUri,
    state: state && state.length <= MAX_STATE ? state : undefined,
  });
  for (const name of SINGLE_VALUED)
    if (params.getAll(name).length > 1) return fail({ tag: 'duplicate_parameter', name });
  if (state !== undefined && state.length > MAX_STATE) return fail({ tag: 'state_too_long' });

  const responseType = params.get('response_type');
  if (responseType !== 'code') return fail({ tag: 'unsupported_response_type', value: responseType });
  const challenge = params.get('code_challenge');
  if (!challenge) return fail({ tag: 'missing_code_challenge' });
  const method = params.get('code_challenge_method');
  // OAuth 2.1 §4.1.1: S256 only; a missing method would mean "plain", which is refused.
  if (method !== 'S256') return fail({ tag: 'pkce_method_not_s256', value: method });
  if (!S256_CHALLENGE.test(challenge)) return fail({ tag: 'malformed_code_challenge' });

  const resource = params.get('resource');
  if (!resource) return fail({ tag: 'missing_resource' });
  if (resource !== deps.resource) return fail({ tag: 'wrong_resource', value: resource });

  const requested = params.get('scope');
  const scope = parseScope(requested);
  if (!scope.ok) return fail({ tag: 'invalid_scope', unknown: scope.unknown });
  let scopes = scope.scopes;
  // RFC 7591 §2: a client that registered a scope uses only it; asking nothing means all of it.
  const registered = client.scope ? parseScope(client.scope) : undefined;
  if (registered?.ok) {
    if (!requested?.trim()) scopes = registered.scopes;
    const beyond = scopes.filter((s) => !registered.scopes.includes(s));
    if (beyond.length > 0)
      return fail({ tag: 'scope_not_registered', beyond, registered: registered.scopes.join(' ') });
  }

  return {
    ok: true,
    client,
    request: {
      clientId: client.id,
      redirectUri,
      state,
      codeChallenge: challenge,
      scopes,
      resource,
    },
  };
}

/** Maps a reason to its RFC error code and a description that says what to fix. */
export function describeAuthorizeReason(reason: AuthorizeReason): {
  error: OAuthErrorCode;
  description: string;
} {
  switch (reason.tag) {
    case 'duplicate_parameter':
      return {
        error: 'invalid_request',
        description: `The parameter ${reason.name} was sent more than once.`,
      };
    case 'missing_client_id':
      return { error: 'invalid_request', description: 'client_id is required.' };
    case 'unknown_client':
      return { error: 'invalid_client', description: reason.message };
    case 'missing_redirect_uri':
      return { error: 'invalid_request', description: 'redirect_uri is required.' };
    case 'redirect_uri_mismatch':
      return {
        error: 'invalid_request',
        description: 'redirect_uri does not exactly match a redirect URI registered for this client.',
      };
    case 'unsupported_response_type':
      return { error: 'unsupported_response_type', description: 'response_type must be "code".' };
    case 'missing_code_challenge':
      return {
        error: 'invalid_request',
        description: 'PKCE is required: send code_challenge with code_challenge_method=S256.',
      };
    case 'pkce_method_not_s256':
      return {
        error: 'invalid_request',
        description: 'code_challenge_method must be S256 (plain is not allowed).',
      };
    case 'malformed_code_challenge':
      return {
        error: 'invalid_request',
        description: 'code_challenge must be the 43-character base64url SHA-256 of the verifier.',
      };
    case 'missing_resource':
      return {
        error: 'invalid_target',
        description: 'resource is required (RFC 8707): use this server\u2019s MCP endpoint URL.',
      };
    case 'wrong_resource':
      return {
        error: 'invalid_target',
        description: 'resource must be this server\u2019s MCP endpoint URL.',
      };
    case 'invalid_scope':
      return {
        error: 'invalid_scope',
        description: `Unsupported scope: ${reason.unknown.join(' ').slice(0, 200)}.`,
      };
    case 'scope_not_registered':
      return {
        error: 'invalid_scope',
        description: `This client registered the scope "${reason.registered}"; it cannot ask for ${reason.beyond.join(' ')}.`,
      };
    case 'state_too_long':
      return { error: 'invalid_request', description: `state must be at most ${MAX_STATE} characters.` };
  }
}

/**
 * Builds the redirect back to the client (with the RFC 9207 `iss` parameter): the registered URI
 * exactly as registered, its own query retained as it was written (RFC 6749 §3.1.2), then ours.
 */
export function clientRedirect(redirectUri: string, params: Record<string, string | undefined>): string {
  const added = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) added.set(k, v);
  if (!redirectUri.includes('?')) return `${redirectUri}?${added}`;
  return /[?&]$/.test(redirectUri) ? `${redirectUri}${added}` : `${redirectUri}&${added}`;
}
