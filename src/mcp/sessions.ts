import {
  type JSONRPCErrorResponse,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import {
  MAX_MCP_SESSIONS,
  MAX_MCP_SESSIONS_PER_USER,
  MAX_REQUEST_BODY_BYTES,
  SSE_KEEPALIVE_MS,
} from '../config/constants.ts';
import { randomToken } from '../crypto/random.ts';
import { requestFacts } from '../http/request-context.ts';
import type { Principal } from '../oauth/principal.ts';
import type { McpSessionState } from '../tools/types.ts';
import { flushHeadersNow, streamIfLate } from './answers.ts';
import { toAuthInfo } from './auth-info.ts';
import { answersInJson, elicitationModes } from './elicitation.ts';
import { InFlightIds } from './in-flight.ts';
import { jsonRpcError, messagesOf } from './json-rpc.ts';
import type { LiveOwner } from './owner.ts';
import { Quota } from './quota.ts';
import { sessionRefused } from './session-refusals.ts';
import { SESSION_TOUCH_INTERVAL_MS } from './session-rows.ts';
import type { LiveSession, McpSessionsDeps } from './session-types.ts';
import { IDLE, type SessionEnd, WaitingCalls } from './waiting-calls.ts';

export type { McpSessionsDeps } from './session-types.ts';

/** How often sessions idle past their team's TTL are swept (see LiveMcp). */
export const SESSION_SWEEP_INTERVAL_MS = 30_000;

/**
 * 2025-era MCP sessions (`initialize` + `Mcp-Session-Id`): one transport and server per session,
 * bound to the token family that opened it, each recorded in its `mcp_sessions` row. Part of
 * LiveMcp, which decides when sessions end (revocation, kill switch, idle TTL).
 *
 * Each human holds at most MAX_MCP_SESSIONS_PER_USER sessions over all their tokens, and the
 * server MAX_MCP_SESSIONS in all; past either a new session is refused with a clear error. No
 * session is ever ended to make room, so one person's flood never ends anyone else's session.
 */
export class McpSessions {
  private readonly live = new Map<string, LiveSession>();
  private readonly quota = new Quota(MAX_MCP_SESSIONS_PER_USER, MAX_MCP_SESSIONS);

  constructor(private readonly deps: McpSessionsDeps) {}

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
    const authInfo = toAuthInfo(token, principal, requestFacts(request)?.id);
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
      this.seen(s);
      if (request.method === 'POST') return this.post(s, request, authInfo, parsed);
      const res = await s.transport.handleRequest(request, { authInfo });
      // A DELETE the transport refused (a bad Mcp-Protocol-Version) ends nothing.
      if (request.method === 'DELETE' && res.status < 400)
        await this.close(sessionId, { kind: 'client', recorded: 'closed by the client' });
      return request.method === 'GET' ? flushHeadersNow(res) : res;
    }
    if (request.method !== 'POST') {
      return jsonRpcError(400, -32000, 'Missing Mcp-Session-Id header: initialize a session first.');
    }
    let slot = this.quota.acquire(principal.userId);
    if (!slot.ok && slot.refused === 'person') {
      // Sessions of theirs already past the idle TTL would go at the next sweep: end them now.
      await this.closeIdleOf(principal.userId);
      slot = this.quota.acquire(principal.userId);
    }
    if (!slot.ok) return this.refuse(slot.refused, principal.userId);
    try {
      return await this.open(request, principal, authInfo, parsed, slot.release);
    } catch (e) {
      slot.release();
      throw e;
    }
  }

  /** Sessions `userId` holds (or is opening) now. */
  heldBy(userId: string): number {
    return this.quota.count(userId);
  }

  /**
   * A new session refused: 429 when its human holds their quota (Retry-After: until their least
   * recently used session would expire idle), 503 when the server holds its own.
   */
  private refuse(refused: 'person' | 'server', userId: string): Response {
    if (refused === 'server') return sessionRefused('server', 60);
    const now = this.deps.clock.now();
    const ttl = this.ttlLookup();
    let soonest = Number.POSITIVE_INFINITY;
    for (const s of this.live.values()) {
      if (s.userId !== userId) continue;
      soonest = Math.min(soonest, s.lastSeenAt + ttl(s.teamId) - now);
    }
    // A new session's request closes the person's sessions already past the idle TTL first (see
    // handle), so a place frees exactly then.
    return sessionRefused(
      'person',
      Number.isFinite(soonest) ? Math.max(1, Math.ceil(soonest / 1000) + 1) : 1,
    );
  }

  /** The teams' idle TTLs, each read once (a settings row) for the duration of one decision. */
  private ttlLookup(): (teamId: string) => number {
    const ttls = new Map<string, number>();
    return (teamId) => {
      let ttl = ttls.get(teamId);
      if (ttl === undefined) {
        ttl = this.deps.idleTtlMs(teamId);
        ttls.set(teamId, ttl);
      }
      return ttl;
    };
  }

  /** Closes `userId`'s sessions that are past their team's idle TTL. */
  private async closeIdleOf(userId: string): Promise<void> {
    const now = this.deps.clock.now();
    const ttl = this.ttlLookup();
    const idle = [...this.live.values()].filter(
      (s) => s.userId === userId && now - s.lastSeenAt > ttl(s.teamId),
    );
    await Promise.all(idle.map((s) => this.close(s.sessionId, IDLE)));
  }

  /** A POST on a live session: an id still in flight is refused (src/mcp/in-flight.ts). */
  private async post(
    s: LiveSession,
    request: Request,
    authInfo: ReturnType<typeof toAuthInfo>,
    body: { parsedBody?: unknown },
  ): Promise<Response> {
    // No parsed body (not JSON, too large, malformed): the transport answers in its own words.
    if (!('parsedBody' in body)) return s.transport.handleRequest(request, { authInfo });
    const parsed = body.parsedBody;
    if (Array.isArray(parsed) && parsed.length === 0)
      return jsonRpcError(400, -32600, 'Invalid Request: an empty batch (JSON-RPC 2.0 §6).');
    // Requests with an id the transport accepts (any other makes it refuse the whole POST).
    const requests = messagesOf(parsed).filter(
      (m): m is { id: string | number; method: string } =>
        !!m && typeof m === 'object' && 'method' in m && 'id' in m && InFlightIds.trackable(m.id),
    );
    const keys = requests.map((m) => InFlightIds.key(m.id));
    const clash = s.inFlight.clash(keys);
    if (clash !== undefined) {
      return jsonRpcError(
        409,
        -32600,
        `A request with id ${clash} is already in progress on this session; use a new id.`,
      );
    }
    const requestIds = requests.map((m) => m.id);
    const admission = s.inFlight.admit(requestIds);
    const answer = s.transport.handleRequest(request, { authInfo, parsedBody: parsed });
    s.inFlight.settleWith(answer, admission);
    if (!s.json) return answer;
    // A JSON answer waits for the call; it is answered at once when the session ends first, and
    // streamed when it takes longer than the keep-alive interval (src/mcp/answers.ts).
    // A client that leaves first gets no answer, and the transport would hold its request: it is
    // given a stand-in. The call runs on; its id stays busy until its own answer (in-flight.ts).
    const release = () => s.inFlight.leave(admission, s.standIn);
    return streamIfLate(s.waiting.race(answer, requestIds, { signal: request.signal, release }), {
      afterMs: SSE_KEEPALIVE_MS,
      keepAliveMs: SSE_KEEPALIVE_MS,
      headers: { 'mcp-session-id': s.sessionId },
    });
  }

  private async open(
    request: Request,
    principal: Principal,
    authInfo: ReturnType<typeof toAuthInfo>,
    parsed: { parsedBody?: unknown },
    release: () => void,
  ): Promise<Response> {
    const inFlight = new InFlightIds();
    const state: McpSessionState = {
      id: '',
      environment: 'sandbox',
      supportsElicitation: false,
      supportsUrlElicitation: false,
    };
    const server = this.deps.buildServer(state);
    let registered: LiveSession | undefined;
    /** The session's row could not be written: the session is not kept (see below). */
    let unrecorded: { error: unknown } | undefined;
    const json = answersInJson(parsed.parsedBody);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomToken(24),
      enableJsonResponse: json,
      keepAliveMs: SSE_KEEPALIVE_MS,
      maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
      onsessioninitialized: (id) => {
        state.id = id;
        const now = this.deps.clock.now();
        // The row first: a session the database does not know of is never kept. (A throw here
        // would reach the client as the SDK's own error, with the database's message.)
        try {
          this.deps.rows.create(
            { id, familyId: principal.familyId, userId: principal.userId, teamId: principal.teamId },
            now,
          );
        } catch (error) {
          unrecorded = { error };
          return;
        }
        registered = {
          sessionId: id,
          state,
          transport,
          server,
          familyId: principal.familyId,
          userId: principal.userId,
          teamId: principal.teamId,
          lastSeenAt: now,
          rowSeenAt: now,
          fingerprint: '',
          inFlight,
          standIn,
          release,
          json,
          waiting: new WaitingCalls(),
        };
        this.live.set(id, registered);
        this.deps.opened?.(registered);
      },
    });
    server.oninitialized = () => {
      const modes = elicitationModes(server.getClientCapabilities()?.elicitation);
      // A JSON session has no stream to ask on: its calls never wait on a question.
      state.supportsElicitation = modes.form && !json;
      state.supportsUrlElicitation = modes.url && !json;
      // The SDK drops what this throws: the session works without them, the log says why.
      try {
        if (registered) registered.fingerprint = this.deps.visibleToolNames(principal, state).join(',');
        this.deps.rows.recordHandshake(state.id, {
          protocolVersion: server.getNegotiatedProtocolVersion() ?? null,
          clientInfo: (server.getClientVersion() as Record<string, unknown> | undefined) ?? null,
          capabilities: (server.getClientCapabilities() as Record<string, unknown> | undefined) ?? null,
        });
      } catch (e) {
        this.deps.log?.error('mcp session handshake not recorded', { error: (e as Error).message });
      }
    };
    await server.connect(transport);
    // A request's id is free once its answer goes out; the answer of a call whose client left
    // goes nowhere, its stand-in having gone instead (see post() and in-flight.ts).
    const send = transport.send.bind(transport);
    const standIn = (message: JSONRPCErrorResponse) => send(message);
    // What the transport dispatches, the SDK sees first; then the ids learn it (cancellations).
    const dispatch = transport.onmessage;
    transport.onmessage = (message, extra) => {
      dispatch?.(message, extra);
      inFlight.dispatched(message, standIn);
    };
    transport.send = inFlight.guard(send);
    const res = await transport.handleRequest(request, { authInfo, ...parsed });
    if (unrecorded) {
      // Its answer (with a session id no one keeps) is dropped: the endpoint answers the error
      // (503 when the database cannot answer), and the person's session slot is free again.
      release();
      await res.body?.cancel().catch(() => {});
      await server.close().catch(() => {});
      throw unrecorded.error;
    }
    if (!registered) {
      // Not an initialize request (or a malformed one): nothing to keep.
      release();
      await server.close().catch(() => {});
    }
    return res;
  }

  /** The session state, when it exists and belongs to this principal. */
  state(sessionId: string): McpSessionState | undefined {
    return this.live.get(sessionId)?.state;
  }

  /**
   * Tells every open session of one authorization (a grant of theirs changed) or of one team (the
   * WorkOS environment behind its tools changed) that its tools changed, even when their names
   * did not: the agent re-lists and can check again.
   */
  async notify(scope: { familyId: string } | { teamId: string }): Promise<void> {
    for (const s of this.live.values()) {
      if ('familyId' in scope ? s.familyId !== scope.familyId : s.teamId !== scope.teamId) continue;
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
      const fingerprint = this.deps.visibleToolNames(p, s.state).join(',');
      if (fingerprint === s.fingerprint) continue;
      s.fingerprint = fingerprint;
      await s.server.sendToolListChanged().catch(() => {});
    }
  }

  /** Ends a session: its waiting calls are answered with `why.kind`, its row records `why.recorded`. */
  async close(sessionId: string, why: SessionEnd): Promise<void> {
    const s = this.live.get(sessionId);
    if (!s) return;
    this.live.delete(sessionId);
    s.release();
    s.waiting.endAll(why);
    try {
      // Recorded first: by the time the client sees its stream end, the row says why.
      this.deps.rows.close(sessionId, why.recorded);
    } catch (e) {
      // The session is over all the same; its row is closed at a later sweep (closeUnclosedRows).
      this.unclosedRows.set(sessionId, why.recorded);
      this.deps.log?.error('mcp session row not closed; trying again at the next sweep', {
        sessionId,
        error: (e as Error).message,
      });
    }
    await s.transport.close().catch(() => {});
    await s.server.close().catch(() => {});
  }

  /** Rows of sessions already ended whose close could not be written: id → why. */
  private readonly unclosedRows = new Map<string, string>();

  /** Writes the closes that failed (the sweep calls it); throws at the first that fails again. */
  closeUnclosedRows(): void {
    for (const [id, reason] of this.unclosedRows) {
      this.deps.rows.close(id, reason);
      this.unclosedRows.delete(id);
    }
  }

  /** Closes every session whose owner matches (see LiveMcp.revoke); returns how many. */
  closeWhere(match: (owner: LiveOwner) => boolean, why: SessionEnd): number {
    const ids = [...this.live.values()].filter((s) => match(s)).map((s) => s.sessionId);
    for (const id of ids)
      this.close(id, why).catch((e) => this.deps.log?.error('mcp session not closed', { error: String(e) }));
    return ids.length;
  }

  /** Whose each live session is. */
  owners(): LiveOwner[] {
    return [...this.live.values()];
  }

  async closeAll(why: SessionEnd): Promise<void> {
    // Every session is closed whatever happens to another's row (a row left open is closed as
    // left open at the next start).
    await Promise.all([...this.live.keys()].map((id) => this.close(id, why)));
  }

  /** Sessions idle longer than their team's session idle TTL at `now`. */
  idle(now: number): string[] {
    const ttl = this.ttlLookup();
    return [...this.live.values()].filter((s) => now - s.lastSeenAt > ttl(s.teamId)).map((s) => s.sessionId);
  }

  /** A request arrived on the session: it is not idle; its row hears of it now and then. */
  private seen(s: LiveSession): void {
    const now = this.deps.clock.now();
    s.lastSeenAt = now;
    if (now - s.rowSeenAt < SESSION_TOUCH_INTERVAL_MS) return;
    s.rowSeenAt = now;
    this.deps.rows.touch(s.sessionId, now);
  }
}
