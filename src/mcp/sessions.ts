import { type Server, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../app/context.ts';
import { MAX_REQUEST_BODY_BYTES, SSE_KEEPALIVE_MS } from '../config/constants.ts';
import { randomToken } from '../crypto/random.ts';
import { schema } from '../db/client.ts';
import type { Principal } from '../oauth/principal.ts';
import type { McpSessionState } from '../tools/types.ts';
import { toAuthInfo } from './auth-info.ts';
import { jsonRpcError } from './json-rpc.ts';

const OPENED = new TextEncoder().encode(': stream opened\n\n');

/**
 * A GET stream carries nothing until the server has something to say, and Bun sends the
 * response headers with the first body bytes: without a first comment frame the client would
 * wait for the first keep-alive to learn the stream is open.
 */
function flushHeadersNow(res: Response): Response {
  if (!res.body || !res.headers.get('content-type')?.includes('text/event-stream')) return res;
  const upstream = res.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(OPENED);
    },
    async pull(controller) {
      const { done, value } = await upstream.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return upstream.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, headers: res.headers });
}

/**
 * The elicitation modes a client declared at initialize (MCP 2025-11-25): `elicitation: {}` is
 * form mode (the pre-mode meaning, kept for compatibility), `{ form: {} }` form, `{ url: {} }`
 * URL mode only, `{ form: {}, url: {} }` both.
 */
export function elicitationModes(declared: unknown): { form: boolean; url: boolean } {
  if (!declared || typeof declared !== 'object' || Array.isArray(declared))
    return { form: false, url: false };
  const caps = declared as { form?: unknown; url?: unknown };
  const url = caps.url !== undefined;
  return { form: caps.form !== undefined || !url, url };
}

/** Caps that keep thousands of idle sessions from exhausting memory. */
export const MAX_SESSIONS = 5_000;
export const MAX_SESSIONS_PER_FAMILY = 100;
/** How often idle sessions are swept. */
const SWEEP_INTERVAL_MS = 30_000;

interface LiveSession {
  state: McpSessionState;
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  familyId: string;
  userId: string;
  teamId: string;
  lastSeenAt: number;
  /** Tool names visible at the last check, to send list_changed only on a real change. */
  fingerprint: string;
  /** JSON-RPC ids of requests not yet answered (JSON-encoded, so 1 and "1" differ). */
  inFlight: Set<string>;
}

/**
 * 2025-era MCP sessions (`initialize` + `Mcp-Session-Id`): one transport and server per session,
 * bound to the token family that opened it, evicted after the team's idle TTL, and closed the
 * moment its tokens are revoked.
 */
