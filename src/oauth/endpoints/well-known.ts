import type { AppContext } from '../../app/context.ts';
import { jsonResponse } from '../../http/responses.ts';
import { authorizationServerMetadata, protectedResourceMetadata } from '../metadata.ts';

const PUBLIC = { 'Cache-Control': 'public, max-age=300' };

/** GET /.well-known/oauth-protected-resource[/mcp] (RFC 9728 §3). */
export function protectedResource(ctx: AppContext): Response {
  return jsonResponse(protectedResourceMetadata(ctx.config), 200, PUBLIC);
}

/** GET /.well-known/oauth-authorization-server (RFC 8414 §3). */
export function authorizationServer(ctx: AppContext): Response {
  return jsonResponse(authorizationServerMetadata(ctx.config), 200, PUBLIC);
}

/** Any other /.well-known path: a real 404 (clients probe openid-configuration and others). */
export function wellKnownNotFound(request: Request): Response {
  return jsonResponse(
    { error: 'not_found', error_description: `${new URL(request.url).pathname} is not served here.` },
    404,
  );
}
