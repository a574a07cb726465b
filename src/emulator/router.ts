/**
 * The key router: one loopback origin in front of every embedded environment, as live WorkOS is
 * one origin (api.workos.com) where the API key selects the environment. Each request goes,
 * unchanged, to the environment whose key it presents (`Authorization: Bearer <key>`, or
 * `client_secret` in a JSON or form body, which the SDK sends to `/user_management/authenticate`
 * and `/sso/token`). Everything else goes to the identity environment: AuthKit's authorize
 * pages, the JWKS, browser redirects, and unknown keys, which its front refuses with WorkOS's 401.
 *
 * Answers come back as they are (status, headers, body streamed), except that an environment's
 * own front origin in a `Location` or in a JSON/HTML body (audit-log export downloads, invitation
 * and portal links) is rewritten to the router's, and the router remembers which environment
 * handed that URL out, so a client following it without a key reaches the same environment.
 */
import { escapeRegExp } from '../kernel/regexp.ts';
import { bearerToken, bodyClientSecret } from './credentials.ts';
import type { EmbeddedWorkOS } from './embedded.ts';
import { signInPicker } from './sign-in-picker.ts';
import type { EmbeddedSuite } from './suite.ts';
import { DROPPED_RESPONSE_HEADERS, endToEnd, HOP_BY_HOP } from './upstream.ts';

export interface KeyRouterOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Where unexpected failures are reported (default: a JSON line on stderr). */
  onError?: (message: string, fields: Record<string, unknown>) => void;
}

export interface KeyRouter {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export const ROUTER_HOST = '127.0.0.1';

/** How many handed-out URLs are remembered (oldest forgotten first). */
const MAX_HANDED_OUT = 10_000;

/** fetch negotiates and decodes the encoding itself; the client's preference would be misread. */
const REQUEST_DROPPED: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'accept-encoding']);

const REWRITTEN_TYPES = /application\/json|text\/html/i;

function defaultOnError(message: string, fields: Record<string, unknown>): void {
  const error =
    fields.error instanceof Error ? { name: fields.error.name, message: fields.error.message } : fields.error;
  process.stderr.write(
    `${JSON.stringify({ t: new Date().toISOString(), level: 'error', msg: message, ...fields, error })}\n`,
  );
}

function problem(status: number, message: string, code: string): Response {
  return new Response(JSON.stringify({ message, code }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}

export function startKeyRouter(
  suite: Pick<EmbeddedSuite, 'identity' | 'all' | 'byKey'>,
  options: KeyRouterOptions = {},
): KeyRouter {
  const onError = options.onError ?? defaultOnError;
  const handedOut = new Map<string, EmbeddedWorkOS>();
  let routerUrl = '';
  // Each front's origin, not followed by a digit (so :1234 never matches inside :12345), and
  // the rest of the URL up to a character that cannot be part of one in JSON or HTML.
  const origins = suite.all.map((env) => ({
    env,
    pattern: new RegExp(`${escapeRegExp(env.url)}(?![0-9])([^\\s"'<>\\\\]*)`, 'g'),
  }));

  function remember(rest: string, env: EmbeddedWorkOS): void {
    const u = new URL(rest.replaceAll('&amp;', '&') || '/', routerUrl);
    const key = `${u.pathname}${u.search}`;
    if (key === '/') return;
    handedOut.delete(key);
    handedOut.set(key, env);
    if (handedOut.size > MAX_HANDED_OUT) {
      const oldest = handedOut.keys().next().value;
      if (oldest !== undefined) handedOut.delete(oldest);
    }
  }

  function rewrite(text: string): string {
    let out = text;
    for (const { env, pattern } of origins) {
      out = out.replace(pattern, (_match, rest: string) => {
        remember(rest, env);
        return `${routerUrl}${rest}`;
      });
    }
    return out;
  }

  /** The key's environment; else the one that handed out this URL; else identity. */
  function target(req: Request, url: URL, body: ArrayBuffer | undefined): EmbeddedWorkOS {
    const bearer = bearerToken(req.headers);
    const key =
      bearer ??
      (body && body.byteLength > 0
        ? bodyClientSecret(req.headers.get('content-type'), new TextDecoder().decode(body))
        : undefined);
    const byKey = key === undefined ? undefined : suite.byKey(key);
    return byKey ?? handedOut.get(`${url.pathname}${url.search}`) ?? suite.identity;
  }

  async function relay(res: Response): Promise<Response> {
    const headers = endToEnd(res.headers, DROPPED_RESPONSE_HEADERS);
    const location = headers.get('location');
    if (location) headers.set('location', rewrite(location));
    const init = { status: res.status, statusText: res.statusText, headers };
    if (res.body && REWRITTEN_TYPES.test(res.headers.get('content-type') ?? '')) {
      return new Response(rewrite(await res.text()), init);
    }
    return new Response(res.body, init);
  }

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const picker = signInPicker(req, url);
    if (picker) return picker;
    try {
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer();
      const env = target(req, url, body);
      let res: Response;
      try {
        res = await fetch(`${env.url}${url.pathname}${url.search}`, {
          method: req.method,
          headers: endToEnd(req.headers, REQUEST_DROPPED),
          body,
          redirect: 'manual',
        });
      } catch (error) {
        onError('key router could not reach an embedded environment', {
          method: req.method,
          path: url.pathname,
          environment: env.name,
          error,
        });
        return problem(502, 'Bad Gateway', 'server_error');
      }
      return await relay(res);
    } catch (error) {
      onError('key router request failed', { method: req.method, path: url.pathname, error });
      return problem(500, 'Internal Server Error', 'server_error');
    }
  }

  const server = Bun.serve({ hostname: ROUTER_HOST, port: options.port ?? 0, fetch: handle });
  const port = server.port ?? options.port ?? 0;
  routerUrl = `http://${ROUTER_HOST}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url: routerUrl,
    host: ROUTER_HOST,
    port,
    close: () => {
      closed ??= server.stop(true).then(() => undefined);
      return closed;
    },
  };
}
