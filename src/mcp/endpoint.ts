import { createMcpHandler, isJsonContentType, isLegacyRequest } from '@modelcontextprotocol/server';
import type { AppContext } from '../app/context.ts';
import {
  MAX_LISTEN_STREAMS,
  MAX_LISTEN_STREAMS_PER_USER,
  MAX_REQUEST_BODY_BYTES,
  SSE_KEEPALIVE_MS,
} from '../config/constants.ts';
import { foreignCommitsOf } from '../db/epoch.ts';
import { unexpectedAnswer } from '../errors/database.ts';
import { originAllowed } from '../http/host.ts';
import { annotateRequest, requestFacts } from '../http/request-context.ts';
import type { RawHandler } from '../http/server.ts';
import { utf8Text } from '../http/utf8.ts';
import { authenticateBearer, authenticateToken } from '../oauth/bearer.ts';
import { protectedResourceMetadataUrl } from '../oauth/metadata.ts';
import { listingContext } from '../policy/pipeline.ts';
import { streamIfLate } from './answers.ts';
import { toAuthInfo } from './auth-info.ts';
import { jsonRpcError, jsonRpcErrors, LIMIT_EXCEEDED, messageCalling } from './json-rpc.ts';
import { LiveMcp } from './live.ts';
import { ownerKey } from './owner.ts';
import type { QuotaRefusal } from './quota.ts';
import { buildMcpServer } from './server.ts';
import type { McpSessions } from './sessions.ts';
import { ToolCallLimits } from './tool-call-limit.ts';

/** A sessionless call slower than this is streamed (src/mcp/answers.ts). */
const LATE_ANSWER = { afterMs: SSE_KEEPALIVE_MS, keepAliveMs: SSE_KEEPALIVE_MS };

type JsonBody =
  | { ok: true; value: unknown }
  | { ok: false; request: Request }
  | { ok: false; unreadable: Response };

/**
 * A POST's JSON body, parsed once. Anything else (GET, DELETE, another media type, a body too
 * large, invalid JSON) comes back as an untouched request for the SDK to answer in its words.
 */
async function readJsonBody(request: Request): Promise<JsonBody> {
  if (request.method !== 'POST' || !isJsonContentType(request.headers.get('content-type') ?? '')) {
    return { ok: false, request };
  }
  if (Number(request.headers.get('content-length') ?? '0') > MAX_REQUEST_BODY_BYTES)
    return { ok: false, request };
  let bytes: ArrayBuffer;
  try {
    bytes = await request.arrayBuffer();
  } catch (e) {
    return { ok: false, unreadable: unreadableBody(request, e) };
  }
  const text = utf8Text(bytes);
  if (text === undefined) {
    annotateRequest(request, { refusal: 'body_not_utf8' });
    return {
      ok: false,
      unreadable: jsonRpcError(
        400,
        -32700,
        'Parse error: the request body is not valid UTF-8 (JSON is UTF-8: RFC 8259 §8.1). Nothing was run.',
      ),
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return {
      ok: false,
      request: new Request(request.url, { method: 'POST', headers: request.headers, body: text }),
    };
  }
}

/**
 * A body that could not be read: over the size limit without a Content-Length (chunked; Bun
 * answers 413 itself), or cut off (the client closed, or its chunked encoding is broken). The
 * client's doing, so a refusal in the log, never a failure of ours.
 */
function unreadableBody(request: Request, e: unknown): Response {
  annotateRequest(request, { refusal: 'body_unreadable' });
  return e instanceof Error && /maxRequestBodySize/i.test(e.message)
    ? jsonRpcError(413, -32600, `Request body too large: at most ${MAX_REQUEST_BODY_BYTES} bytes.`)
    : jsonRpcError(400, -32600, 'The request body could not be read: it ended before it was complete.');
}

/** The id of a `subscriptions/listen` request in the body, if it is one (undefined otherwise). */
function listenRequestId(body: unknown): string | number | null | undefined {
  const listen = messageCalling(body, 'subscriptions/listen');
  if (!listen) return undefined;
  return typeof listen.id === 'string' || typeof listen.id === 'number' ? listen.id : null;
}

/** A listen stream refused: the person's quota (429) or the server's (503). */
function listenRefused(refused: QuotaRefusal, id: string | number | null): Response {
  return refused === 'person'
    ? jsonRpcErrors(
        429,
        [id],
        LIMIT_EXCEEDED,
        `Too many open subscriptions/listen streams: you hold ${MAX_LISTEN_STREAMS_PER_USER}, the most one person may (over all your tokens). Close one you no longer read before opening another.`,
        { 'Retry-After': '60' },
        { limit: MAX_LISTEN_STREAMS_PER_USER, scope: 'person' },
      )
    : jsonRpcErrors(
        503,
        [id],
        LIMIT_EXCEEDED,
        `Gatehouse is at capacity: ${MAX_LISTEN_STREAMS} listen streams are open. Try again later.`,
        { 'Retry-After': '60' },
        { limit: MAX_LISTEN_STREAMS, scope: 'server' },
      );
}

/** The response with extra headers (copied onto a new Response if its own cannot change). */
function withHeaders(res: Response, headers: Record<string, string>): Response {
  if (Object.keys(headers).length === 0) return res;
  try {
    for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
    return res;
  } catch {
    const h = new Headers(res.headers);
    for (const [k, v] of Object.entries(headers)) h.set(k, v);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: h });
  }
}

