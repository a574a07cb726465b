import type { WorkOS } from '@workos-inc/node';
import type { Environment } from '../../db/schema/enums.ts';
import type { StaffMarks } from './staff-guard.ts';

/**
 * The WorkOS APIs Gatehouse talks to (docs/architecture.md "Trust model"): the *identity*
 * environment where the team's own people sign in (AuthKit, Pipes), and the *managed*
 * environments each team's tools act on, reached by the API key the team linked. One origin and
 * the key selects the environment, in live mode (api.workos.com) and local mode (embedded) alike.
 */
export interface WorkOSGateway {
  mode: 'local' | 'live';
  /** The environment holding the staff teams, AuthKit and Pipes. */
  identity: { client: WorkOS; clientId: string; apiKey: string };
  /**
   * A client for the managed environment `apiKey` opens. `protect` names the staff (admitted
   * teams' organizations, people and domains) the client must never read or touch, on the wire.
   */
  clientForKey(apiKey: string, options?: { protect?: () => StaffMarks | Promise<StaffMarks> }): WorkOS;
  /**
   * Deployment-level keys (live mode's WORKOS_API_KEY / WORKOS_PRODUCTION_API_KEY): they belong
   * to the first admitted team only, and a key that team links itself replaces them.
   */
  deploymentKeys: Partial<Record<Environment, string>>;
  /**
   * The organization the deployment-level keys belong to: the first id of GATEHOUSE_TEAMS, fixed
   * by configuration (never whichever team happens to be admitted first, which changes when a
   * team is removed). Undefined: the keys are no team's.
   */
  deploymentOrganizationId: string | undefined;
  /** Local mode: each seeded staff team's embedded environments, by the team's seed key. */
  seededTeamKeys: Record<string, Record<Environment, string>>;
  /** Base URLs of the embedded WorkOS environments (local mode only), by name. */
  embeddedUrls: Record<string, string>;
  close(): Promise<void>;
}
