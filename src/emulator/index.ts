/**
 * The embedded WorkOS of local mode (docs/architecture.md "Modes"): WorkOS's own emulator (`workos/emulate`) per
 * environment, seeded with demo data, behind a fixture front that adds what the emulator lacks.
 * The real `@workos-inc/node` client talks to the front over HTTP, exactly as it talks to
 * api.workos.com in live mode. Environments (environments.ts): `identity`, where people sign in,
 * and each staff team's managed sandbox and production. `startEmbeddedSuite` starts them all;
 * `startKeyRouter` puts one origin in front of them, the key selecting the environment.
 */
export {
  CUSTOMER_NOTE,
  describeEmulator,
  type EmulatorAccount,
  type EmulatorDescription,
  formatEmulatorDescription,
} from './describe.ts';
export { type EmbeddedWorkOS, type StartOptions, startEmbeddedWorkOS } from './embedded.ts';
export {
  DEMO_PRODUCTION_API_KEY,
  DEMO_SANDBOX_API_KEY,
  EMBEDDED_API_KEYS,
  EMBEDDED_CLIENT_IDS,
  EMBEDDED_NAMES,
  type EmbeddedName,
  type EmbeddedNameOrAlias,
  IDENTITY_API_KEY,
  LABS_PRODUCTION_API_KEY,
  LABS_SANDBOX_API_KEY,
  LOCAL_API_KEYS,
  LOCAL_CLIENT_ID,
  MANAGED_TEAMS,
} from './environments.ts';
export { type DemoProviderServers, startDemoProviders } from './providers/index.ts';
export { type KeyRouter, type KeyRouterOptions, startKeyRouter } from './router.ts';
export {
  CUSTOMER_ADMIN,
  CUSTOMER_ORG,
  type CustomerAccount,
  DEMO_TEAM,
  HTML_ORG_NAME,
  LABS_TEAM,
  SECRET_CANARIES,
  SEEDED_ACCOUNTS,
  type SeededAccount,
  STAFF_ORGS,
  type StaffOrg,
} from './seed/index.ts';
export { type EmbeddedSuite, type EmbeddedTeam, type SuiteOptions, startEmbeddedSuite } from './suite.ts';