export interface McpEndpoint {
  handler: RawHandler;
  /** Everything live behind /mcp, and the one revocation handler that ends it. */
  live: LiveMcp;
  /** The 2025-era sessions (`live.sessions`): size, state, tools/list_changed. */
  sessions: McpSessions;
  /** Tells every open 2026-07-28 listen stream that the tool list changed. */
  notifyToolsChanged(): void;
  close(): Promise<void>;
}

/**
 * /mcp: Origin check (Host is checked at the front door), bearer authentication, then the
 * 2025-era sessionful transport or the 2026-07-28 stateless handler — the same server either way.
 */
export function createMcpEndpoint(app: AppContext): McpEndpoint {
  const live = new LiveMcp({
    clock: app.clock,
    events: app.events,
    rows: app.mcpSessionRows,
    idleTtlMs: (teamId) => app.teams.settings(teamId).sessionIdleTtlMs,
    buildServer: (state) => buildMcpServer(app, state),
    visibleToolNames: (p, s) =>
      app.tools.visible(p, listingContext(app, p, { session: s })).map((d) => d.name),
    foreignCommits: foreignCommitsOf(app.db),
    standing: (owners) => {
      const families = app.oauth.tokens.standingAmong(owners.map((o) => o.familyId));
      // teams.get is cached while the authority epoch stands: one read per team at most.
      return new Set(
        owners
          .filter((o) => families.has(o.familyId) && app.teams.get(o.teamId)?.admittedAt != null)
          .map(ownerKey),
      );
    },
    log: app.log,
  });
  const sessions = live.sessions;
  const modern = createMcpHandler(() => buildMcpServer(app, undefined), {
    legacy: 'reject',
    // One JSON body unless the call sends something before its result (the SDK then streams);
    // a call slower than the keep-alive interval is streamed by streamIfLate (src/mcp/answers.ts),
    // so no request needs a longer socket timeout (which Bun would keep for the idle socket).
    responseMode: 'auto',
    keepAliveMs: SSE_KEEPALIVE_MS,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    maxSubscriptions: MAX_LISTEN_STREAMS,
    onerror: (e) => app.log.debug('mcp modern handler', { error: e.message }),
  });
  const toolCalls = new ToolCallLimits({
    clock: app.clock,
    audit: app.audit,
  });
  const bearer = {
    principals: app.oauth.principals,
    resourceMetadataUrl: protectedResourceMetadataUrl(app.config),
  };

  const handler: RawHandler = async (request) => {
    if (!originAllowed(request, app.config.publicUrl, app.config.allowedHosts)) {
      annotateRequest(request, { refusal: 'origin_not_allowed' });
      return jsonRpcError(
        403,
        -32000,
        'Origin not allowed: this MCP endpoint only accepts browser requests from its own origin.',
      );
    }
    try {
      const auth = await authenticateBearer(request, bearer);
      if (!auth.ok) {
        annotateRequest(request, { refusal: 'invalid_token' });
        return auth.response;
      }
      const { token, principal } = auth;
      annotateRequest(request, {
        teamId: principal.teamId,
        clientId: principal.clientId ?? `connection:${principal.familyId}`,
      });
      // The body is read and parsed once, here; classification and the transports get the value.
      const body = await readJsonBody(request);
      if ('unreadable' in body) return body.unreadable;
      const parsed = body.ok ? { parsedBody: body.value } : {};
      const req = body.ok ? request : body.request;
      // Tool calls per token: over the team's rate, refused before anything runs.
      const limited = body.ok
        ? toolCalls.check(principal, body.value, request.headers.get('mcp-session-id'))
        : undefined;
      if (limited && !limited.allowed) return limited.response;
      const rateHeaders = limited?.headers ?? {};
      // A request naming a session belongs to a 2025-era session (2026-07-28 has none): it goes
      // to the session it names without classifying its body first, as a bare session server does.
      if (
        request.headers.has('mcp-session-id') ||
        (await isLegacyRequest(req, body.ok ? body.value : undefined, {
          maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
        }))
      ) {
        return withHeaders(await sessions.handle(req, token, principal, parsed), rateHeaders);
      }
      // A listen stream stays open: each person holds a bounded number of them.
      const listenId = body.ok ? listenRequestId(body.value) : undefined;
      let release: (() => void) | undefined;
      if (listenId !== undefined) {
        const slot = live.reserveListen(principal.userId);
        if (!slot.ok) return listenRefused(slot.refused, listenId);
        release = slot.release;
      }
      const res = await live.answer(
        { familyId: principal.familyId, teamId: principal.teamId },
        () =>
          streamIfLate(
            modern.fetch(req, {
              authInfo: toAuthInfo(token, principal, requestFacts(request)?.id),
              ...parsed,
            }),
            LATE_ANSWER,
          ),
        release,
      );
      if (res) return withHeaders(res, rateHeaders);
      // Revoked while running: the client gets the same challenge a revoked token gets at the door.
      const again = await authenticateToken(token, bearer);
      return again.ok ? jsonRpcError(401, -32001, 'This authorization was revoked.') : again.response;
    } catch (e) {
      app.log.error('mcp request failed', {
        error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e),
      });
      const answer = unexpectedAnswer(e);
      return jsonRpcError(answer.status, -32603, answer.message, answer.headers);
    }
  };

  return {
    handler,
    live,
    sessions,
    notifyToolsChanged: () => modern.notify.toolsChanged(),
    async close() {
      await live.close();
      await modern.close();
    },
  };
}
