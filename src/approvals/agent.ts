import type { AccessLevel } from '../../db/schema/enums.ts';
import { APPROVAL_REQUEST_TTL_MS } from '../config/constants.ts';
import type { Clock } from '../kernel/clock.ts';
import { type CallMismatch, callShape, matchCall } from './match.ts';
import {
  type Grant,
  type GrantOwner,
  type GrantStore,
  newApprovalToken,
  newGrantId,
  owns,
  type Requester,
} from './store.ts';

/** Why an exact-call grant cannot be used for a call. */
export type CallRefusal = 'unknown' | 'not_yours' | Exclude<CallMismatch, 'not_call'>;

export type CallAuthority = { ok: true; grant: Grant } | { ok: false; reason: CallRefusal; grant?: Grant };

/** A call as the agent sends it, in canonical form (body as sent, not yet hashed). */
export interface AgentCall {
  method: string;
  url: string;
  body: string | undefined;
  /** Extra headers the agent sends (never credentials: those are refused before). */
  headers?: Record<string, string> | undefined;
}

/**
 * The agent's side of grants (docs/architecture.md "Human in the loop (Pipes)"): ask for broad authority or for one exact request, see
 * what is active, and use an exact-request grant (checked, then consumed atomically).
 */
export class AgentGrants {
  constructor(
    private readonly store: GrantStore,
    private readonly clock: Clock,
  ) {}

  /** Creates a pending broad request, superseding the requester's previous pending one. */
  requestBroad(
    r: Requester,
    input: { level: AccessLevel; providers: string[]; reason: string },
  ): { grant: Grant; approvalToken: string } {
    return this.create(r, {
      kind: 'broad',
      level: input.level,
      providers: input.providers,
      reason: input.reason,
    });
  }

  /** Creates a pending exact-request grant: method, URL and body (hash) must match when used. */
  requestCall(
    r: Requester,
    input: {
      provider: string;
      method: string;
      url: string;
      body: string | undefined;
      headers?: Record<string, string> | undefined;
      reason: string;
    },
  ): { grant: Grant; approvalToken: string } {
    return this.create(r, {
      kind: 'call',
      providers: [input.provider],
      method: input.method,
      url: input.url,
      body: input.body ?? null,
      bodyHash: callShape(input).bodyHash,
      headers: input.headers && Object.keys(input.headers).length > 0 ? lowerCased(input.headers) : null,
      reason: input.reason,
    });
  }

  private create(
    r: Requester,
    fields: Pick<Grant, 'kind' | 'providers' | 'reason'> &
      Partial<Pick<Grant, 'level' | 'method' | 'url' | 'body' | 'bodyHash' | 'headers'>>,
  ): { grant: Grant; approvalToken: string } {
    const now = this.clock.now();
    const link = newApprovalToken();
    const grant: Grant = {
      id: newGrantId(),
      kind: fields.kind,
      status: 'pending',
      teamId: r.teamId,
      userId: r.userId,
      clientId: r.clientId,
      familyId: r.familyId,
      mcpSessionId: r.sessionId,
      providers: fields.providers,
      level: fields.level ?? null,
      method: fields.method ?? null,
      url: fields.url ?? null,
      bodyHash: fields.bodyHash ?? null,
      headers: fields.headers ?? null,
      body: fields.body ?? null,
      reason: fields.reason,
      approvalTokenHash: link.hash,
      approverUserId: null,
      notes: null,
      denyReason: null,
      createdAt: now,
      requestExpiresAt: now + APPROVAL_REQUEST_TTL_MS,
      decidedAt: null,
      expiresAt: null,
      consumedAt: null,
      revokedAt: null,
      revokedBy: null,
      supersededBy: null,
    };
    const { store } = this;
    const superseded = store.transaction((tx) => {
      // One pending broad request per MCP session (per authorization when sessionless).
      const old = grant.kind === 'broad' ? store.supersedePendingBroadTx(tx, r, grant.id, now) : [];
      for (const id of old) store.recordTx(tx, 'grant.superseded', r, id, { superseded_by: grant.id });
      store.insertTx(tx, grant);
      store.recordTx(tx, 'grant.requested', r, grant.id, {
        kind: grant.kind,
        providers: grant.providers,
        level: grant.level,
        method: grant.method,
        url: grant.url,
        reason: grant.reason,
      });
      return old;
    });
    store.changed(r.teamId, ...superseded, grant.id);
    return { grant, approvalToken: link.token };
  }

