import type { WorkOS } from '@workos-inc/node';
import type { Permission } from '../../db/schema/enums.ts';
import { effectivePermissions } from '../auth/permissions.ts';
import { PRINCIPAL_CACHE_TTL_MS } from '../config/constants.ts';
import type { Clock } from '../kernel/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { UsersService } from './service.ts';

/**
 * Reads a human's active role in an organization from WorkOS: the role slug, or null when they
 * are not an active member. Throws when WorkOS cannot answer.
 */
export type MembershipReader = (workosUserId: string, organizationId: string) => Promise<string | null>;

/** The identity environment's membership list, read through the client `identity()` returns now. */
export function workosMembershipReader(identity: () => WorkOS): MembershipReader {
  return async (workosUserId, organizationId) => {
    const list = await identity().userManagement.listOrganizationMemberships({
      userId: workosUserId,
      organizationId,
      statuses: ['active'],
      limit: 1,
    });
    return list.data[0]?.role?.slug ?? null;
  };
}

/** One human in one team, by Gatehouse's ids and WorkOS's. */
export interface MemberRef {
  teamId: string;
  userId: string;
  workosUserId: string;
  organizationId: string;
}

/** What a human may do in a team now, as far as WorkOS and their verified tokens say. */
export type Standing =
  | { status: 'member'; role: string; permissions: Permission[] }
  | { status: 'not_member' }
  /** WorkOS could not answer and nothing read within the bound is left: fail closed. */
  | { status: 'unavailable' };

interface CachedRole {
  role: string | null;
  /** When the read that produced it started (the answer is at least that fresh). */
  at: number;
}

interface Flight {
  promise: Promise<string | null | undefined>;
}

/** Refresh a cached role in the background once it is older than this share of the bound. */
const REFRESH_AHEAD = 3 / 4;

/**
 * The one source of a human's current role and permissions in a team, for both doors: MCP
 * (PrincipalResolver, per bearer token) and the console (BrowserSessions, per browser session).
 *
 * The role is re-read from WorkOS and cached for at most `ttlMs` (PRINCIPAL_CACHE_TTL_MS):
 * - a cached role is never served past the bound; when WorkOS cannot answer then, the answer
 *   is `undefined` / `unavailable` (fail closed), never the stale role;
 * - concurrent reads of one human in one organization coalesce: one WorkOS read in flight, and
 *   every waiter gets its answer (or its failure);
 * - while traffic continues, a role older than 3/4 of the bound is served and re-read in the
 *   background (single-flight with the above), so a busy human never waits on the expiry;
 * - `invalidate` (Gatehouse itself changed a membership, or the periodic sweep) drops the cached
 *   role and detaches reads already in flight, so their older answer is never cached.
 *
 * Permissions come from the verified AuthKit token recorded at team entry (`team_members`) and
 * hold while the role is unchanged; a role changed in WorkOS since narrows them to what both the
 * recorded permissions and the new role's set allow: a demotion applies at once, a promotion
 * when the human next signs in (a fresh, verified token).
 */
export class MembershipResolver {
  private readonly roles = new Map<string, CachedRole>();
  private readonly flights = new Map<string, Flight>();
  private readonly ttlMs: number;

  constructor(
    private readonly deps: {
      clock: Clock;
      read: MembershipReader;
      log: Pick<Logger, 'warn'>;
      users: Pick<UsersService, 'membership' | 'recordMembership'>;
      /** Told when a human's role in a team is seen to have changed. */
      onRoleChanged?: (teamId: string, userId: string) => void;
      ttlMs?: number;
    },
  ) {
    this.ttlMs = deps.ttlMs ?? PRINCIPAL_CACHE_TTL_MS;
  }

