import { asc, eq, isNotNull, max, sql } from 'drizzle-orm';
import { newId } from '../crypto/random.ts';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { dialectOf } from '../db/dialect.ts';
import { EpochCache, epochOf } from '../db/epoch.ts';
import type { Clock } from '../kernel/clock.ts';

export type Team = typeof schema.teams.$inferSelect;
export type TeamSettings = typeof schema.teamSettings.$inferSelect;
export type AdmissionSource = 'config' | 'cli' | 'seed';

/** Teams (WorkOS organizations whose members use Gatehouse) and their settings rows. */
export class TeamsService {
  private readonly protectedQuery;
  private readonly teamQuery;
  private readonly teamByOrgQuery;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.protectedQuery = db
      .select({ o: schema.teams.organizationId })
      .from(schema.teams)
      .where(isNotNull(schema.teams.admittedAt))
      .prepare();
    const teamBy = (column: typeof schema.teams.id | typeof schema.teams.organizationId) =>
      db
        .select()
        .from(schema.teams)
        .where(eq(column, sql.placeholder('key')))
        .prepare();
    this.teamQuery = teamBy(schema.teams.id);
    this.teamByOrgQuery = teamBy(schema.teams.organizationId);
    this.cached = new EpochCache(epochOf(db));
  }

  /** Settings and admitted organizations, read on every call: kept while the authority epoch stands. */
  private readonly cached: EpochCache<string, unknown>;

  /** Keeps an admitted team's name as WorkOS has it (names change; the id does not). */
  rename(teamId: string, name: string): void {
    this.db
      .update(schema.teams)
      .set({ name, updatedAt: this.clock.now() })
      .where(eq(schema.teams.id, teamId))
      .run();
  }

  /**
   * Admits a WorkOS organization (of the identity environment) as a team: creates its row and
   * settings if new, or marks an existing row admitted, keeping its settings and tokens (an
   * operator upgrading keeps the team they already had). Idempotent.
   */
  admitTx(
    tx: Parameters<Parameters<Db['transaction']>[0]>[0],
    org: { organizationId: string; name: string; seedKey?: string | null },
    by: AdmissionSource,
  ): { team: Team; newlyAdmitted: boolean } {
    // Admission times only grow, so "oldest admission first" never ties (PostgreSQL has no rowid
    // to break a tie in insertion order; see admitted()).
    const latest =
      tx
        .select({ at: max(schema.teams.admittedAt) })
        .from(schema.teams)
        .get()?.at ?? 0;
    const now = Math.max(this.clock.now(), latest + 1);
    const existing =
      tx.select().from(schema.teams).where(eq(schema.teams.organizationId, org.organizationId)).get() ??
      (org.seedKey
        ? tx.select().from(schema.teams).where(eq(schema.teams.seedKey, org.seedKey)).get()
        : undefined);
    if (existing) {
      const newlyAdmitted = existing.admittedAt === null;
      const patch = {
        name: org.name,
        organizationId: org.organizationId,
        ...(newlyAdmitted ? { admittedAt: now, admittedBy: by } : {}),
        updatedAt: now,
      };
      tx.update(schema.teams).set(patch).where(eq(schema.teams.id, existing.id)).run();
      return { team: { ...existing, ...patch }, newlyAdmitted };
    }
    const team: Team = {
      id: newId('team'),
      organizationId: org.organizationId,
      name: org.name,
      seedKey: org.seedKey ?? null,
      admittedAt: now,
      admittedBy: by,
      createdAt: now,
      updatedAt: now,
    };
    tx.insert(schema.teams).values(team).run();
    tx.insert(schema.teamSettings).values({ teamId: team.id, updatedAt: now }).run();
    return { team, newlyAdmitted: true };
  }

  /** Admitted teams, oldest admission first (the first owns the deployment-level keys). */
  admitted(): Team[] {
    return this.db
      .select()
      .from(schema.teams)
      .where(isNotNull(schema.teams.admittedAt))
      .orderBy(
        asc(schema.teams.admittedAt),
        dialectOf(this.db) === 'sqlite' ? sql`rowid` : asc(schema.teams.id),
      )
      .all();
  }

  /** The admitted team of an organization, if it is one. */
  admittedByOrganization(organizationId: string): Team | undefined {
    const t = this.getByOrganization(organizationId);
    return t && t.admittedAt !== null ? t : undefined;
  }

  /**
   * Organization ids of every admitted team: staff, never customers. Tools refuse to read or
   * change them in any managed environment. Read fresh (a handful of rows) so an admission
   * made by `gatehouse teams` in another process counts at once.
   */
  protectedOrganizationIds(): ReadonlySet<string> {
    return this.cached.get(
      'protected',
      () => new Set(this.protectedQuery.all().map((r) => r.o)),
    ) as ReadonlySet<string>;
  }

  /** Read on the call path (live mode asks which team holds the deployment's keys): cached exactly. */
  get(teamId: string): Team | undefined {
    return this.cached.get(`team:${teamId}`, () => freeze(this.teamQuery.get({ key: teamId }))) as
      | Team
      | undefined;
  }

  getByOrganization(organizationId: string): Team | undefined {
    return this.cached.get(`org:${organizationId}`, () =>
      freeze(this.teamByOrgQuery.get({ key: organizationId })),
    ) as Team | undefined;
  }

  settings(teamId: string): TeamSettings {
    const row = this.cached.get(`settings:${teamId}`, () =>
      freeze(this.db.select().from(schema.teamSettings).where(eq(schema.teamSettings.teamId, teamId)).get()),
    ) as TeamSettings | undefined;
    if (!row) throw new Error(`team ${teamId} has no settings row`);
    return row;
  }

  /**
   * Local mode: the emulator re-seeds with new ids at every start. Teams seeded earlier are
   * re-linked to the new organization id through their seed key, so their settings,
   * tokens and grants survive a restart.
   */
  relinkSeeded(orgs: { seedKey: string; organizationId: string; name: string }[]): void {
    const now = this.clock.now();
    this.db.transaction((tx) => {
      for (const o of orgs) {
        const existing = tx.select().from(schema.teams).where(eq(schema.teams.seedKey, o.seedKey)).get();
        if (!existing || existing.organizationId === o.organizationId) continue;
        tx.update(schema.teams)
          .set({ organizationId: o.organizationId, name: o.name, updatedAt: now })
          .where(eq(schema.teams.id, existing.id))
          .run();
      }
    });
  }
}

/** A shared cached value must not be changed by whoever reads it. */
function freeze<T>(value: T): T {
  return value === undefined ? value : Object.freeze(value);
}
