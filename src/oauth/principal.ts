import { eq, sql } from 'drizzle-orm';
import type { Permission } from '../../db/schema/enums.ts';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { EpochCache, epochOf } from '../db/epoch.ts';
import type { Clock } from '../kernel/clock.ts';
import type { TeamSettings } from '../teams/service.ts';
import type { MembershipResolver } from '../users/membership-resolver.ts';
import { capPermissions } from './scopes.ts';
import type { Family, TokensService } from './tokens.ts';

/** Who is calling: the human, the team they act in, their current role, and the client. */
export interface Principal {
  tokenHash: string;
  familyId: string;
  familyKind: 'oauth' | 'connection';
  clientId: string | null;
  /** The registered client name (never what the client says about itself), or the token's name. */
  clientName: string;
  userId: string;
  workosUserId: string;
  email: string;
  userName: string;
  teamId: string;
  organizationId: string;
  teamName: string;
  role: string;
  /** What the human may do, narrowed by the token's scopes. */
  permissions: Permission[];
  scopes: string[];
  expiresAt: number | null;
  settings: TeamSettings;
  /**
   * The impersonator's email when the token was issued from an impersonated AuthKit session
   * (the access token's `act` claim): reads only, every write is refused.
   */
  impersonator: string | null;
}

export type PrincipalFailure =
  | 'invalid'
  | 'expired'
  | 'revoked'
  | 'wrong_resource'
  | 'not_member'
  | 'not_admitted'
  | 'unavailable';
export type PrincipalResult = { ok: true; principal: Principal } | { ok: false; reason: PrincipalFailure };

/**
 * The one place a bearer token becomes a principal (docs/architecture.md "Trust model"). Token state is read fresh on
 * every request (a revoked token fails at once); the human's role and permissions in the team
 * come from the MembershipResolver the console uses too (re-read from WorkOS, cached briefly,
 * invalidated when Gatehouse itself changes a membership).
 */
export class PrincipalResolver {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      tokens: TokensService;
      membership: MembershipResolver;
      resource: string;
    },
  ) {
    this.contextQuery = deps.db
      .select({ u: schema.users, t: schema.teams, s: schema.teamSettings, c: schema.oauthClients })
      .from(schema.users)
      .innerJoin(schema.teams, eq(schema.teams.id, sql.placeholder('teamId')))
      .innerJoin(schema.teamSettings, eq(schema.teamSettings.teamId, sql.placeholder('teamId')))
      .leftJoin(schema.oauthClients, eq(schema.oauthClients.id, sql.placeholder('clientId')))
      .where(eq(schema.users.id, sql.placeholder('userId')))
      .prepare();
    this.contexts = new EpochCache(epochOf(deps.db));
  }

  /** The human, team, settings and client behind a family: prepared once, read on every request. */
  private readonly contextQuery;
  /** …and kept while the authority epoch stands (src/db/epoch.ts). */
  private readonly contexts: EpochCache<string, ReturnType<PrincipalResolver['contextQuery']['get']>>;

  async resolve(token: string): Promise<PrincipalResult> {
    const record = this.deps.tokens.bearer(token);
    if (!record) return { ok: false, reason: 'invalid' };
    const now = this.deps.clock.now();
    if (record.revokedAt !== null) return { ok: false, reason: 'revoked' };
    if (record.expiresAt !== null && record.expiresAt <= now) return { ok: false, reason: 'expired' };
    const result = await this.build(record.family, record.tokenHash, record.expiresAt);
    if (result.ok) this.deps.tokens.touch(record.family.id);
    return result;
  }

  /** The principal behind a live token family (to re-evaluate open sessions without a token). */
  async forFamily(familyId: string): Promise<Principal | undefined> {
    const family = this.deps.tokens.family(familyId);
    if (!family || family.revokedAt !== null) return undefined;
    const r = await this.build(family, '', family.expiresAt);
    return r.ok ? r.principal : undefined;
  }

  private async build(family: Family, tokenHash: string, expiresAt: number | null): Promise<PrincipalResult> {
    // RFC 8707: the token's audience must be this resource.
    if (family.resource !== this.deps.resource) return { ok: false, reason: 'wrong_resource' };
    const key = { teamId: family.teamId, clientId: family.clientId ?? '', userId: family.userId };
    const row = this.contexts.get(`${key.teamId}\0${key.clientId}\0${key.userId}`, () =>
      this.contextQuery.get(key),
    );
    if (!row) return { ok: false, reason: 'invalid' };
    // Only admitted organizations are teams: a row kept from before admission is inert.
    if (row.t.admittedAt === null) return { ok: false, reason: 'not_admitted' };

    const standing = await this.deps.membership.standing({
      teamId: row.t.id,
      userId: row.u.id,
      workosUserId: row.u.workosUserId,
      organizationId: row.t.organizationId,
    });
    if (standing.status === 'unavailable') return { ok: false, reason: 'unavailable' };
    if (standing.status === 'not_member') return { ok: false, reason: 'not_member' };
    const { role, permissions: rolePermissions } = standing;

    return {
      ok: true,
      principal: {
        tokenHash,
        familyId: family.id,
        familyKind: family.kind,
        clientId: family.clientId,
        clientName: row.c?.clientName ?? family.name ?? 'connection token',
        userId: row.u.id,
        workosUserId: row.u.workosUserId,
        email: row.u.email,
        userName: [row.u.firstName, row.u.lastName].filter(Boolean).join(' ') || row.u.email,
        teamId: row.t.id,
        organizationId: row.t.organizationId,
        teamName: row.t.name,
        role,
        permissions: capPermissions(rolePermissions, family.scopes),
        scopes: family.scopes,
        expiresAt,
        settings: row.s,
        impersonator: family.impersonator ?? null,
      },
    };
  }

  /** Whether a user (Gatehouse id) is still an active member of a team; undefined when WorkOS is unreachable. */
  async isMember(userId: string, teamId: string): Promise<boolean | undefined> {
    const row = this.deps.db
      .select({ w: schema.users.workosUserId, o: schema.teams.organizationId })
      .from(schema.users)
      .innerJoin(schema.teams, eq(schema.teams.id, teamId))
      .where(eq(schema.users.id, userId))
      .get();
    if (!row) return false;
    const role = await this.deps.membership.role(row.w, row.o);
    return role === undefined ? undefined : role !== null;
  }

  /** Drops cached roles (all, or one human's) after Gatehouse changed a membership: both doors see it. */
  invalidate(workosUserId?: string): void {
    this.deps.membership.invalidate(workosUserId);
  }
}