  /** The human's active role in the organization; null when not a member; undefined when WorkOS cannot answer. */
  role(workosUserId: string, organizationId: string): Promise<string | null | undefined> {
    const key = keyOf(workosUserId, organizationId);
    const now = this.deps.clock.now();
    const cached = this.roles.get(key);
    if (cached && now - cached.at < this.ttlMs) {
      // Still within the bound: answer now; near its end, re-read behind the traffic.
      if (now - cached.at >= this.ttlMs * REFRESH_AHEAD && !this.flights.has(key)) {
        void this.fly(key, workosUserId, organizationId, 'background');
      }
      return Promise.resolve(cached.role);
    }
    return (this.flights.get(key) ?? this.fly(key, workosUserId, organizationId, 'foreground')).promise;
  }

  /** The role read within the bound, without asking WorkOS: undefined when there is none. */
  cachedRole(workosUserId: string, organizationId: string): string | null | undefined {
    const cached = this.roles.get(keyOf(workosUserId, organizationId));
    return cached && this.deps.clock.now() - cached.at < this.ttlMs ? cached.role : undefined;
  }

  /** The human's standing in the team now (WorkOS read through the cache). */
  async standing(m: MemberRef): Promise<Standing> {
    return this.standingFor(m, await this.role(m.workosUserId, m.organizationId));
  }

  /**
   * The standing from what was read within the bound, without waiting on WorkOS: `unavailable`
   * when nothing was. For callers that cannot wait; `standing` first makes it fresh.
   */
  cachedStanding(m: MemberRef): Standing {
    return this.standingFor(m, this.cachedRole(m.workosUserId, m.organizationId));
  }

  /** Drops cached roles (all, or one human's) after Gatehouse changed a membership. */
  invalidate(workosUserId?: string): void {
    const matches = (key: string) => !workosUserId || key.startsWith(`${workosUserId}:`);
    for (const key of [...this.roles.keys()]) if (matches(key)) this.roles.delete(key);
    // A read already in flight may predate the change: its waiters still get it, but it is
    // never cached, and later callers start a read of their own.
    for (const key of [...this.flights.keys()]) if (matches(key)) this.flights.delete(key);
  }

  private standingFor(m: MemberRef, role: string | null | undefined): Standing {
    if (role === undefined) return { status: 'unavailable' };
    if (role === null) return { status: 'not_member' };
    return { status: 'member', role, permissions: this.permissionsFor(m, role) };
  }

  private permissionsFor(m: MemberRef, role: string): Permission[] {
    const snapshot = this.deps.users.membership(m.teamId, m.userId);
    const permissions = !snapshot
      ? effectivePermissions(role, null)
      : snapshot.role === role
        ? snapshot.permissions
        : snapshot.permissions.filter((p) => effectivePermissions(role, null).includes(p));
    if (!snapshot || snapshot.role !== role) {
      this.deps.users.recordMembership(m.teamId, m.userId, role, permissions);
      if (snapshot) this.deps.onRoleChanged?.(m.teamId, m.userId);
    }
    return permissions;
  }

  private fly(
    key: string,
    workosUserId: string,
    organizationId: string,
    kind: 'foreground' | 'background',
  ): Flight {
    const startedAt = this.deps.clock.now();
    const flight: Flight = {
      // A reader that throws at once fails its waiters like one that rejects.
      promise: (async () => this.deps.read(workosUserId, organizationId))()
        .then(
          (role) => {
            // Cached only while this read is still the current one (no invalidation since).
            if (this.flights.get(key) === flight) this.roles.set(key, { role, at: startedAt });
            return role;
          },
          (e: unknown) => {
            this.deps.log.warn(
              kind === 'background'
                ? 'could not refresh a membership from WorkOS ahead of its expiry'
                : 'could not read membership from WorkOS',
              { error: e instanceof Error ? e.message : String(e) },
            );
            return undefined;
          },
        )
        .finally(() => {
          if (this.flights.get(key) === flight) this.flights.delete(key);
        }),
    };
    this.flights.set(key, flight);
    return flight;
  }
}

const keyOf = (workosUserId: string, organizationId: string) => `${workosUserId}:${organizationId}`;
