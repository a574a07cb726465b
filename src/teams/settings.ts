import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { AuditService } from '../audit/service.ts';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { AppError } from '../errors/app-error.ts';
import type { Clock } from '../kernel/clock.ts';
import type { EventBus } from '../kernel/events.ts';
import type { TeamSettings } from './service.ts';

/** Bounds for the tunable settings (ms). */
export const AUTHORITY_TTL_BOUNDS_MS = { min: 60_000, max: 24 * 60 * 60 * 1000 } as const;
export const SESSION_IDLE_BOUNDS_MS = { min: 60_000, max: 7 * 24 * 60 * 60 * 1000 } as const;
/** Bounds for tool calls per minute per token. */
export const TOOL_CALLS_PER_MINUTE_BOUNDS = { min: 1, max: 100_000 } as const;

/** What an admin may change, validated (unknown keys refused). */
export const SettingsPatch = z.strictObject({
  enabled: z.boolean().optional(),
  allowProduction: z.boolean().optional(),
  allowWrite: z.boolean().optional(),
  requireDifferentApprover: z.boolean().optional(),
  piiRedaction: z.boolean().optional(),
  destructiveNeedsPerson: z.boolean().optional(),
  authorityTtlMs: z
    .number()
    .int()
    .min(AUTHORITY_TTL_BOUNDS_MS.min)
    .max(AUTHORITY_TTL_BOUNDS_MS.max)
    .optional(),
  sessionIdleTtlMs: z
    .number()
    .int()
    .min(SESSION_IDLE_BOUNDS_MS.min)
    .max(SESSION_IDLE_BOUNDS_MS.max)
    .optional(),
  toolCallsPerMinute: z
    .number()
    .int()
    .min(TOOL_CALLS_PER_MINUTE_BOUNDS.min)
    .max(TOOL_CALLS_PER_MINUTE_BOUNDS.max)
    .optional(),
});
export type SettingsPatch = z.infer<typeof SettingsPatch>;

export interface Actor {
  userId: string;
  email: string;
}

/**
 * Team settings changes (docs/architecture.md "Console"): one transaction that writes the new values and an audit
 * entry with old and new, then every open session re-evaluates its tools on its next call.
 * Turning Enable off turns the two dependent toggles off with it (seeds/000 "Admin controls").
 */
export class SettingsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly events: EventBus,
  ) {}

  update(teamId: string, patch: SettingsPatch, actor: Actor): TeamSettings {
    const parsed = SettingsPatch.safeParse(patch);
    if (!parsed.success) {
      throw new AppError(
        'invalid_input',
        `Invalid settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const now = this.clock.now();
    const next = this.db.transaction((tx) => {
      const old = tx.select().from(schema.teamSettings).where(eq(schema.teamSettings.teamId, teamId)).get();
      if (!old) throw new AppError('not_found', 'No such team.');
      const change: Partial<TeamSettings> = { ...parsed.data };
      if (change.enabled === false) {
        change.allowProduction = false;
        change.allowWrite = false;
      }
      if ((change.allowProduction || change.allowWrite) && !(change.enabled ?? old.enabled)) {
        throw new AppError(
          'invalid_input',
          'Turn on "Enable MCP access" first: production and write access depend on it.',
        );
      }
      if (change.enabled === true && old.killedAt !== null) change.killedAt = null;
      const diff = Object.fromEntries(
        Object.entries(change).filter(([k, v]) => (old as Record<string, unknown>)[k] !== v),
      ) as Partial<TeamSettings>;
      if (Object.keys(diff).length === 0) return old;
      const updated = tx
        .update(schema.teamSettings)
        .set({ ...diff, version: old.version + 1, updatedAt: now, updatedBy: actor.userId })
        .where(eq(schema.teamSettings.teamId, teamId))
        .returning()
        .get();
      this.audit.appendTx(tx, {
        event: 'settings.changed',
        outcome: 'ok',
        teamId,
        userId: actor.userId,
        actorEmail: actor.email,
        details: {
          old: Object.fromEntries(Object.keys(diff).map((k) => [k, (old as Record<string, unknown>)[k]])),
          new: diff,
        },
      });
      return updated;
    });
    this.events.emit('team.settings_changed', { teamId });
    return next;
  }
}
