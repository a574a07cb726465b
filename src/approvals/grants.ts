import { and, desc, eq, inArray, isNull, notInArray } from 'drizzle-orm';
import type { AccessLevel, GrantStatus, Permission } from '../../db/schema/enums.ts';
import type { Clock } from '../app/clock.ts';
import type { EventBus } from '../app/events.ts';
import type { AuditEvent } from '../audit/events.ts';
import type { AuditService } from '../audit/service.ts';
import { APPROVAL_REQUEST_TTL_MS } from '../config/constants.ts';
import { newId, randomToken, safeEqual, sha256 } from '../crypto/random.ts';
import type { Db, Tx } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { approvalRefusal, GrantDecisions } from './decisions.ts';

export type Grant = typeof schema.grants.$inferSelect;

/** Who asks: the human, team and authorization (token family) behind an MCP call. */
export interface Requester {
  userId: string;
  teamId: string;
  familyId: string;
  clientId: string | null;
  email: string;
  sessionId: string | null;
}

/** Who decides: a signed-in human in the console. */
export interface Approver {
  userId: string;
  teamId: string;
  email: string;
  permissions: readonly Permission[];
}

export type ConsumeFailure =
  | 'unknown'
  | 'not_yours'
  | 'not_approved'
  | 'expired'
  | 'consumed'
  | 'mismatch_method'
  | 'mismatch_url'
  | 'mismatch_body';

/**
 * Authority grants (DESIGN §4): broad authority over providers for a TTL counted from approval,
 * or one exact request consumed on use. Every transition is one transaction with its audit entry.
 */
