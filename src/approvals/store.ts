import { and, count, desc, eq, inArray, isNull, ne, notInArray } from 'drizzle-orm';
import type { GrantKind, GrantStatus } from '../../db/schema/enums.ts';
import type { AuditEvent } from '../audit/events.ts';
import type { AuditService } from '../audit/service.ts';
import { newId, randomToken, safeEqual, sha256 } from '../crypto/random.ts';
import type { Db, Tx } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { EpochCache, epochOf } from '../db/epoch.ts';
import type { Clock } from '../kernel/clock.ts';
import type { EventBus } from '../kernel/events.ts';

export type Grant = typeof schema.grants.$inferSelect;

/** Whose grant it is: one human, in one team, through one authorization (token family). */
export interface GrantOwner {
  userId: string;
  teamId: string;
  familyId: string;
}

/** Who asks: the human, team and authorization (token family) behind an MCP call. */
export interface Requester extends GrantOwner {
  clientId: string | null;
  email: string;
  sessionId: string | null;
}

/** Who an audit entry of a grant names. */
export interface GrantActor {
  userId: string;
  teamId: string;
  email?: string | null;
  familyId?: string;
  clientId?: string | null;
  sessionId?: string | null;
}

/** Grant ids as minted here (`grant_` + base64url); anything else is no grant. */
const GRANT_ID = /^grant_[A-Za-z0-9_-]{1,64}$/;

export function isGrantId(id: string): boolean {
  return GRANT_ID.test(id);
}

export function newGrantId(): string {
  return newId('grant');
}

/** The approval link's single-use secret, and the hash the grant keeps of it. */
export function newApprovalToken(): { token: string; hash: string } {
  const token = randomToken(32);
  return { token, hash: sha256(token) };
}

/** True when the approval link's token belongs to this grant. */
export function linkMatches(g: Pick<Grant, 'approvalTokenHash'>, token: string | null | undefined): boolean {
  return !!token && token.length < 200 && safeEqual(sha256(token), g.approvalTokenHash);
}

/** How much longer a grant lasts, in whole seconds (0 when over). */
export function secondsLeft(g: Pick<Grant, 'expiresAt'>, now: number): number {
  return g.expiresAt ? Math.max(0, Math.floor((g.expiresAt - now) / 1000)) : 0;
}

/**
 * The `grants` table (docs/architecture.md "Human in the loop (Pipes)"): the only code that reads or writes its rows. Reads apply time
 * (`settle`); writes are made inside the caller's transaction (`…Tx`), each with its audit entry
 * (`recordTx`), and announced after commit (`changed`).
 */