  /** The requester's live grants (for whoami and list_integrations). */
  activeFor(r: GrantOwner): Grant[] {
    const now = this.clock.now();
    return this.store.approvedFor(r).filter((g) => (g.expiresAt ?? 0) > now);
  }

  /** The active broad grant covering this provider at this level for the requester, if any. */
  activeBroad(r: GrantOwner, provider: string, needWrite: boolean): Grant | undefined {
    const now = this.clock.now();
    return this.store
      .approvedFor(r, 'broad')
      .find(
        (g) =>
          (g.expiresAt ?? 0) > now && g.providers.includes(provider) && (!needWrite || g.level === 'write'),
      );
  }

  /** Whether the requester's exact-call grant `id` lets this call through now (no side effect). */
  checkCall(id: string, r: GrantOwner, call: AgentCall): CallAuthority {
    const g = this.store.forRequester(id, r);
    if (!g) return { ok: false, reason: 'unknown' };
    return judged(g, matchCall(g, callShape(call), this.clock.now()));
  }

  /**
   * Uses an approved exact-request grant: the call is compared first (the same `matchCall` as
   * `checkCall`); only a full match consumes it, in one conditional UPDATE (of concurrent uses,
   * exactly one wins).
   */
  consumeCall(id: string, r: Requester, call: AgentCall): CallAuthority {
    const { store } = this;
    const now = this.clock.now();
    const result = store.transaction((tx): CallAuthority => {
      const g = store.rowTx(tx, id);
      if (!g) return { ok: false, reason: 'unknown' };
      if (!owns(g, r)) return { ok: false, reason: g.kind === 'call' ? 'not_yours' : 'unknown' };
      const match = judged(g, matchCall(g, callShape(call), now));
      if (!match.ok) return match;
      const row = store.consumeTx(tx, id, now);
      if (!row) return { ok: false, reason: 'consumed', grant: g };
      store.recordTx(tx, 'grant.consumed', r, id, { method: call.method, url: call.url });
      return { ok: true, grant: row };
    });
    if (result.ok) store.changed(r.teamId, id);
    return result;
  }
}

/** A spent exact-call grant given back because its call never went out (see GrantStore.releaseTx). */
export function releaseCall(store: GrantStore, r: Requester, g: Grant): boolean {
  if (g.consumedAt === null) return false;
  const consumedAt = g.consumedAt;
  const released = store.transaction((tx) => {
    const row = store.releaseTx(tx, g.id, consumedAt);
    if (row) store.recordTx(tx, 'grant.released', r, g.id, { why: 'the call never reached the provider' });
    return !!row;
  });
  if (released) store.changed(r.teamId, g.id);
  return released;
}

function lowerCased(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function judged(g: Grant, m: ReturnType<typeof matchCall>): CallAuthority {
  if (m.ok) return { ok: true, grant: g };
  // A broad grant is no exact-call request: the agent is told there is none.
  if (m.reason === 'not_call') return { ok: false, reason: 'unknown' };
  return { ok: false, reason: m.reason, grant: g };
}

/** What the agent is told when an exact-call grant cannot be used. */
export function callRefusalMessage(reason: CallRefusal, g?: Grant): string {
  switch (reason) {
    case 'unknown':
    case 'not_yours':
      return 'No approved exact-call request with that request_id on this connection.';
    case 'not_approved':
      return `That request is ${g?.status ?? 'not approved'}; it cannot be used.`;
    case 'expired':
      return 'That approval has expired.';
    case 'consumed':
      return 'That approval was already used: an exact-call approval works once.';
    case 'method_differs':
      return `The method differs from the approved one (${g?.method}).`;
    case 'url_differs':
      return `The URL differs from the approved one (${g?.url}).`;
    case 'body_missing':
    case 'body_differs':
      return 'The body differs from the approved one.';
    case 'body_unexpected':
      return 'The approved request had no body, so this call may not send one.';
    case 'headers_differ':
      return 'The extra headers differ from the approved ones (a request approved without extra headers may send none).';
  }
}
