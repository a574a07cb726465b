import { and, eq, isNull } from 'drizzle-orm';
import type { HumanGrants } from '../approvals/human.ts';
import type { GrantStore } from '../approvals/store.ts';
import type { AuditService } from '../audit/service.ts';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { AppError } from '../errors/app-error.ts';
import type { Clock } from '../kernel/clock.ts';
import type { EventBus } from '../kernel/events.ts';
import type { McpSessionRows } from '../mcp/session-rows.ts';
import type { CodesService } from '../oauth/codes.ts';
import type { ConsentsService } from '../oauth/consents.ts';
import type { TokensService } from '../oauth/tokens.ts';
import type { Actor } from './settings.ts';

export interface KillSwitchResult {
  familiesRevoked: number;
  grantsRevoked: number;
  consentsRevoked: number;
  codesRevoked: number;
}

/**
 * The kill switch (docs/architecture.md "Console"): in one transaction the team is disabled, every access, refresh and
 * connection token, every unexchanged authorization code, every grant and every remembered
 * consent of the team is revoked, and the
 * audit entry is written; then every open MCP session and stream of the team is closed.
 * Re-enabling later never revives an old token: clients must authorize again.
 */
export class KillSwitch {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      audit: AuditService;
      events: EventBus;
      tokens: TokensService;
      consents: Pick<ConsentsService, 'revokeTeamTx'>;
      codes: Pick<CodesService, 'discardTeamTx'>;
      grants: { store: GrantStore; human: HumanGrants };
      /** The `mcp_sessions` rows, for the count of open sessions. */
      sessions: Pick<McpSessionRows, 'openCount'>;
    },
  ) {}

  /** What pulling it now would end: live authorizations, open grants and open MCP sessions. */
  preview(teamId: string): { families: number; grants: number; sessions: number } {
    const now = this.deps.clock.now();
    const one = (sql: string, ...params: (string | number)[]) =>
      this.deps.db.$client.query<{ n: number }, (string | number)[]>(sql).get(...params)?.n ?? 0;
    return {
      families: one(
        'SELECT COUNT(*) AS n FROM token_families WHERE team_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)',
        teamId,
        now,
      ),
      grants: this.deps.grants.store.openCount(teamId),
      sessions: this.deps.sessions.openCount(teamId),
    };
  }

  pull(teamId: string, actor: Actor, reason: string): KillSwitchResult {
    const { db, clock, audit, tokens, grants, events } = this.deps;
    const now = clock.now();
    const why = reason.trim().slice(0, 500) || 'kill switch';
    const { families, result } = db.transaction((tx) => {
      const settings = tx
        .select()
        .from(schema.teamSettings)
        .where(eq(schema.teamSettings.teamId, teamId))
        .get();
      if (!settings) throw new AppError('not_found', 'No such team.');
      tx.update(schema.teamSettings)
        .set({
          enabled: false,
          allowProduction: false,
          allowWrite: false,
          killedAt: now,
          version: settings.version + 1,
          updatedAt: now,
          updatedBy: actor.userId,
        })
        .where(eq(schema.teamSettings.teamId, teamId))
        .run();
      const live = tx
        .select({ id: schema.tokenFamilies.id })
        .from(schema.tokenFamilies)
        .where(and(eq(schema.tokenFamilies.teamId, teamId), isNull(schema.tokenFamilies.revokedAt)))
        .all()
        .map((f) => f.id);
      const revoked = tokens.revokeFamiliesTx(tx, live, `kill switch: ${why}`, now);
      const grantsRevoked = grants.human.revokeTeamTx(tx, teamId, actor);
      const consents = this.deps.consents.revokeTeamTx(tx, teamId, now);
      // Authorization codes not yet exchanged would otherwise mint fresh tokens after the kill
      // (RFC 6749 §4.1.2: codes are short-lived, but up to a minute is enough to outlive it).
      const codes = this.deps.codes.discardTeamTx(tx, teamId);
      const result = {
        familiesRevoked: revoked.length,
        grantsRevoked,
        consentsRevoked: consents,
        codesRevoked: codes,
      };
      audit.appendTx(tx, {
        event: 'team.kill_switch',
        outcome: 'ok',
        teamId,
        userId: actor.userId,
        actorEmail: actor.email,
        reason: why,
        details: result,
      });
      return { families: revoked, result };
    });
    // After commit: sessions and streams of the revoked families close; clients re-list tools.
    tokens.publishRevoked(families, 'kill switch');
    events.emit('team.settings_changed', { teamId });
    events.emit('team.killed', { teamId });
    return result;
  }
}
