import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Permission } from '../../db/schema/enums.ts';
import type { AuditService } from '../audit/service.ts';
import { BROWSER_SESSION_TTL_MS } from '../config/constants.ts';
import { randomToken, sha256 } from '../crypto/random.ts';
import type { Sealer } from '../crypto/seal.ts';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import type { Clock } from '../kernel/clock.ts';
import type { MemberRef, MembershipResolver, Standing } from '../users/membership-resolver.ts';

export interface BrowserSession {
  idHash: string;
  userId: string;
  email: string;
  name: string;
  workosUserId: string;
  teamId: string | null;
  teamName: string | null;
  organizationId: string | null;
  /** The human's role in the team now (null: no team, or no authority while WorkOS cannot answer). */
  role: string | null;
  /** What they may do there now: never more than the verified token they entered with. */
  permissions: Permission[];
  authkitSessionId: string | null;
  /** The impersonator's email when AuthKit marked this sign-in as an impersonation. */
  impersonator: string | null;
  createdAt: number;
}

/** What a cookie stands for now (see BrowserSessions.resolve). */
export type SessionCheck =
  | { kind: 'none' }
  | { kind: 'ok'; session: BrowserSession }
  | { kind: 'removed'; teamName: string; email: string }
  | { kind: 'unavailable' };

/** Only refresh last-seen when it is this stale, to avoid a write per page view. */
const TOUCH_INTERVAL_MS = 60_000;