export class GrantsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly events: EventBus,
    ttlOf: (teamId: string) => number,
  ) {
    this.decisions = new GrantDecisions({ db, clock, events, ttlOf, grants: this });
  }

  /** Approvals, denials and revocations (split out: DESIGN §8, one concept per file). */
  private readonly decisions: GrantDecisions;

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
    input: { provider: string; method: string; url: string; body: string | undefined; reason: string },
  ): { grant: Grant; approvalToken: string } {
    return this.create(r, {
      kind: 'call',
      providers: [input.provider],
      method: input.method,
      url: input.url,
      body: input.body ?? null,
      bodyHash: input.body === undefined ? null : sha256(input.body),
      reason: input.reason,
    });
  }

  private create(
    r: Requester,
    fields: Pick<Grant, 'kind' | 'providers' | 'reason'> &
      Partial<Pick<Grant, 'level' | 'method' | 'url' | 'body' | 'bodyHash'>>,
  ): { grant: Grant; approvalToken: string } {
    const now = this.clock.now();
    const approvalToken = randomToken(32);
    const grant: Grant = {
      id: newId('grant'),
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
      body: fields.body ?? null,
      reason: fields.reason,
      approvalTokenHash: sha256(approvalToken),
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
    const superseded = this.db.transaction((tx) => {
      let old: string[] = [];
      if (grant.kind === 'broad') {
        // One pending broad request per MCP session (per authorization when sessionless).
        old = tx
          .update(schema.grants)
          .set({ status: 'superseded', supersededBy: grant.id, decidedAt: now })
          .where(
            and(
              eq(schema.grants.kind, 'broad'),
              eq(schema.grants.status, 'pending'),
              r.sessionId
                ? eq(schema.grants.mcpSessionId, r.sessionId)
                : eq(schema.grants.familyId, r.familyId),
            ),
          )
          .returning({ id: schema.grants.id })
          .all()
          .map((g) => g.id);
        for (const id of old) this.recordTx(tx, 'grant.superseded', r, id, { superseded_by: grant.id });
      }
      tx.insert(schema.grants).values(grant).run();
      this.recordTx(tx, 'grant.requested', r, grant.id, {
        kind: grant.kind,
        providers: grant.providers,
        level: grant.level,
        method: grant.method,
        url: grant.url,
        reason: grant.reason,
      });
      return old;
    });
    for (const id of [...superseded, grant.id])
      this.events.emit('grants.changed', { teamId: r.teamId, grantId: id });
    return { grant, approvalToken };
  }

  get(id: string): Grant | undefined {
    if (id.length > 100) return undefined;
    const g = this.db.select().from(schema.grants).where(eq(schema.grants.id, id)).get();
    return g ? this.settle(g) : undefined;
  }

  /** A grant as seen by the requester; another principal gets nothing (no existence leak). */
  forRequester(id: string, r: Pick<Requester, 'userId' | 'teamId' | 'familyId'>): Grant | undefined {
    const g = this.get(id);
    return g && g.userId === r.userId && g.teamId === r.teamId && g.familyId === r.familyId ? g : undefined;
  }

  /** True when the approval link's token belongs to this grant. */
  linkMatches(g: Grant, token: string | null | undefined): boolean {
    return !!token && token.length < 200 && safeEqual(sha256(token), g.approvalTokenHash);
  }

  /** Whether this human may approve or deny the grant, and why not. */
  approvalRefusal(g: Grant, a: Approver, requireDifferent: boolean): string | undefined {
    return approvalRefusal(g, a, requireDifferent);
  }

  /** Approves a pending request (see GrantDecisions.approve). */
  approve(id: string, a: Approver, input: Parameters<GrantDecisions['approve']>[2]): Grant {
    return this.decisions.approve(id, a, input);
  }

  deny(id: string, a: Approver, input: { requireDifferent: boolean; reason?: string }): Grant {
    return this.decisions.deny(id, a, input);
  }

  /** Ends an approved grant early; the agent learns it on its next call. */
  revoke(id: string, by: Approver): Grant {
    return this.decisions.revoke(id, by);
  }

  /** Revokes every pending and active grant of a team (kill switch), inside the caller's transaction. */
  revokeTeamTx(tx: Tx, teamId: string, by: { userId: string; email: string }): number {
    return this.decisions.revokeTeamTx(tx, teamId, by);
  }

  /** The active broad grant covering this provider at this level for the requester, if any. */
  activeBroad(
    r: Pick<Requester, 'userId' | 'teamId' | 'familyId'>,
    provider: string,
    needWrite: boolean,
  ): Grant | undefined {
    const now = this.clock.now();
    const rows = this.db
      .select()
      .from(schema.grants)
      .where(
        and(
          eq(schema.grants.kind, 'broad'),
          eq(schema.grants.status, 'approved'),
          eq(schema.grants.userId, r.userId),
          eq(schema.grants.teamId, r.teamId),
          eq(schema.grants.familyId, r.familyId),
        ),
      )
      .all();
    return rows.find(
      (g) =>
        (g.expiresAt ?? 0) > now && g.providers.includes(provider) && (!needWrite || g.level === 'write'),
    );
  }

  /**
   * Uses an approved exact-request grant: method, URL and body are compared first; only a full
   * match consumes it, atomically (of concurrent uses, exactly one wins).
   */
  consumeCall(
    id: string,
    r: Requester,
    req: { method: string; url: string; body: string | undefined },
  ): { ok: true; grant: Grant } | { ok: false; reason: ConsumeFailure; grant?: Grant } {
    const now = this.clock.now();
    const result = this.db.transaction(
      (tx): { ok: true; grant: Grant } | { ok: false; reason: ConsumeFailure; grant?: Grant } => {
        const g = tx.select().from(schema.grants).where(eq(schema.grants.id, id)).get();
        if (g?.kind !== 'call') return { ok: false, reason: 'unknown' };
        if (g.userId !== r.userId || g.teamId !== r.teamId || g.familyId !== r.familyId)
          return { ok: false, reason: 'not_yours' };
        if (g.status === 'consumed') return { ok: false, reason: 'consumed', grant: g };
        if (g.status !== 'approved') return { ok: false, reason: 'not_approved', grant: g };
        if ((g.expiresAt ?? 0) <= now) return { ok: false, reason: 'expired', grant: g };
        if (g.method !== req.method) return { ok: false, reason: 'mismatch_method', grant: g };
        if (g.url !== req.url) return { ok: false, reason: 'mismatch_url', grant: g };
        // A grant approved without a body allows no body.
        const bodyHash = req.body === undefined ? null : sha256(req.body);
        if (g.bodyHash !== bodyHash) return { ok: false, reason: 'mismatch_body', grant: g };
        const row = tx
          .update(schema.grants)
          .set({ status: 'consumed', consumedAt: now })
          .where(
            and(
              eq(schema.grants.id, id),
              eq(schema.grants.status, 'approved'),
              isNull(schema.grants.consumedAt),
            ),
          )
          .returning()
          .get();
        if (!row) return { ok: false, reason: 'consumed', grant: g };
        this.recordTx(tx, 'grant.consumed', r, id, { method: req.method, url: req.url });
        return { ok: true, grant: row };
      },
    );
    if (result.ok) this.events.emit('grants.changed', { teamId: r.teamId, grantId: id });
    return result;
  }

  /** The requester's live grants (for whoami and list_integrations). */
  activeFor(r: Pick<Requester, 'userId' | 'teamId' | 'familyId'>): Grant[] {
    const now = this.clock.now();
    return this.db
      .select()
      .from(schema.grants)
      .where(
        and(
          eq(schema.grants.userId, r.userId),
          eq(schema.grants.teamId, r.teamId),
          eq(schema.grants.familyId, r.familyId),
          eq(schema.grants.status, 'approved'),
        ),
      )
      .all()
      .filter((g) => (g.expiresAt ?? 0) > now);
  }

  /** The console's view of a team: pending requests, active grants and recent decisions. */
  forTeam(teamId: string): { pending: Grant[]; active: Grant[]; recent: Grant[] } {
    const g = schema.grants;
    // Pending and active grants are few and all shown; only the history is capped.
    const live = this.db
      .select()
      .from(g)
      .where(and(eq(g.teamId, teamId), inArray(g.status, ['pending', 'approved'])))
      .orderBy(desc(g.createdAt))
      .all()
      .map((x) => this.settle(x));
    const recent = this.db
      .select()
      .from(g)
      .where(and(eq(g.teamId, teamId), notInArray(g.status, ['pending', 'approved'])))
      .orderBy(desc(g.decidedAt), desc(g.createdAt))
      .limit(20)
      .all();
    // Grants that expired just now (settled above) are stored already: the history query finds
    // them too, so each grant is listed once.
    const justSettled = live.filter((x) => x.status !== 'pending' && x.status !== 'approved');
    const seen = new Set(justSettled.map((x) => x.id));
    return {
      pending: live.filter((x) => x.status === 'pending'),
      active: live.filter((x) => x.status === 'approved'),
      recent: [...justSettled, ...recent.filter((x) => !seen.has(x.id))].slice(0, 20),
    };
  }

  /** Applies time: pending requests and approved grants past their expiry become `expired`. */
  private settle(g: Grant): Grant {
    const now = this.clock.now();
    const expired =
      (g.status === 'pending' && g.requestExpiresAt <= now) ||
      (g.status === 'approved' && (g.expiresAt ?? 0) <= now);
    if (!expired) return g;
    const status: GrantStatus = 'expired';
    const changed = this.db.transaction((tx) => {
      const row = tx
        .update(schema.grants)
        .set({ status })
        .where(and(eq(schema.grants.id, g.id), eq(schema.grants.status, g.status)))
        .returning()
        .get();
      if (row)
        this.recordTx(tx, 'grant.expired', { userId: g.userId, teamId: g.teamId, email: null }, g.id, {
          was: g.status,
        });
      return row;
    });
    if (changed) this.events.emit('grants.changed', { teamId: g.teamId, grantId: g.id });
    return changed ?? { ...g, status };
  }

  /** Records a grant event inside a transaction (the decisions module writes through this too). */
  recordTx(
    tx: Tx,
    event: AuditEvent,
    who: {
      userId: string;
      teamId: string;
      email?: string | null;
      familyId?: string;
      clientId?: string | null;
      sessionId?: string | null;
    },
    grantId: string,
    details: Record<string, unknown>,
  ) {
    this.audit.appendTx(tx, {
      event,
      outcome: 'ok',
      teamId: who.teamId,
      userId: who.userId,
      actorEmail: who.email ?? null,
      familyId: who.familyId ?? null,
      clientId: who.clientId ?? null,
      sessionId: who.sessionId ?? null,
      details: { grant_id: grantId, ...details },
    });
  }
}

/** How much longer a grant lasts, in whole seconds (0 when over). */
export function secondsLeft(g: Grant, now: number): number {
  return g.expiresAt ? Math.max(0, Math.floor((g.expiresAt - now) / 1000)) : 0;
}
