/**
 * The demo data of local mode, identical at every start (ids aside, which the emulator draws at
 * random; Gatehouse re-links staff teams and people by `external_id`). One seed per embedded
 * environment: the identity environment people sign in to, and each staff team's managed
 * sandbox and production (see ../environments.ts).
 */
export {
  CUSTOMER_ADMIN,
  CUSTOMER_ORG,
  type CustomerAccount,
  DEMO_TEAM,
  LABS_TEAM,
  SEED_PERMISSIONS,
  SEED_ROLES,
  SEEDED_ACCOUNTS,
  type SeededAccount,
  STAFF_MEMBERSHIPS,
  STAFF_ORGS,
  type StaffOrg,
} from './accounts.ts';
export { SECRET_CANARIES } from './canaries.ts';
export { IDENTITY_SEED } from './identity.ts';
export { LABS_PRODUCTION_SEED, LABS_SANDBOX_SEED } from './labs.ts';
export { DEMO_PRODUCTION_SEED } from './production.ts';
export { PIPES_PROVIDERS } from './providers.ts';
export { DEMO_SANDBOX_SEED, HTML_ORG_NAME } from './sandbox.ts';
export type { EnvironmentSeed } from './types.ts';
