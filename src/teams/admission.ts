import type { WorkOS } from '@workos-inc/node';
import { NotFoundException } from '@workos-inc/node';
import { eq } from 'drizzle-orm';
import type { AuditService } from '../audit/service.ts';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../log/logger.ts';
import type { KillSwitch } from './kill-switch.ts';
import type { AdmissionSource, Team, TeamsService } from './service.ts';
import type { Actor } from './settings.ts';

/**
 * Admission (docs/architecture.md "Trust model"): only organizations the operator admits are
 * teams. Nobody else who signs in gets a session, and tools never treat a team's own
 * organization as a customer.
 */
export interface AdmissionDeps {
  db: Db;
  teams: TeamsService;
  audit: AuditService;
}

/** Admits one organization (idempotent); the admission is audited once. */
export function admitTeam(
  deps: AdmissionDeps,
  org: { organizationId: string; name: string; seedKey?: string | null },
  by: AdmissionSource,
): Team {
  return deps.db.transaction((tx) => {
    const { team, newlyAdmitted } = deps.teams.admitTx(tx, org, by);
    if (newlyAdmitted) {
      deps.audit.appendTx(tx, {
        event: 'team.admitted',
        outcome: 'ok',
        teamId: team.id,
        actorEmail: `operator (${by})`,
        details: { organization_id: team.organizationId, name: team.name, by },
      });
    }
    return team;
  });
}

/**
 * Admits GATEHOUSE_TEAMS at start, each checked against the identity environment (a name the
 * operator mistyped fails the start with the id named). When WorkOS cannot be reached the id is
 * admitted under its own id as a name, fixed at the first sign-in.
 */
export async function admitConfiguredTeams(
  deps: AdmissionDeps & { identity: WorkOS; log: Logger },
  organizationIds: string[],
): Promise<void> {
  for (const organizationId of organizationIds) {
    let name = organizationId;
    try {
      name = (await deps.identity.organizations.getOrganization(organizationId)).name;
    } catch (e) {
      if (e instanceof NotFoundException) {
        throw new AdmissionError(
          `GATEHOUSE_TEAMS names ${organizationId}, which the identity environment (WORKOS_IDENTITY_API_KEY) does not have. Admit the organization your staff sign in to.`,
        );
      }
      deps.log.warn('could not read an admitted organization from WorkOS; admitting it by id', {
        organizationId,
        error: e instanceof Error ? e.message : String(e),
      });
    }
    admitTeam(deps, { organizationId, name }, 'config');
  }
}

/** A start-up problem with admission, named for the operator. */
export class AdmissionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdmissionError';
  }
}

/**
 * Removes a team: the kill switch (every token, code, consent and grant revoked, audited), then
 * the team is forgotten — its row and everything hanging off it (settings, members, linked
 * environments, tokens, grants, sessions) are deleted. The audit trail keeps its entries.
 */
export function removeTeam(
  deps: AdmissionDeps & { killSwitch: KillSwitch },
  organizationId: string,
  actor: Actor,
): Team {
  const team = deps.teams.getByOrganization(organizationId);
  if (!team || team.admittedAt === null)
    throw new AppError('not_found', `${organizationId} is not an admitted team.`, {
      hint: 'gatehouse teams list shows the admitted teams.',
    });
  deps.killSwitch.pull(team.id, actor, 'team removed by the operator');
  deps.db.transaction((tx) => {
    tx.delete(schema.teams).where(eq(schema.teams.id, team.id)).run();
    deps.audit.appendTx(tx, {
      event: 'team.removed',
      outcome: 'ok',
      teamId: team.id,
      userId: actor.userId,
      actorEmail: actor.email,
      details: { organization_id: team.organizationId, name: team.name },
    });
  });
  return team;
}