export class GrantStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly events: EventBus,
  ) {
    this.approved = new EpochCache(epochOf(db));
  }

  /** Runs `fn` in one transaction (the agent's and the human's transitions). */
  transaction<T>(fn: (tx: Tx) => T): T {
    return this.db.transaction(fn);
  }

  /** A grant, with time applied (see `settle`). */
  get(id: string): Grant | undefined {
    if (id.length > 100) return undefined;
    const g = this.db.select().from(schema.grants).where(eq(schema.grants.id, id)).get();
    return g ? this.settle(g) : undefined;
  }

  /** A grant as seen by the requester; another principal gets nothing (no existence leak). */
  forRequester(id: string, r: GrantOwner): Grant | undefined {
    const g = this.get(id);
    return g && owns(g, r) ? g : undefined;
  }

  /** The requester's approved grants, of one kind or all (time not applied). */
  approvedFor(r: GrantOwner, kind?: GrantKind): Grant[] {
    // Read on every call of a tool that may use a grant: kept while the authority epoch stands.
    return this.approved.get(`${r.teamId}\0${r.userId}\0${r.familyId}\0${kind ?? ''}`, () =>
      Object.freeze(this.readApproved(r, kind)),
    ) as Grant[];
  }

  private readonly approved: EpochCache<string, readonly Grant[]>;

  private readApproved(r: GrantOwner, kind?: GrantKind): Grant[] {
    const g = schema.grants;
    return this.db
      .select()
      .from(g)
      .where(
        and(
          ...(kind ? [eq(g.kind, kind)] : []),
          eq(g.userId, r.userId),
          eq(g.teamId, r.teamId),
          eq(g.familyId, r.familyId),
          eq(g.status, 'approved'),
        ),
      )
      .all();
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

  /** How many of the team's grants are pending or approved (what the kill switch would end). */
  openCount(teamId: string): number {
    const g = schema.grants;
    return (
      this.db
        .select({ n: count() })
        .from(g)
        .where(and(eq(g.teamId, teamId), inArray(g.status, ['pending', 'approved'])))
        .get()?.n ?? 0
    );
  }

  /** Applies time: pending requests and approved grants past their expiry become `expired`. */
  settle(g: Grant): Grant {
    const now = this.clock.now();
    const expired =
      (g.status === 'pending' && g.requestExpiresAt <= now) ||
      (g.status === 'approved' && (g.expiresAt ?? 0) <= now);
    if (!expired) return g;
    const status: GrantStatus = 'expired';
    const changed = this.transaction((tx) => {
      const row = this.transitionTx(tx, g.id, g.status, { status });
      if (row)
        this.recordTx(tx, 'grant.expired', { userId: g.userId, teamId: g.teamId, email: null }, g.id, {
          was: g.status,
        });
      return row;
    });
    if (changed) this.changed(g.teamId, g.id);
    return changed ?? { ...g, status };
  }

  /** The row as stored, inside a transaction (no time applied). */
  rowTx(tx: Tx, id: string): Grant | undefined {
    return tx.select().from(schema.grants).where(eq(schema.grants.id, id)).get();
  }

  insertTx(tx: Tx, grant: Grant): void {
    tx.insert(schema.grants).values(grant).run();
  }

  /**
   * Moves a grant from one status to new values, only if it still has that status: of two
   * competing transitions exactly one finds the row. Undefined when it had moved on.
   */
  transitionTx(tx: Tx, id: string, from: GrantStatus, set: Partial<Omit<Grant, 'id'>>): Grant | undefined {
    return tx
      .update(schema.grants)
      .set(set)
      .where(and(eq(schema.grants.id, id), eq(schema.grants.status, from)))
      .returning()
      .get();
  }

  /**
   * Uses up an approved exact-request grant: one conditional UPDATE, so of concurrent uses exactly
   * one gets the row back.
   */
  consumeTx(tx: Tx, id: string, now: number): Grant | undefined {
    return tx
      .update(schema.grants)
      .set({ status: 'consumed', consumedAt: now })
      .where(
        and(eq(schema.grants.id, id), eq(schema.grants.status, 'approved'), isNull(schema.grants.consumedAt)),
      )
      .returning()
      .get();
  }

  /**
   * Gives back an exact-call grant spent by a call that never went out (the connection failed
   * before the request was written): it is approved again, unless something else changed it.
   */
  releaseTx(tx: Tx, id: string, consumedAt: number): Grant | undefined {
    return tx
      .update(schema.grants)
      .set({ status: 'approved', consumedAt: null })
      .where(
        and(
          eq(schema.grants.id, id),
          eq(schema.grants.status, 'consumed'),
          eq(schema.grants.consumedAt, consumedAt),
        ),
      )
      .returning()
      .get();
  }

  /**
   * Marks superseded the pending broad request of an MCP session (of an authorization when
   * sessionless); returns the ids it replaced.
   */
  supersedePendingBroadTx(
    tx: Tx,
    scope: { sessionId: string | null; familyId: string },
    by: string,
    now: number,
  ): string[] {
    const g = schema.grants;
    return tx
      .update(g)
      .set({ status: 'superseded', supersededBy: by, decidedAt: now })
      .where(
        and(
          eq(g.kind, 'broad'),
          eq(g.status, 'pending'),
          scope.sessionId ? eq(g.mcpSessionId, scope.sessionId) : eq(g.familyId, scope.familyId),
        ),
      )
      .returning({ id: g.id })
      .all()
      .map((x) => x.id);
  }

  /** The authorization's other approved broad grants (time not applied). */
  approvedBroadOfFamilyTx(tx: Tx, familyId: string, except: string): Grant[] {
    const g = schema.grants;
    return tx
      .select()
      .from(g)
      .where(and(eq(g.kind, 'broad'), eq(g.status, 'approved'), eq(g.familyId, familyId), ne(g.id, except)))
      .all();
  }

  /** Revokes every pending and approved grant of a team; returns how many. */
  revokeOpenOfTeamTx(tx: Tx, teamId: string, by: string, now: number): number {
    const g = schema.grants;
    return tx
      .update(g)
      .set({ status: 'revoked', revokedAt: now, revokedBy: by })
      .where(and(eq(g.teamId, teamId), inArray(g.status, ['pending', 'approved'])))
      .returning({ id: g.id })
      .all().length;
  }

  /** Records a grant event inside a transaction. */
  recordTx(tx: Tx, event: AuditEvent, who: GrantActor, grantId: string, details: Record<string, unknown>) {
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

  /** Announces grants that changed state (after commit): the requesting sessions hear of it. */
  changed(teamId: string, ...grantIds: string[]): void {
    for (const grantId of grantIds) this.events.emit('grants.changed', { teamId, grantId });
  }
}

/** Whether the grant belongs to this requester (user, team and authorization). */
export function owns(g: Grant, r: GrantOwner): boolean {
  return g.userId === r.userId && g.teamId === r.teamId && g.familyId === r.familyId;
}
