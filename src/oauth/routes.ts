import type { Elysia } from 'elysia';
import type { AppContext } from '../app/context.ts';
import { AppError } from '../errors/app-error.ts';
import { toHtml } from '../errors/to-html.ts';
import { page } from '../http/app.ts';
import { refusal, withRateLimitHeaders } from '../http/rate-limit.ts';
import { annotateRequest } from '../http/request-context.ts';
import { withSecurityHeaders } from '../http/responses.ts';
import { authorize, capabilitiesFragment, decide } from './authorize/routes.ts';
import { addressOf, clientKey } from './endpoints/limits.ts';
import { register } from './endpoints/register.ts';
import { revoke, token } from './endpoints/token.ts';
import { authorizationServer, protectedResource, wellKnownNotFound } from './endpoints/well-known.ts';
import { oauthErrorResponse, toOAuthError } from './errors.ts';

/**
 * CORS for the endpoints browser-based MCP clients call directly (metadata, registration, token,
 * revocation). No cookies are involved there, so any origin may read the answers.
 */
function cors(res: Response): Response {
  res.headers.set('Access-Control-Allow-Origin', '*');
  res.headers.set(
    'Access-Control-Expose-Headers',
    'WWW-Authenticate, Retry-After, RateLimit, RateLimit-Policy',
  );
  return res;
}

function preflight(): Response {
  return new Response(null, {
    status: 204,
    headers: withSecurityHeaders(
      new Headers({
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, MCP-Protocol-Version',
        'Access-Control-Max-Age': '600',
      }),
    ),
  });
}

/** Wraps a JSON endpoint: CORS, and errors mapped by toOAuthError (RFC 6749 §5.2), never a stack. */
function api(ctx: AppContext, handler: (ctx: AppContext, request: Request) => Response | Promise<Response>) {
  return async ({ request }: { request: Request }) => {
    let res: Response;
    try {
      res = await handler(ctx, request);
    } catch (e) {
      res = toOAuthError(e, ctx.log);
    }
    if (res.status >= 400) await noteRefusal(request, res);
    return cors(res);
  };
}

/** The access log says why a token exchange or registration failed: the RFC 6749 error code only. */
async function noteRefusal(request: Request, res: Response): Promise<void> {
  const body = (await res
    .clone()
    .json()
    .catch(() => undefined)) as { error?: unknown } | undefined;
  if (typeof body?.error === 'string') annotateRequest(request, { refusal: body.error.slice(0, 64) });
}

/**
 * Any other method on an OAuth endpoint: 405 with `Allow` (RFC 9110 §15.5.6) and an RFC 6749
 * §5.2-style JSON body, never the console's HTML 404. OPTIONS still gets the CORS preflight.
 */
function methodNotAllowed(ctx: AppContext, allowed: readonly string[]) {
  const allow = allowed.join(', ');
  const named = allowed.filter((m) => m !== 'HEAD' && m !== 'OPTIONS');
  return api(ctx, (_c, request) => {
    if (request.method === 'OPTIONS' && allowed.includes('OPTIONS')) return preflight();
    const path = new URL(request.url).pathname;
    return oauthErrorResponse(
      'invalid_request',
      `${path} does not accept ${request.method.slice(0, 20)}; use ${named.join(' or ')}.`,
      405,
      { Allow: allow },
    );
  });
}

/**
 * /authorize's limits around its page handler (which renders its own errors): per address (GET and POST), and per client_id for
 * GET (the POST's client is inside its sealed form). A refusal is an HTML 429 page, since a
 * browser is at the other end; every answer carries the RateLimit header fields.
 */
export function limitAuthorize(
  ctx: AppContext,
  handler: (route: { request: Request; params: Record<string, string> }) => Promise<Response>,
) {
  return async (route: { request: Request; params: Record<string, string> }): Promise<Response> => {
    const { request } = route;
    const limits = ctx.oauth.rateLimits;
    const decisions = [limits.authorizeByAddress.check(addressOf(request))];
    const clientId = request.method === 'GET' ? new URL(request.url).searchParams.get('client_id') : null;
    if (clientId) decisions.unshift(limits.authorizeByClient.check(clientKey(clientId, addressOf(request))));
    const refused = refusal(decisions);
    if (refused) {
      const per = refused.name.endsWith('-client') ? 'for this client' : 'from your network address';
      const error = new AppError('rate_limited', `Too many authorization requests ${per}.`, {
        hint: `Wait ${refused.retryAfterSeconds} seconds, then start the connection again from your client.`,
        retryAfterSeconds: refused.retryAfterSeconds,
      });
      return withRateLimitHeaders(toHtml(ctx, error), decisions);
    }
    return withRateLimitHeaders(await handler(route), decisions);
  };
}

const POST_ONLY = ['POST', 'OPTIONS'] as const;
const GET_ONLY = ['GET', 'HEAD', 'OPTIONS'] as const;

/** The OAuth 2.1 authorization server (docs/architecture.md "Trust model"). */
export function oauthRoutes(app: Elysia, ctx: AppContext): void {
  app
    .get('/.well-known/oauth-protected-resource', api(ctx, protectedResource))
    .all('/.well-known/oauth-protected-resource', methodNotAllowed(ctx, GET_ONLY))
    .get('/.well-known/oauth-protected-resource/mcp', api(ctx, protectedResource))
    .all('/.well-known/oauth-protected-resource/mcp', methodNotAllowed(ctx, GET_ONLY))
    .get('/.well-known/oauth-authorization-server', api(ctx, authorizationServer))
    .all('/.well-known/oauth-authorization-server', methodNotAllowed(ctx, GET_ONLY))
    .get(
      '/.well-known/*',
      api(ctx, (_c, r) => wellKnownNotFound(r)),
    )
    .options('/.well-known/*', preflight)
    .get('/authorize', limitAuthorize(ctx, page(ctx, authorize)))
    .post('/authorize', limitAuthorize(ctx, page(ctx, decide)))
    .all('/authorize', methodNotAllowed(ctx, ['GET', 'HEAD', 'POST']))
    .get('/authorize/capabilities', page(ctx, capabilitiesFragment))
    .all('/authorize/capabilities', methodNotAllowed(ctx, ['GET', 'HEAD']))
    .post('/token', api(ctx, token))
    .options('/token', preflight)
    .all('/token', methodNotAllowed(ctx, POST_ONLY))
    .post('/register', api(ctx, register))
    .options('/register', preflight)
    .all('/register', methodNotAllowed(ctx, POST_ONLY))
    .post('/revoke', api(ctx, revoke))
    .options('/revoke', preflight)
    .all('/revoke', methodNotAllowed(ctx, POST_ONLY));
}
