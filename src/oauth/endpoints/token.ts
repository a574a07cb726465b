import type { AppContext } from '../../app/context.ts';
import { withRateLimitHeaders } from '../../http/rate-limit.ts';
import { type OAuthErrorCode, oauthErrorResponse, oauthJson } from '../errors.ts';
import { formatScope, parseScope } from '../scopes.ts';
import type { IssuedTokens, RedeemFailure, RefreshFailure } from '../tokens.ts';
import { readOAuthForm } from './body.ts';
import { authenticateClient } from './client-auth.ts';
import { addressOf, claimedClientId, clientKey, oauthTooMany } from './limits.ts';

function tokenResponse(t: IssuedTokens): Response {
  // RFC 6749 §5.1: refresh_token is OPTIONAL, and left out for clients that cannot use it.
  return oauthJson({
    access_token: t.accessToken,
    token_type: 'Bearer',
    expires_in: t.expiresInSeconds,
    ...(t.refreshToken ? { refresh_token: t.refreshToken } : {}),
    scope: formatScope(t.scopes),
  });
}

function describeRedeem(reason: RedeemFailure): string {
  switch (reason) {
    case 'invalid':
      return 'The authorization code is invalid.';
    case 'expired':
      return 'The authorization code has expired.';
    case 'replayed':
      return 'The authorization code was already used; the tokens it produced have been revoked.';
    case 'client_mismatch':
      return 'The authorization code was issued to another client.';
    case 'redirect_mismatch':
      return 'redirect_uri does not match the one used in the authorization request.';
    case 'pkce_failed':
      return 'PKCE verification failed: code_verifier does not match the code_challenge.';
    case 'resource_mismatch':
      return 'resource does not match the one the code was issued for.';
    case 'not_admitted':
      return 'The organization this code was issued for is no longer a Gatehouse team.';
  }
}

function describeRefresh(reason: RefreshFailure): string {
  switch (reason) {
    case 'invalid':
      return 'The refresh token is invalid.';
    case 'expired':
      return 'The refresh token has expired.';
    case 'revoked':
      return 'The refresh token has been revoked.';
    case 'reused':
      return 'The refresh token was already used; every token of this authorization has been revoked.';
    case 'client_mismatch':
      return 'The refresh token was issued to another client.';
    case 'scope_widened':
      return 'A refresh cannot add scopes that were not granted.';
    case 'resource_mismatch':
      return 'resource does not match the one the tokens were issued for.';
    case 'not_admitted':
      return 'The organization these tokens were issued for is no longer a Gatehouse team.';
  }
}

/**
 * POST /token (RFC 6749 §3.2): authorization_code and refresh_token grants. Rate-limited (see
 * `rated`); every answer carries the RateLimit header fields.
 */
export function token(ctx: AppContext, request: Request): Promise<Response> {
  return rated(ctx, request, (params) => grant(ctx, request, params));
}

/**
 * /token and /revoke share their limits, per address (before the body is read) and per claimed
 * client_id (before the client is authenticated): both authenticate clients, so a secret guessed
 * at one counts at the other. Over a limit: 429 with Retry-After.
 */
async function rated(
  ctx: AppContext,
  request: Request,
  handle: (params: URLSearchParams) => Promise<Response>,
): Promise<Response> {
  const limits = ctx.oauth.rateLimits;
  const byAddress = limits.tokenByAddress.check(addressOf(request));
  if (!byAddress.allowed) return oauthTooMany('token requests', [byAddress]);
  const body = await readOAuthForm(request);
  if (!body.ok)
    return withRateLimitHeaders(oauthErrorResponse('invalid_request', body.description), [byAddress]);
  const clientId = claimedClientId(request, body.params);
  const decisions = [byAddress];
  if (clientId) decisions.unshift(limits.tokenByClient.check(clientKey(clientId, addressOf(request))));
  if (decisions.some((d) => !d.allowed)) return oauthTooMany('token requests', decisions);
  return withRateLimitHeaders(await handle(body.params), decisions);
}

/** A client that failed to authenticate (RFC 6749 §5.2: 401 with a challenge when it used Basic). */
function clientAuthFailed(auth: { error: OAuthErrorCode; description: string; basic: boolean }): Response {
  return auth.error === 'invalid_client'
    ? oauthErrorResponse(
        'invalid_client',
        auth.description,
        401,
        auth.basic ? { 'WWW-Authenticate': 'Basic realm="gatehouse"' } : undefined,
      )
    : oauthErrorResponse(auth.error, auth.description);
}

