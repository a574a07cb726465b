/**
 * The fixture front: the one address the WorkOS SDK talks to in local mode. It answers the
 * fixture paths itself and forwards everything else to WorkOS's emulator.
 */
import { bearerToken } from './credentials.ts';
import { errorResponse, FixtureError, json, unauthorized } from './fixtures/http.ts';
import { FIXTURE_ROUTES, impersonationRoutes } from './fixtures/index.ts';
import { parseListParams } from './fixtures/pagination.ts';
import { createRouter } from './fixtures/router.ts';
import type { FixtureState } from './fixtures/state.ts';
import type { TokenSigner } from './fixtures/token-signer.ts';
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

  /** WorkOS stamps every answer with a request id, which the SDK copies into its errors. */
  async function handleWithRequestId(req: Request): Promise<Response> {
    const res = await handle(req);
    if (!res.headers.has('x-request-id')) res.headers.set('x-request-id', `req_${crypto.randomUUID()}`);
    return res;
  }

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
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
