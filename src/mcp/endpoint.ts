import { createMcpHandler, isLegacyRequest } from '@modelcontextprotocol/server';
import type { AppContext } from '../app/context.ts';
import { MAX_REQUEST_BODY_BYTES, MCP_REQUEST_TIMEOUT_S, SSE_KEEPALIVE_MS } from '../config/constants.ts';
import { originAllowed } from '../http/host.ts';
import type { RawHandler } from '../http/server.ts';
import { authenticateBearer } from '../oauth/bearer.ts';
import { protectedResourceMetadataUrl } from '../oauth/metadata.ts';
import { toAuthInfo } from './auth-info.ts';
import { jsonRpcError } from './json-rpc.ts';
import { buildMcpServer } from './server.ts';
import { McpSessions } from './sessions.ts';
import { StreamRegistry } from './streams.ts';

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
    (p, s) => app.tools.visible(p, s).map((d) => d.name),
  );
  const modern = createMcpHandler(() => buildMcpServer(app, undefined), {
    legacy: 'reject',
    keepAliveMs: SSE_KEEPALIVE_MS,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    onerror: (e) => app.log.debug('mcp modern handler', { error: e.message }),
  });
  const resourceMetadataUrl = protectedResourceMetadataUrl(app.config);
  const streams = new StreamRegistry();
  app.events.on('families.revoked', ({ familyIds }) =>
    streams.closeWhere((t) => familyIds.includes(t.familyId)),
  );
  app.events.on('team.killed', ({ teamId }) => {
    streams.closeWhere((t) => t.teamId === teamId);
    void sessions.closeTeam(teamId, 'kill switch');
  });

  const handler: RawHandler = async (request, server) => {
    // A tool call may legitimately take longer than the socket idle timeout (JSON responses
    // send nothing until done); SSE streams send keep-alives regardless.
    server.timeout(request, MCP_REQUEST_TIMEOUT_S);
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
      if (await isLegacyRequest(request, undefined, { maxRequestBodySize: MAX_REQUEST_BODY_BYTES })) {
        return await sessions.handle(request, token, auth.principal);
      }
      const res = await modern.fetch(request, { authInfo: toAuthInfo(token, auth.principal) });
      return streams.track(res, { teamId: auth.principal.teamId, familyId: auth.principal.familyId });
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
