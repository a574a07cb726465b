import type { Server } from 'bun';
import type { Elysia } from 'elysia';
import type { AppContext } from '../app/context.ts';
import { IDLE_TIMEOUT_S, MAX_REQUEST_BODY_BYTES } from '../config/constants.ts';
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
export interface Dispatcher {
  (request: Request, server: Server<unknown>): Promise<Response>;
  /** Requests whose handler has not produced a response yet (graceful shutdown waits for them). */
  inFlight(): number;
}

export function createDispatcher(ctx: AppContext, app: Elysia, options: ServeOptions = {}): Dispatcher {
  let inFlight = 0;
  const dispatch = async (request: Request, server: Server<unknown>): Promise<Response> => {
    inFlight++;
    try {
      return await route(request, server);
    } finally {
      inFlight--;
    }
  };
  const route = async (request: Request, server: Server<unknown>): Promise<Response> => {
    if (!hostAllowed(request, ctx.config.allowedHosts)) {
      return textResponse('Host not allowed: this server answers only for its PUBLIC_URL host.', 403);
    }
    recordPeer(request, server.requestIP(request)?.address, ctx.config.trustedProxies);
    const { pathname } = new URL(request.url);
    const raw = options.raw?.[pathname];
    if (raw) return raw(request, server);
    if (request.method === 'GET' || request.method === 'HEAD') {
      const asset = serveAsset(pathname);
      if (asset) return asset;
    }
    return app.handle(request);
  };
  return Object.assign(dispatch, { inFlight: () => inFlight });
}

export function listen(ctx: AppContext, dispatch: Dispatcher): Server<unknown> {
  return Bun.serve({
    port: ctx.config.port,
    hostname: ctx.config.host,
    // Bun's default: a connection silent for 10 s is closed (slow clients cannot pin sockets).
    // SSE streams stay alive through keep-alive comments every SSE_KEEPALIVE_MS.
    idleTimeout: IDLE_TIMEOUT_S,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    fetch: dispatch,
    error(e) {
      ctx.log.error('unhandled server error', { error: e });
      return textResponse('Internal error', 500);
    },
  });
}
