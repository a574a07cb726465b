import { eq } from 'drizzle-orm';
import type { Clock } from '../app/clock.ts';
import { newId } from '../crypto/random.ts';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';

export type Team = typeof schema.teams.$inferSelect;
export type TeamSettings = typeof schema.teamSettings.$inferSelect;

/** Teams (WorkOS organizations whose members use Gatehouse) and their settings rows. */
export class TeamsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Finds or creates the team for a WorkOS organization, keeping its name current. */
  upsertFromOrganization(org: { organizationId: string; name: string; seedKey?: string | null }): Team {
    const now = this.clock.now();
    return this.db.transaction((tx) => {
      // A seeded team may come back with a new organization id (local mode re-seeds).
      const existing =
        tx.select().from(schema.teams).where(eq(schema.teams.organizationId, org.organizationId)).get() ??
        (org.seedKey
          ? tx.select().from(schema.teams).where(eq(schema.teams.seedKey, org.seedKey)).get()
          : undefined);
      if (existing) {
        if (existing.name !== org.name || existing.organizationId !== org.organizationId) {
          tx.update(schema.teams)
            .set({ name: org.name, organizationId: org.organizationId, updatedAt: now })
            .where(eq(schema.teams.id, existing.id))
            .run();
        }
        return { ...existing, name: org.name, organizationId: org.organizationId };
      }
      const team: Team = {
        id: newId('team'),
        organizationId: org.organizationId,
        name: org.name,
        seedKey: org.seedKey ?? null,
        createdAt: now,
        updatedAt: now,
      };
      tx.insert(schema.teams).values(team).run();
      tx.insert(schema.teamSettings).values({ teamId: team.id, updatedAt: now }).run();
      return team;
    });
  }

  get(teamId: string): Team | undefined {
    return this.db.select().from(schema.teams).where(eq(schema.teams.id, teamId)).get();
  }

  getByOrganization(organizationId: string): Team | undefined {
    return this.db.select().from(schema.teams).where(eq(schema.teams.organizationId, organizationId)).get();
  }

  settings(teamId: string): TeamSettings {
    const row = this.db
      .select()
      .from(schema.teamSettings)
      .where(eq(schema.teamSettings.teamId, teamId))
      .get();
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
