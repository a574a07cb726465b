import type { Elysia } from 'elysia';
import type { AppContext } from '../app/context.ts';
import { page } from '../http/app.ts';
import { withSecurityHeaders } from '../http/responses.ts';
import { authorize, decide } from './authorize/routes.ts';
import { register } from './endpoints/register.ts';
import { revoke, token } from './endpoints/token.ts';
import { authorizationServer, protectedResource, wellKnownNotFound } from './endpoints/well-known.ts';
import { oauthErrorResponse } from './errors.ts';

/**
 * CORS for the endpoints browser-based MCP clients call directly (metadata, registration, token,
 * revocation). No cookies are involved there, so any origin may read the answers.
 */
function cors(res: Response): Response {
  res.headers.set('Access-Control-Allow-Origin', '*');
  res.headers.set('Access-Control-Expose-Headers', 'WWW-Authenticate');
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

/** Wraps a JSON endpoint: CORS, and unexpected errors become an RFC 6749 server_error, never a stack. */
function api(ctx: AppContext, handler: (ctx: AppContext, request: Request) => Response | Promise<Response>) {
  return async ({ request }: { request: Request }) => {
    try {
      return cors(await handler(ctx, request));
    } catch (e) {
      ctx.log.error('oauth endpoint failed', {
        error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e),
      });
      return cors(
        oauthErrorResponse('server_error', 'The authorization server hit an unexpected error.', 500),
      );
    }
  };
}

/** The OAuth 2.1 authorization server (DESIGN §2). */
export function oauthRoutes(app: Elysia, ctx: AppContext): void {
  app
    .get('/.well-known/oauth-protected-resource', api(ctx, protectedResource))
    .get('/.well-known/oauth-protected-resource/mcp', api(ctx, protectedResource))
    .get('/.well-known/oauth-authorization-server', api(ctx, authorizationServer))
    .get(
      '/.well-known/*',
      api(ctx, (_c, r) => wellKnownNotFound(r)),
    )
    .options('/.well-known/*', preflight)
    .get('/authorize', page(ctx, authorize))
    .post('/authorize', page(ctx, decide))
    .post('/token', api(ctx, token))
    .options('/token', preflight)
    .post('/register', api(ctx, register))
    .options('/register', preflight)
    .post('/revoke', api(ctx, revoke))
    .options('/revoke', preflight);
}
