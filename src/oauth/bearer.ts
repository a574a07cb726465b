import { withSecurityHeaders } from '../http/responses.ts';
import type { Principal, PrincipalFailure, PrincipalResolver } from './principal.ts';
import { canReachMcp, MCP_REQUIRED_SCOPE } from './scopes.ts';

export type BearerResult =
  | { ok: true; token: string; principal: Principal }
  | { ok: false; response: Response };

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

function describe(reason: PrincipalFailure): string {
  switch (reason) {
    case 'invalid':
      return 'The access token is not valid.';
    case 'expired':
      return 'The access token has expired.';
    case 'revoked':
      return 'The access token has been revoked.';
    case 'wrong_resource':
      return 'The access token was not issued for this resource.';
    case 'not_member':
      return 'The user is no longer a member of the team this token was issued for.';
    case 'not_admitted':
      return 'The organization this token was issued for is not a Gatehouse team (the operator has not admitted it).';
    case 'unavailable':
      return 'WorkOS is unreachable; try again shortly.';
  }
}

type BearerDeps = { principals: PrincipalResolver; resourceMetadataUrl: string };

/** A refusal with its WWW-Authenticate challenge pointing at the protected resource metadata. */
function challenge(
  deps: BearerDeps,
  status: number,
  params: Record<string, string>,
  extra?: Record<string, string>,
): { ok: false; response: Response } {
  const attrs = { resource_metadata: deps.resourceMetadataUrl, scope: MCP_REQUIRED_SCOPE, ...params };
  const header = `Bearer ${Object.entries(attrs)
    .map(([k, v]) => `${k}="${v.replace(/["\\]/g, '')}"`)
    .join(', ')}`;
  const body = params.error
    ? { error: params.error, error_description: params.error_description }
    : { error: 'unauthorized', error_description: 'Authorization required.' };
  const headers = withSecurityHeaders(
    new Headers({ 'WWW-Authenticate': header, 'Content-Type': 'application/json', ...extra }),
  );
  return { ok: false, response: new Response(JSON.stringify(body), { status, headers }) };
}

/**
 * The resource-server side of OAuth for /mcp (RFC 6750, RFC 9728 §5.1): tokens only in the
 * Authorization header; failures answer with a WWW-Authenticate challenge that points the
 * client at the protected resource metadata. The header is parsed here, once: callers get the
 * token with its principal.
 */
export async function authenticateBearer(request: Request, deps: BearerDeps): Promise<BearerResult> {
  // RFC 6750 §2.2/§2.3 methods are refused: a token in a URL ends up in logs and histories. (A
  // URL without a query has no parameter: most requests skip parsing it.)
  if (request.url.includes('?') && new URL(request.url).searchParams.has('access_token')) {
    return challenge(deps, 400, {
      error: 'invalid_request',
      error_description: 'Access tokens are accepted only in the Authorization header.',
    });
  }
  const header = request.headers.get('authorization')?.trim();
  // RFC 6750 §3.1: a request that lacks Bearer authentication (no header, or another scheme such
  // as Basic) gets the bare challenge, with no error code, so the client starts OAuth.
  if (!header || !/^Bearer(?:\s|$)/i.test(header)) return challenge(deps, 401, {});
  const m = /^Bearer +(\S+)$/i.exec(header);
  if (!m || !TOKEN68.test(m[1]!)) {
    return challenge(deps, 400, {
      error: 'invalid_request',
      error_description: 'Malformed Authorization header: expected "Bearer <token>".',
    });
  }
  return authenticateToken(m[1]!, deps);
}

/**
 * The checks after the header: the token resolves to a principal whose scopes reach /mcp. Also
 * how a request whose authorization was revoked mid-call learns the challenge it would now get.
 */
export async function authenticateToken(token: string, deps: BearerDeps): Promise<BearerResult> {
  const result = await deps.principals.resolve(token);
  if (!result.ok) {
    if (result.reason === 'unavailable') {
      return challenge(
        deps,
        503,
        { error: 'temporarily_unavailable', error_description: describe(result.reason) },
        { 'Retry-After': '5' },
      );
    }
    return challenge(deps, 401, { error: 'invalid_token', error_description: describe(result.reason) });
  }
  if (!canReachMcp(result.principal.scopes)) {
    return challenge(deps, 403, {
      error: 'insufficient_scope',
      error_description: `This token lacks the "${MCP_REQUIRED_SCOPE}" scope needed for the MCP endpoint.`,
    });
  }
  return { ok: true, token, principal: result.principal };
}
