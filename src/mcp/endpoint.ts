import { createMcpHandler, isJsonContentType, isLegacyRequest } from '@modelcontextprotocol/server';
import type { AppContext } from '../app/context.ts';
import { MAX_REQUEST_BODY_BYTES, SSE_KEEPALIVE_MS } from '../config/constants.ts';
import { originAllowed } from '../http/host.ts';
import type { RawHandler } from '../http/server.ts';
import { authenticateBearer } from '../oauth/bearer.ts';
import { protectedResourceMetadataUrl } from '../oauth/metadata.ts';
import { listingContext } from '../policy/pipeline.ts';
import { toAuthInfo } from './auth-info.ts';
import { jsonRpcError } from './json-rpc.ts';
import { buildMcpServer } from './server.ts';
import { McpSessions } from './sessions.ts';
import { StreamRegistry } from './streams.ts';

type JsonBody = { ok: true; value: unknown } | { ok: false; request: Request };

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
  const text = await request.text();
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return {
      ok: false,
      request: new Request(request.url, { method: 'POST', headers: request.headers, body: text }),
    };
  }
}

export interface McpEndpoint {
  handler: RawHandler;
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
  const sessions = new McpSessions(
    app,
    (state) => buildMcpServer(app, state),
    (p, s) => app.tools.visible(p, listingContext(app, p, { session: s })).map((d) => d.name),
  );
  const modern = createMcpHandler(() => buildMcpServer(app, undefined), {
    legacy: 'reject',
    // Always stream: keep-alive comments then cover tool calls longer than the socket idle
    // timeout, so no request needs a longer timeout (which Bun would keep for the idle socket).
    responseMode: 'sse',
    keepAliveMs: SSE_KEEPALIVE_MS,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    onerror: (e) => app.log.debug('mcp modern handler', { error: e.message }),
  });
  const resourceMetadataUrl = protectedResourceMetadataUrl(app.config);
  const streams = new StreamRegistry();
  // Sessionless requests still running (a tool call awaiting WorkOS): a revocation or the kill
  // switch answers them at once, as closing a session does for 2025-era requests — a result
  // that arrives after the revocation is never delivered.
  const running = new Set<{ familyId: string; revoke(): void }>();
  app.events.on('families.revoked', ({ familyIds }) => {
    streams.closeWhere((t) => familyIds.includes(t.familyId));
    for (const r of running) if (familyIds.includes(r.familyId)) r.revoke();
  });
  app.events.on('team.killed', ({ teamId }) => {
    streams.closeWhere((t) => t.teamId === teamId);
    void sessions.closeTeam(teamId, 'kill switch');
  });

  const handler: RawHandler = async (request) => {
    if (!originAllowed(request, app.config.publicUrl, app.config.allowedHosts)) {
      return jsonRpcError(
        403,
        -32000,
        'Origin not allowed: this MCP endpoint only accepts browser requests from its own origin.',
      );
    }
    const auth = await authenticateBearer(request, { principals: app.oauth.principals, resourceMetadataUrl });
    if (!auth.ok) return auth.response;
    const token = request.headers
      .get('authorization')!
      .replace(/^Bearer +/i, '')
      .trim();
    try {
      // The body is read and parsed once, here; classification and the transports get the value.
      const body = await readJsonBody(request);
      const parsed = body.ok ? { parsedBody: body.value } : {};
      const req = body.ok ? request : body.request;
      if (
        await isLegacyRequest(req, body.ok ? body.value : undefined, {
          maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
        })
      ) {
        return await sessions.handle(req, token, auth.principal, parsed);
      }
      let entry!: { familyId: string; revoke(): void };
      const revoked = new Promise<'revoked'>((resolve) => {
        entry = { familyId: auth.principal.familyId, revoke: () => resolve('revoked') };
      });
      running.add(entry);
      const answer = modern.fetch(req, { authInfo: toAuthInfo(token, auth.principal), ...parsed });
      try {
        const res = await Promise.race([answer, revoked]);
        if (res !== 'revoked')
          return streams.track(res, { teamId: auth.principal.teamId, familyId: auth.principal.familyId });
      } finally {
        running.delete(entry);
      }
      // Drop the late answer; the client gets the same challenge a revoked token gets at the door.
      void answer.then((res) => res.body?.cancel()).catch(() => {});
      const again = await authenticateBearer(request, {
        principals: app.oauth.principals,
        resourceMetadataUrl,
      });
      return again.ok ? jsonRpcError(401, -32001, 'This authorization was revoked.') : again.response;
    } catch (e) {
      app.log.error('mcp request failed', {
        error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e),
      });
      return jsonRpcError(500, -32603, 'Internal error');
    }
  };

  return {
    handler,
    sessions,
    notifyToolsChanged: () => modern.notify.toolsChanged(),
    async close() {
      streams.closeWhere(() => true);
      await sessions.closeAll('server shutting down');
      await modern.close();
    },
  };
}