/** Console sign-ins: a random cookie value whose SHA-256 keys a row (the value is never stored). */
export class BrowserSessions {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sealer: Sealer,
    private readonly audit: AuditService,
    private readonly deps: { membership: MembershipResolver },
  ) {}

  create(input: {
    userId: string;
    email: string;
    authkitSessionId: string | null;
    refreshToken: string;
    impersonator?: string | null;
  }): {
    cookieValue: string;
    idHash: string;
  } {
    const cookieValue = randomToken();
    const idHash = sha256(cookieValue);
    const now = this.clock.now();
    this.db.transaction((tx) => {
      tx.insert(schema.browserSessions)
        .values({
          idHash,
          userId: input.userId,
          authkitSessionId: input.authkitSessionId,
          refreshTokenSealed: this.sealer.seal(input.refreshToken),
          impersonator: input.impersonator ?? null,
          createdAt: now,
          lastSeenAt: now,
          expiresAt: now + BROWSER_SESSION_TTL_MS,
        })
        .run();
      this.audit.appendTx(tx, {
        event: 'auth.sign_in',
        outcome: 'ok',
        userId: input.userId,
        actorEmail: input.email,
        ...(input.impersonator ? { details: { impersonator: input.impersonator } } : {}),
      });
    });
    return { cookieValue, idHash };
  }

  /**
   * The live session for a cookie value, with the human's role and permissions in its team as
   * they stand now (MembershipResolver: the same source, bound and invalidation as MCP tokens):
   * - `none`: unknown, ended or expired (or its team is no longer admitted);
   * - `removed`: WorkOS no longer lists the human in the session's team: the session is ended;
   * - `unavailable`: WorkOS cannot answer and nothing read within the bound is left (fail closed);
   * - `ok`: the session, its authority no greater than the human holds now.
   */
  async resolve(cookieValue: string | undefined): Promise<SessionCheck> {
    const found = this.find(cookieValue);
    if (!found) return { kind: 'none' };
    if (!found.member) return { kind: 'ok', session: found.session };
    return this.apply(found.session, await this.deps.membership.standing(found.member));
  }

  /**
   * The same, without waiting on WorkOS: from what was read within the bound only (the console's
   * request gate has just refreshed it). Nothing fresh: the session, with no authority at all.
   */
  peek(cookieValue: string | undefined): BrowserSession | undefined {
    const found = this.find(cookieValue);
    if (!found) return undefined;
    if (!found.member) return found.session;
    const check = this.apply(found.session, this.deps.membership.cachedStanding(found.member));
    switch (check.kind) {
      case 'ok':
        return check.session;
      case 'unavailable':
        return { ...found.session, role: null, permissions: [] };
      case 'removed':
      case 'none':
        return undefined;
    }
  }

  private apply(session: BrowserSession, standing: Standing): SessionCheck {
    switch (standing.status) {
      case 'member':
        // What the human holds now (the same narrowing as MCP), and never more than the
        // verified token this session entered the team with: a promotion needs a new sign-in here.
        return {
          kind: 'ok',
          session: {
            ...session,
            role: standing.role,
            permissions: standing.permissions.filter((p) => session.permissions.includes(p)),
          },
        };
      case 'unavailable':
        return { kind: 'unavailable' };
      case 'not_member':
        this.end(session.idHash, 'no longer a member of the team in WorkOS');
        return { kind: 'removed', teamName: session.teamName ?? 'this team', email: session.email };
    }
  }

  /** The session row for a cookie value (identity, team, the role it entered with), if live. */
  private find(
    cookieValue: string | undefined,
  ): { session: BrowserSession; member: MemberRef | undefined } | undefined {
    if (!cookieValue || cookieValue.length > 100) return undefined;
    const idHash = sha256(cookieValue);
    const now = this.clock.now();
    const row = this.db
      .select({
        s: schema.browserSessions,
        u: schema.users,
        t: schema.teams,
      })
      .from(schema.browserSessions)
      .innerJoin(schema.users, eq(schema.users.id, schema.browserSessions.userId))
      .leftJoin(schema.teams, eq(schema.teams.id, schema.browserSessions.teamId))
      .where(
        and(
          eq(schema.browserSessions.idHash, idHash),
          isNull(schema.browserSessions.endedAt),
          gt(schema.browserSessions.expiresAt, now),
        ),
      )
      .get();
    if (!row) return undefined;
    // A team that is no longer admitted (or never was, in an upgraded data dir) gives no console.
    if (row.t && row.t.admittedAt === null) return undefined;
    if (now - row.s.lastSeenAt > TOUCH_INTERVAL_MS) {
      this.db
        .update(schema.browserSessions)
        .set({ lastSeenAt: now })
        .where(eq(schema.browserSessions.idHash, idHash))
        .run();
    }
    const name = [row.u.firstName, row.u.lastName].filter(Boolean).join(' ') || row.u.email;
    return {
      session: {
        idHash,
        userId: row.u.id,
        email: row.u.email,
        name,
        workosUserId: row.u.workosUserId,
        teamId: row.t?.id ?? null,
        teamName: row.t?.name ?? null,
        organizationId: row.t?.organizationId ?? null,
        role: row.s.role,
        permissions: row.s.permissions ?? [],
        authkitSessionId: row.s.authkitSessionId,
        impersonator: row.s.impersonator,
        createdAt: row.s.createdAt,
      },
      member: row.t
        ? {
            teamId: row.t.id,
            userId: row.u.id,
            workosUserId: row.u.workosUserId,
            organizationId: row.t.organizationId,
          }
        : undefined,
    };
  }

  refreshToken(idHash: string): string | undefined {
    const row = this.db
      .select({ sealed: schema.browserSessions.refreshTokenSealed })
      .from(schema.browserSessions)
      .where(eq(schema.browserSessions.idHash, idHash))
      .get();
    return row?.sealed ? this.sealer.open(row.sealed) : undefined;
  }

  /**
   * Binds the session to a team with the role and permissions of a verified org-scoped token.
   * The human's cached roles are dropped: the token is fresher than anything read before it.
   */
  chooseTeam(
    idHash: string,
    input: {
      teamId: string;
      role: string;
      permissions: Permission[];
      refreshToken: string;
      authkitSessionId: string | null;
      impersonator: string | null;
    },
  ): void {
    this.db.transaction((tx) => {
      const row = tx
        .update(schema.browserSessions)
        .set({
          teamId: input.teamId,
          role: input.role,
          permissions: input.permissions,
          refreshTokenSealed: this.sealer.seal(input.refreshToken),
          authkitSessionId: input.authkitSessionId,
          // Once impersonated, always: a later token without `act` never clears the mark.
          ...(input.impersonator ? { impersonator: input.impersonator } : {}),
          lastSeenAt: this.clock.now(),
        })
        .where(eq(schema.browserSessions.idHash, idHash))
        .returning({ userId: schema.browserSessions.userId })
        .get();
      if (row) {
        const user = tx
          .select({ w: schema.users.workosUserId })
          .from(schema.users)
          .where(eq(schema.users.id, row.userId))
          .get();
        if (user) this.deps.membership.invalidate(user.w);
        this.audit.appendTx(tx, {
          event: 'auth.team_entered',
          outcome: 'ok',
          userId: row.userId,
          teamId: input.teamId,
          details: {
            role: input.role,
            permissions: input.permissions,
            ...(input.impersonator ? { impersonator: input.impersonator } : {}),
          },
        });
      }
    });
  }

  /** Ends a live session (sign-out, or `reason` when Gatehouse ends it); ending it twice records nothing. */
  end(idHash: string, reason?: string): void {
    this.db.transaction((tx) => {
      const row = tx
        .update(schema.browserSessions)
        .set({ endedAt: this.clock.now(), refreshTokenSealed: null })
        .where(and(eq(schema.browserSessions.idHash, idHash), isNull(schema.browserSessions.endedAt)))
        .returning({ userId: schema.browserSessions.userId, teamId: schema.browserSessions.teamId })
        .get();
      if (row)
        this.audit.appendTx(tx, {
          event: 'auth.sign_out',
          outcome: 'ok',
          userId: row.userId,
          teamId: row.teamId,
          ...(reason ? { reason } : {}),
        });
    });
  }
}