async function grant(ctx: AppContext, request: Request, params: URLSearchParams): Promise<Response> {
  const auth = await authenticateClient(request, params, ctx.oauth.clients);
  if (!auth.ok) return clientAuthFailed(auth);
  const client = auth.client;
  const grantType = params.get('grant_type');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    return oauthErrorResponse(
      grantType ? 'unsupported_grant_type' : 'invalid_request',
      grantType ? `grant_type "${grantType.slice(0, 50)}" is not supported.` : 'grant_type is required.',
    );
  }
  if (!client.grantTypes.includes(grantType)) {
    return oauthErrorResponse('unauthorized_client', `This client did not register the ${grantType} grant.`);
  }
  const resource = params.get('resource') ?? undefined;

  if (grantType === 'authorization_code') {
    const code = params.get('code');
    if (!code) return oauthErrorResponse('invalid_request', 'code is required.');
    const r = ctx.oauth.codes.redeemCode(code, {
      clientId: client.id,
      redirectUri: params.get('redirect_uri') ?? undefined,
      codeVerifier: params.get('code_verifier') ?? undefined,
      resource,
      grantTypes: client.grantTypes,
    });
    if (!r.ok) {
      // RFC 8707 §2: a resource the grant was not issued for is invalid_target, not invalid_grant.
      return oauthErrorResponse(
        r.reason === 'resource_mismatch' ? 'invalid_target' : 'invalid_grant',
        describeRedeem(r.reason),
      );
    }
    return tokenResponse(r.tokens);
  }

  const refreshToken = params.get('refresh_token');
  if (!refreshToken) return oauthErrorResponse('invalid_request', 'refresh_token is required.');
  let scopes: string[] | undefined;
  // Absent, empty or spaces alone: no scope named, so the granted one is kept (RFC 6749 §6). Only
  // the space delimits scopes (§3.3): any other character, a no-break space too, is a scope's.
  if (!/^ *$/.test(params.get('scope') ?? '')) {
    const parsed = parseScope(params.get('scope'));
    if (!parsed.ok)
      return oauthErrorResponse(
        'invalid_scope',
        `Unsupported scope: ${parsed.unknown.join(' ').slice(0, 200)}.`,
      );
    scopes = parsed.scopes;
  }
  // A token never outlives its human's membership: check before issuing new tokens.
  const family = ctx.oauth.tokens.familyOfRefreshToken(refreshToken);
  if (family && family.clientId === client.id && family.revokedAt === null) {
    const member = await ctx.oauth.principals.isMember(family.userId, family.teamId);
    if (member === undefined)
      return oauthErrorResponse('temporarily_unavailable', 'WorkOS is unreachable; try again shortly.', 503);
    if (!member) {
      ctx.oauth.tokens.revokeFamilies([family.id], 'user is no longer a member of the team');
      return oauthErrorResponse('invalid_grant', 'The user is no longer a member of this team.');
    }
  }
  const r = ctx.oauth.tokens.refresh(refreshToken, { clientId: client.id, scopes, resource });
  if (!r.ok) {
    const error =
      r.reason === 'scope_widened'
        ? 'invalid_scope'
        : r.reason === 'resource_mismatch'
          ? 'invalid_target'
          : 'invalid_grant';
    return oauthErrorResponse(error, describeRefresh(r.reason));
  }
  return tokenResponse(r.tokens);
}

/** POST /revoke (RFC 7009 §2): always 200 once the client is authenticated; rated as /token. */
export function revoke(ctx: AppContext, request: Request): Promise<Response> {
  return rated(ctx, request, (params) => revokeWith(ctx, request, params));
}

async function revokeWith(ctx: AppContext, request: Request, params: URLSearchParams): Promise<Response> {
  const auth = await authenticateClient(request, params, ctx.oauth.clients);
  if (!auth.ok) return clientAuthFailed(auth);
  const tokenValue = params.get('token');
  if (!tokenValue) return oauthErrorResponse('invalid_request', 'token is required.');
  // RFC 7009 §2.2: an unknown token (or one of another client) is not an error.
  ctx.oauth.tokens.revokeToken(tokenValue, auth.client.id);
  return oauthJson({});
}
