import type { Environment } from '../../db/schema/enums.ts';
import type { WorkOSGateway } from '../workos/gateway.ts';
import type { TeamsService } from './service.ts';

/**
 * The WorkOS key a team has without linking one (docs/architecture.md "Trust model"): local
 * mode's embedded environment of a seeded team, or the deployment-level key, which belongs only to
 * the admitted team of the organization GATEHOUSE_TEAMS names first. A linked key always wins
 * (TeamEnvironments reads the link first).
 */
export class UnlinkedKeys {
  constructor(
    private readonly gateway: WorkOSGateway,
    private readonly teams: TeamsService,
  ) {}

  /** The team's key of `environment` without a link: embedded first, else the deployment's. */
  keyOf(teamId: string, environment: Environment): string | undefined {
    const embedded = this.embeddedKey(teamId, environment);
    if (embedded) return embedded;
    const key = this.gateway.deploymentKeys[environment];
    return key && this.deploymentTeamId() === teamId ? key : undefined;
  }

  /** Whether that key is local mode's embedded one (the settings page says so). */
  isEmbedded(teamId: string, environment: Environment): boolean {
    return this.embeddedKey(teamId, environment) !== undefined;
  }

  /**
   * Whether the deployment-level keys are set but belong to no admitted team (GATEHOUSE_TEAMS is
   * empty, or its first organization was removed): said in the start banner.
   */
  deploymentKeysUnowned(): boolean {
    return Object.keys(this.gateway.deploymentKeys).length > 0 && this.deploymentTeamId() === undefined;
  }

  /**
   * The team that owns the deployment-level keys: the admitted team of the organization
   * GATEHOUSE_TEAMS names first. Removing that team leaves the keys to nobody.
   */
  private deploymentTeamId(): string | undefined {
    const org = this.gateway.deploymentOrganizationId;
    if (!org || Object.keys(this.gateway.deploymentKeys).length === 0) return undefined;
    return this.teams.admittedByOrganization(org)?.id;
  }

  /** The team's seed key is read through TeamsService's cache, which follows the epoch. */
  private embeddedKey(teamId: string, environment: Environment): string | undefined {
    const seedKey = this.teams.get(teamId)?.seedKey;
    return seedKey ? this.gateway.seededTeamKeys[seedKey]?.[environment] : undefined;
  }
}
