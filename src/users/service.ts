import { and, eq, sql } from 'drizzle-orm';
import type { Permission } from '../../db/schema/enums.ts';
import { newId } from '../crypto/random.ts';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { EpochCache, epochOf } from '../db/epoch.ts';
import type { Clock } from '../kernel/clock.ts';

export type User = typeof schema.users.$inferSelect;
export type Membership = Readonly<typeof schema.teamMembers.$inferSelect>;

export interface WorkOSUserLike {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  externalId?: string | null;
}

/** Humans Gatehouse has seen, keyed by Gatehouse's own id (see TeamsService.relinkSeeded). */
export class UsersService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.memberships = new EpochCache(epochOf(db));
  }

  /** Membership snapshots, read on every call: kept while the authority epoch stands (team_members moves it). */
  private readonly memberships: EpochCache<string, Membership | undefined>;

  upsertFromWorkOS(u: WorkOSUserLike, seedKey?: string | null): User {
    const now = this.clock.now();
    return this.db.transaction((tx) => {
      // A seeded user may come back with a new WorkOS id (local mode re-seeds): match the seed key too.
      const existing =
        tx.select().from(schema.users).where(eq(schema.users.workosUserId, u.id)).get() ??
        (seedKey ? tx.select().from(schema.users).where(eq(schema.users.seedKey, seedKey)).get() : undefined);
      const fields = {
        workosUserId: u.id,
        email: u.email,
        firstName: u.firstName,
        lastName: u.lastName,
        lastSeenAt: now,
      };
      if (existing) {
        tx.update(schema.users).set(fields).where(eq(schema.users.id, existing.id)).run();
        return { ...existing, ...fields };
      }
      const user: User = { id: newId('usr'), seedKey: seedKey ?? null, createdAt: now, ...fields };
      tx.insert(schema.users).values(user).run();
      return user;
    });
  }

  get(userId: string): User | undefined {
    return this.db.select().from(schema.users).where(eq(schema.users.id, userId)).get();
  }

  /** Remembers the role a user holds in a team (for console listings and approver checks). */
  /** The Gatehouse user behind a WorkOS user id, if they ever signed in. */
  byWorkosId(workosUserId: string): User | undefined {
    return this.db.select().from(schema.users).where(eq(schema.users.workosUserId, workosUserId)).get();
  }

  recordMembership(teamId: string, userId: string, role: string, permissions: Permission[]): void {
    const now = this.clock.now();
    this.db
      .insert(schema.teamMembers)
      .values({ teamId, userId, role, permissions, updatedAt: now })
      .onConflictDoUpdate({
        target: [schema.teamMembers.teamId, schema.teamMembers.userId],
        set: { role, permissions, updatedAt: now },
      })
      .run();
  }

  /** Read on every MCP request (principal resolution): prepared once, cached exactly (src/db/epoch.ts). */
  membership(teamId: string, userId: string): Membership | undefined {
    return this.memberships.get(`${teamId}\u0000${userId}`, () => {
      this.membershipQuery ??= this.prepareMembership();
      const row = this.membershipQuery.get({ teamId, userId });
      // Shared between callers: frozen, so no caller can change what the next one reads.
      if (row) Object.freeze(row.permissions);
      return row ? Object.freeze(row) : undefined;
    });
  }

  private membershipQuery: ReturnType<UsersService['prepareMembership']> | undefined;

  private prepareMembership() {
    return this.db
      .select()
      .from(schema.teamMembers)
      .where(
        and(
          eq(schema.teamMembers.teamId, sql.placeholder('teamId')),
          eq(schema.teamMembers.userId, sql.placeholder('userId')),
        ),
      )
      .prepare();
  }

  /** Local mode: re-link seeded users to the emulator's fresh ids (see TeamsService.relinkSeeded). */
  relinkSeeded(users: { seedKey: string; workosUserId: string }[]): void {
    this.db.transaction((tx) => {
      for (const u of users) {
        const existing = tx.select().from(schema.users).where(eq(schema.users.seedKey, u.seedKey)).get();
        if (!existing || existing.workosUserId === u.workosUserId) continue;
        tx.update(schema.users)
          .set({ workosUserId: u.workosUserId })
          .where(eq(schema.users.id, existing.id))
          .run();
      }
    });
  }
}
