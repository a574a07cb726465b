import type { Server } from 'bun';
import type { Elysia } from 'elysia';
import type { AppContext } from '../app/context.ts';
import { MAX_REQUEST_BODY_BYTES } from '../config/constants.ts';
import { serveAsset } from './assets.ts';
import { recordPeer } from './client-ip.ts';
import { hostAllowed } from './host.ts';
import { textResponse } from './responses.ts';

/** A handler that takes a path before Elysia sees the request (e.g. /mcp). */
export type RawHandler = (request: Request, server: Server<unknown>) => Promise<Response> | Response;

export interface ServeOptions {
  /** Exact paths answered by raw handlers, with the untouched request. */
  raw?: Record<string, RawHandler>;
}

/**
 * The front door: rejects foreign Host headers (DNS rebinding), serves embedded assets, hands
 * raw paths their untouched request, and everything else to Elysia.
 */
export function createDispatcher(ctx: AppContext, app: Elysia, options: ServeOptions = {}) {
  return async (request: Request, server: Server<unknown>): Promise<Response> => {
    if (!hostAllowed(request, ctx.config.allowedHosts)) {
      return textResponse('Host not allowed: this server answers only for its PUBLIC_URL host.', 403);
    }
    recordPeer(request, server.requestIP(request)?.address);
    const { pathname } = new URL(request.url);
    const raw = options.raw?.[pathname];
    if (raw) return raw(request, server);
    if (request.method === 'GET' || request.method === 'HEAD') {
      const asset = serveAsset(pathname);
      if (asset) return asset;
    }
    return app.handle(request);
  };
}

export function listen(ctx: AppContext, dispatch: ReturnType<typeof createDispatcher>): Server<unknown> {
  return Bun.serve({
    port: ctx.config.port,
    hostname: ctx.config.host,
    // SSE streams stay open; keep-alive comments (SSE_KEEPALIVE_MS) keep proxies honest.
    idleTimeout: 0,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    fetch: dispatch,
    error(e) {
      ctx.log.error('unhandled server error', { error: e });
      return textResponse('Internal error', 500);
    },
  });
}
