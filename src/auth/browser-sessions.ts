import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Permission } from '../../db/schema/enums.ts';
import type { AuditService } from '../audit/service.ts';
import { BROWSER_SESSION_TTL_MS } from '../config/constants.ts';
import { randomToken, sha256 } from '../crypto/random.ts';
import type { Sealer } from '../crypto/seal.ts';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import type { Clock } from '../kernel/clock.ts';

export interface BrowserSession {
  idHash: string;
  userId: string;
  email: string;
  name: string;
  workosUserId: string;
  teamId: string | null;
  teamName: string | null;
  organizationId: string | null;
  role: string | null;
  permissions: Permission[];
  authkitSessionId: string | null;
  /** The impersonator's email when AuthKit marked this sign-in as an impersonation. */
  impersonator: string | null;
  createdAt: number;
}

/** Only refresh last-seen when it is this stale, to avoid a write per page view. */
const TOUCH_INTERVAL_MS = 60_000;

/** Console sign-ins: a random cookie value whose SHA-256 keys a row (the value is never stored). */
export class BrowserSessions {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sealer: Sealer,
    private readonly audit: AuditService,
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

  /** The live session for a cookie value, or undefined when unknown, ended or expired. */
  resolve(cookieValue: string | undefined): BrowserSession | undefined {
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

  /** Binds the session to a team with the role and permissions of a verified org-scoped token. */
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

  end(idHash: string): void {
    this.db.transaction((tx) => {
      const row = tx
        .update(schema.browserSessions)
        .set({ endedAt: this.clock.now(), refreshTokenSealed: null })
        .where(eq(schema.browserSessions.idHash, idHash))
        .returning({ userId: schema.browserSessions.userId, teamId: schema.browserSessions.teamId })
        .get();
      if (row)
        this.audit.appendTx(tx, {
          event: 'auth.sign_out',
          outcome: 'ok',
          userId: row.userId,
          teamId: row.teamId,
        });
    });
  }
}