export class McpSessions {
  private readonly live = new Map<string, LiveSession>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly app: AppContext,
    private readonly buildServer: (session: McpSessionState) => Server,
    private readonly visibleToolNames: (p: Principal, s: McpSessionState) => string[],
  ) {
    this.timer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref?.();
    // Sessions live in memory: rows left open by a previous process are over.
    app.db
      .update(schema.mcpSessions)
      .set({ closedAt: app.clock.now(), closedReason: 'server restarted' })
      .where(isNull(schema.mcpSessions.closedAt))
      .run();
    app.events.on('families.revoked', ({ familyIds, reason }) => {
      for (const [id, s] of this.live)
        if (familyIds.includes(s.familyId)) void this.close(id, `token revoked: ${reason}`);
    });
  }

  get size(): number {
    return this.live.size;
  }

  /** Handles a legacy request for an authenticated principal. */
  async handle(
    request: Request,
    token: string,
    principal: Principal,
    parsed: { parsedBody?: unknown } = {},
  ): Promise<Response> {
    const authInfo = toAuthInfo(token, principal);
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const s = this.live.get(sessionId);
      if (!s)
        return jsonRpcError(
          404,
          -32001,
          'Session not found: it expired or was closed. Initialize a new session.',
        );
      // A session is bound to the authorization that opened it; refreshed tokens of that
      // authorization keep working, any other token is refused.
      if (s.familyId !== principal.familyId) {
        return jsonRpcError(403, -32001, 'This MCP session belongs to another authorization.');
      }
      s.lastSeenAt = this.app.clock.now();
      if (request.method === 'POST') return this.post(s, request, authInfo, parsed);
      const res = await s.transport.handleRequest(request, { authInfo });
      if (request.method === 'DELETE') await this.close(sessionId, 'closed by the client');
      return request.method === 'GET' ? flushHeadersNow(res) : res;
    }
    if (request.method !== 'POST') {
      return jsonRpcError(400, -32000, 'Missing Mcp-Session-Id header: initialize a session first.');
    }
    if (this.live.size >= MAX_SESSIONS) this.evictOldest();
    const perFamily = [...this.live.values()].filter((s) => s.familyId === principal.familyId);
    if (perFamily.length >= MAX_SESSIONS_PER_FAMILY) {
      const oldest = perFamily.sort((a, b) => a.lastSeenAt - b.lastSeenAt)[0]!;
      await this.close(oldest.state.id, 'too many sessions for one authorization');
    }
    return this.open(request, principal, authInfo, parsed);
  }

  /**
   * A POST on a live session. The transport matches answers to requests by JSON-RPC id, so a
   * second request reusing an id still in flight would leave the first unanswered: it is refused
   * (JSON-RPC §5: ids identify a request while it is pending).
   */
  private async post(
    s: LiveSession,
    request: Request,
    authInfo: ReturnType<typeof toAuthInfo>,
    body: { parsedBody?: unknown },
  ): Promise<Response> {
    // No parsed body (not JSON, too large, malformed): the transport answers in its own words.
    if (!('parsedBody' in body)) return s.transport.handleRequest(request, { authInfo });
    const parsed = body.parsedBody;
    const ids = (Array.isArray(parsed) ? parsed : [parsed])
      .filter(
        (m): m is { id: string | number; method: string } =>
          !!m && typeof m === 'object' && 'method' in m && 'id' in m,
      )
      .map((m) => JSON.stringify(m.id));
    const clash = ids.find((id, i) => s.inFlight.has(id) || ids.indexOf(id) !== i);
    if (clash !== undefined) {
      return jsonRpcError(
        409,
        -32600,
        `A request with id ${clash} is already in progress on this session; use a new id.`,
      );
    }
    for (const id of ids) s.inFlight.add(id);
    return s.transport.handleRequest(request, { authInfo, parsedBody: parsed });
  }

  private async open(
    request: Request,
    principal: Principal,
    authInfo: ReturnType<typeof toAuthInfo>,
    parsed: { parsedBody?: unknown },
  ): Promise<Response> {
    const inFlight = new Set<string>();
    const state: McpSessionState = {
      id: '',
      environment: 'sandbox',
      supportsElicitation: false,
      supportsUrlElicitation: false,
    };
    const server = this.buildServer(state);
    let registered: LiveSession | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomToken(24),
      keepAliveMs: SSE_KEEPALIVE_MS,
      maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
      onsessioninitialized: (id) => {
        state.id = id;
        const now = this.app.clock.now();
        registered = {
          state,
          transport,
          server,
          familyId: principal.familyId,
          userId: principal.userId,
          teamId: principal.teamId,
          lastSeenAt: now,
          fingerprint: '',
          inFlight,
        };
        this.live.set(id, registered);
        this.app.db
          .insert(schema.mcpSessions)
          .values({
            id,
            familyId: principal.familyId,
            userId: principal.userId,
            teamId: principal.teamId,
            createdAt: now,
            lastSeenAt: now,
          })
          .run();
      },
    });
    server.oninitialized = () => {
      const modes = elicitationModes(server.getClientCapabilities()?.elicitation);
      state.supportsElicitation = modes.form;
      state.supportsUrlElicitation = modes.url;
      if (registered) registered.fingerprint = this.visibleToolNames(principal, state).join(',');
      this.app.db
        .update(schema.mcpSessions)
        .set({
          protocolVersion: server.getNegotiatedProtocolVersion() ?? null,
          clientInfo: (server.getClientVersion() as Record<string, unknown> | undefined) ?? null,
          capabilities: (server.getClientCapabilities() as Record<string, unknown> | undefined) ?? null,
        })
        .where(eq(schema.mcpSessions.id, state.id))
        .run();
    };
    await server.connect(transport);
    // Forget a request's id once its answer goes out (see post()).
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
      if ('id' in message && ('result' in message || 'error' in message))
        inFlight.delete(JSON.stringify(message.id));
      return send(message, options);
    };
    const res = await transport.handleRequest(request, { authInfo, ...parsed });
    if (!registered) {
      // Not an initialize request (or a malformed one): nothing to keep.
      await server.close().catch(() => {});
    }
    return res;
  }

  /** The session state, when it exists and belongs to this principal. */
  state(sessionId: string): McpSessionState | undefined {
    return this.live.get(sessionId)?.state;
  }

  /**
   * Tells every open session of one authorization that its tools changed (DESIGN §3: a grant
   * changing is one of the triggers): the agent re-lists and can check its requests again.
   */
  async notifyFamily(familyId: string): Promise<void> {
    for (const s of this.live.values()) {
      if (s.familyId !== familyId) continue;
      await s.server.sendToolListChanged().catch(() => {});
    }
  }

  /**
   * Tells every open session of a team that its tools changed even when their names did not:
   * the WorkOS environment they act on was linked, replaced or removed.
   */
  async notifyTeam(teamId: string): Promise<void> {
    for (const s of this.live.values()) {
      if (s.teamId !== teamId) continue;
      await s.server.sendToolListChanged().catch(() => {});
    }
  }

  /**
   * Re-evaluates which tools each affected session may see and sends
   * `notifications/tools/list_changed` where that changed.
   */
  async refreshVisibility(
    filter: { teamId?: string; userId?: string },
    principalFor: (familyId: string) => Promise<Principal | undefined>,
  ) {
    for (const s of this.live.values()) {
      if (filter.teamId && s.teamId !== filter.teamId) continue;
      if (filter.userId && s.userId !== filter.userId) continue;
      const p = await principalFor(s.familyId);
      if (!p) continue;
      const fingerprint = this.visibleToolNames(p, s.state).join(',');
      if (fingerprint === s.fingerprint) continue;
      s.fingerprint = fingerprint;
      await s.server.sendToolListChanged().catch(() => {});
    }
  }

  async close(sessionId: string, reason: string): Promise<void> {
    const s = this.live.get(sessionId);
    if (!s) return;
    this.live.delete(sessionId);
    await s.transport.close().catch(() => {});
    await s.server.close().catch(() => {});
    this.app.db
      .update(schema.mcpSessions)
      .set({ closedAt: this.app.clock.now(), closedReason: reason })
      .where(and(eq(schema.mcpSessions.id, sessionId), isNull(schema.mcpSessions.closedAt)))
      .run();
  }

  /** Closes every session of a team (kill switch) and returns how many were closed. */
  async closeTeam(teamId: string, reason: string): Promise<number> {
    const ids = [...this.live].filter(([, s]) => s.teamId === teamId).map(([id]) => id);
    await Promise.all(ids.map((id) => this.close(id, reason)));
    return ids.length;
  }

  async closeAll(reason: string): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.live.keys()].map((id) => this.close(id, reason)));
  }

  private evictOldest() {
    let oldest: [string, LiveSession] | undefined;
    for (const e of this.live) if (!oldest || e[1].lastSeenAt < oldest[1].lastSeenAt) oldest = e;
    if (oldest) void this.close(oldest[0], 'evicted: too many sessions');
  }

  /** Closes sessions idle longer than their team's session idle TTL. */
  sweep(): void {
    const now = this.app.clock.now();
    const ttls = new Map<string, number>();
    for (const [id, s] of this.live) {
      let ttl = ttls.get(s.teamId);
      if (ttl === undefined) {
        ttl = this.app.teams.settings(s.teamId).sessionIdleTtlMs;
        ttls.set(s.teamId, ttl);
      }
      if (now - s.lastSeenAt > ttl) void this.close(id, 'idle timeout');
    }
  }
}
