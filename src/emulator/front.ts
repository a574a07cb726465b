/**
 * The fixture front: the one address the WorkOS SDK talks to in local mode. It answers the
 * fixture paths itself and forwards everything else to WorkOS's emulator.
 */
import { bearerToken, presentedCredentials } from './credentials.ts';
import { errorResponse, FixtureError, json, unauthorized } from './fixtures/http.ts';
import { FIXTURE_ROUTES, impersonationRoutes } from './fixtures/index.ts';
import { parseListParams } from './fixtures/pagination.ts';
import { canonicalPath, createRouter } from './fixtures/router.ts';
import type { FixtureState } from './fixtures/state.ts';
import type { TokenSigner } from './fixtures/token-signer.ts';
import { IdempotentPosts } from './idempotency.ts';
import {
  EMULATOR_RATE_HEADERS,
  RATE_LIMITED_BODY,
  type RateDecision,
  type RateLimiter,
} from './rate-limits.ts';
import type { Upstream } from './upstream.ts';

export interface FrontOptions {
  /** 0 picks a free port. */
  port: number;
  /** The key clients must present, as `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  upstream: Upstream;
  state: FixtureState;
  /**
   * The front's own signing key, where people sign in (the identity environment): enables the
   * impersonation fixture and adds the key to the JWKS.
   */
  signer?: TokenSigner;
  onError: (message: string, fields: Record<string, unknown>) => void;
  /** The limits on the key clients present (rate-limits.ts); a limiter without rules is off. */
  limiter: RateLimiter;
}

export interface Front {
  url: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

export const FRONT_HOST = '127.0.0.1';

const route = createRouter(FIXTURE_ROUTES);
const routeSignIn = createRouter([...impersonationRoutes, ...FIXTURE_ROUTES]);

function presentsKey(req: Request, apiKey: string): boolean {
  return bearerToken(req.headers) === apiKey;
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Not JSON: no rule keys on it.
  }
  return {};
}

/**
 * Serves the fixture front on 127.0.0.1: fixture routes first (API key checked unless the route
 * is public), then everything else forwarded to the emulator. Input problems come back as
 * WorkOS-shaped 4xx; only an unexpected failure is a 500, and it is reported to `onError`.
 */
export function startFront(options: FrontOptions): Front {
  const { apiKey, upstream, state } = options;
  const signer = options.signer;
  const routes = signer ? routeSignIn : route;
  let frontUrl = '';
  const idempotent = new IdempotentPosts();

  /**
   * The request counted against this environment's rate limits (rate-limits.ts). It is keyed
   * when it presents the environment's key, as the bearer or as the `client_secret` that
   * `/user_management/authenticate` and `/sso/token` carry in their body.
   */
  async function rateLimit(req: Request, url: URL): Promise<RateDecision> {
    const { limiter } = options;
    if (!limiter.enabled) return { allowed: true, headers: {} };
    const readsBody = limiter.readsBody(req.method, url.pathname);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const text = readsBody || (hasBody && !presentsKey(req, apiKey)) ? await req.clone().text() : '';
    const { bearer, clientSecret } = presentedCredentials(req.headers, text);
    return limiter.take({
      method: req.method,
      path: url.pathname,
      query: url.searchParams,
      keyed: bearer === apiKey || clientSecret === apiKey,
      body: readsBody ? parseObject(text) : {},
    });
  }

  /**
   * WorkOS stamps every answer with a request id, which the SDK copies into its errors. Answers
   * carry this front's rate-limit headers; the emulator's describe an internal key and go.
   */
  async function handleWithRequestId(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const decision = await rateLimit(req, url);
    const key = req.method === 'POST' ? req.headers.get('idempotency-key') : null;
    const res = !decision.allowed
      ? json({ ...RATE_LIMITED_BODY }, 429)
      : key && presentsKey(req, apiKey)
        ? await idempotent
            .answer(canonicalPath(url.pathname), key, await req.clone().text(), () => handle(req, url))
            .catch((e: unknown) => {
              if (e instanceof FixtureError) return errorResponse(e);
              throw e;
            })
        : await handle(req, url);
    const headers = new Headers(res.headers);
    for (const name of EMULATOR_RATE_HEADERS) headers.delete(name);
    for (const [name, value] of Object.entries(decision.headers)) headers.set(name, value);
    if (!headers.has('x-request-id')) headers.set('x-request-id', `req_${crypto.randomUUID()}`);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }

  async function handle(req: Request, url: URL): Promise<Response> {
    try {
      const match = routes(req.method, url.pathname);
      if (match) {
        if (!match.route.public && !presentsKey(req, apiKey)) throw unauthorized();
        return await match.route.handler({
          req,
          url,
          params: match.params,
          state,
          upstream,
          frontUrl,
          apiKey,
          signer,
          now: Date.now,
        });
      }
      // The emulator clamps a bad limit or order silently; WorkOS refuses it, and so do we.
      if (req.method === 'GET' && presentsKey(req, apiKey)) parseListParams(url.searchParams);
      return await upstream.forward(req, url);
    } catch (error) {
      if (error instanceof FixtureError) return errorResponse(error);
      options.onError('embedded WorkOS request failed', { method: req.method, path: url.pathname, error });
      return json({ message: 'Internal Server Error', code: 'server_error' }, 500);
    }
  }

  const server = Bun.serve({ hostname: FRONT_HOST, port: options.port, fetch: handleWithRequestId });
  const port = server.port ?? options.port;
  frontUrl = `http://${FRONT_HOST}:${port}`;
  upstream.frontUrl = frontUrl;
  return {
    url: frontUrl,
    host: FRONT_HOST,
    port,
    stop: async () => {
      await server.stop(true);
    },
  };
}
