/**
 * The demo data of local mode, identical at every start (ids aside, which the emulator draws at
 * random; Gatehouse re-links staff teams and people by `external_id`).
 */
import type { Environment } from '../../../db/schema/enums.ts';
import { PRODUCTION_SEED } from './production.ts';
import { SANDBOX_SEED } from './sandbox.ts';
import type { EnvironmentSeed } from './types.ts';

export {
  DEMO_TEAM,
  LABS_TEAM,
  SEED_PERMISSIONS,
  SEED_ROLES,
  SEEDED_ACCOUNTS,
  type SeededAccount,
  STAFF_ORGS,
  type StaffOrg,
} from './accounts.ts';
export { SECRET_CANARIES } from './canaries.ts';
export { PIPES_PROVIDERS } from './providers.ts';
export { HTML_ORG_NAME } from './sandbox.ts';
export type { EnvironmentSeed } from './types.ts';

/** The seed of one environment: sandbox has the staff teams and the customers; production differs. */
export function seedFor(environment: Environment): EnvironmentSeed {
  return environment === 'production' ? PRODUCTION_SEED : SANDBOX_SEED;
}
