import type { Server } from 'bun';
import type { Elysia } from 'elysia';
import type { AppContext } from '../app/context.ts';
import { IDLE_TIMEOUT_S, MAX_REQUEST_BODY_BYTES } from '../config/constants.ts';
import { unexpectedAnswer } from '../errors/database.ts';
import { enabled } from '../log/logger.ts';
import { serveAsset } from './assets.ts';
import { recordPeer } from './client-ip.ts';
import { hostAllowed, hostFieldValid } from './host.ts';
import { annotateRequest, assignRequestId, requestFacts } from './request-context.ts';
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
    const started = performance.now();
    const peer = server.requestIP(request)?.address;
    const facts = assignRequestId(request, peer, ctx.config.trustedProxies);
    inFlight++;
    let response: Response | undefined;
    try {
      try {
        response = await route(request, server, peer);
      } catch (e) {
        // What no handler mapped is answered here, so the access log records the status sent.
        response = unexpected(ctx, e);
      }
      // The id goes back to the caller (and to the proxy) for correlation with the log.
      try {
        response.headers.set('x-request-id', facts.id);
      } catch {
        // A response with immutable headers keeps them; the log still has the id.
      }
      return response;
    } finally {
      inFlight--;
      accessLog(ctx, request, response?.status ?? 500, performance.now() - started, facts.path);
    }
  };
  const route = async (
    request: Request,
    server: Server<unknown>,
    peer: string | undefined,
  ): Promise<Response> => {
    if (!hostFieldValid(request)) {
      annotateRequest(request, { refusal: 'bad_host' });
      return textResponse('Bad request: a request must carry one valid Host header (RFC 9112 §3.2).', 400);
    }
    if (!hostAllowed(request, ctx.config.allowedHosts)) {
      annotateRequest(request, { refusal: 'host_not_allowed' });
      return textResponse('Host not allowed: this server answers only for its PUBLIC_URL host.', 403);
    }
    recordPeer(request, peer, ctx.config.trustedProxies);
    const pathname = requestFacts(request)!.path;
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

/** Health probes every few seconds would drown the rest: they are logged at debug. */
const QUIET_PATHS = new Set(['/healthz', '/readyz']);

/**
 * One line per request: method, path without its query (values may be secrets: codes, states,
 * tokens), status, duration, request id, and the team and client once known — never a header or a
 * body. A refused request says why.
 */
function accessLog(ctx: AppContext, request: Request, status: number, ms: number, pathname: string): void {
  const f = requestFacts(request);
  // A refusal is worth a look (warn), a failure more (error); health probes are quiet (debug).
  const level = status >= 500 ? 'error' : f?.refusal ? 'warn' : QUIET_PATHS.has(pathname) ? 'debug' : 'info';
  if (!enabled(ctx.config.logLevel, level)) return;
  ctx.log[level]('request', {
    method: request.method,
    path: pathname.slice(0, 200),
    status,
    duration_ms: Math.round(ms * 100) / 100,
    request_id: f?.id,
    team: f?.teamId,
    client: f?.clientId ?? undefined,
    refused: f?.refusal,
  });
}

/** An error no handler mapped: logged; a 503 when the database cannot answer, else a 500. */
function unexpected(ctx: AppContext, e: unknown): Response {
  ctx.log.error('unhandled server error', {
    error: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e),
  });
  const answer = unexpectedAnswer(e);
  return textResponse(answer.message, answer.status, answer.headers);
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
    error: (e) => unexpected(ctx, e),
  });
}
