/**
 * The embedded WorkOS environments of local mode, declared once: the *identity* environment,
 * where people sign in (AuthKit) and connect their accounts (Pipes), and for each staff team a
 * *managed* sandbox and production environment, the customers its tools act on. Each has its
 * own API key and client id, as real WorkOS environments do; the keys are public on purpose
 * (local mode holds demo data only).
 */
import type { Environment } from '../../db/schema/enums.ts';
import { DEMO_TEAM, LABS_TEAM, type StaffOrg } from './seed/accounts.ts';
import { IDENTITY_SEED } from './seed/identity.ts';
import { LABS_PRODUCTION_SEED, LABS_SANDBOX_SEED } from './seed/labs.ts';
import { DEMO_PRODUCTION_SEED } from './seed/production.ts';
import { DEMO_SANDBOX_SEED } from './seed/sandbox.ts';
import type { EnvironmentSeed } from './seed/types.ts';

export const EMBEDDED_NAMES = [
  'identity',
  'demo-sandbox',
  'demo-production',
  'labs-sandbox',
  'labs-production',
] as const;

/** The canonical name of an embedded environment. */
export type EmbeddedName = (typeof EMBEDDED_NAMES)[number];

/** What `startEmbeddedWorkOS` accepts: a canonical name, or `sandbox`/`production` for the Demo team's. */
export type EmbeddedNameOrAlias = EmbeddedName | Environment;

/** The AuthKit client id of the identity environment (the emulator accepts any). */
export const LOCAL_CLIENT_ID = 'client_gatehouse_local';
export const IDENTITY_API_KEY = 'sk_test_gatehouse_identity_1a11';
export const DEMO_SANDBOX_API_KEY = 'sk_test_gatehouse_demo_sandbox_2d5b';
export const DEMO_PRODUCTION_API_KEY = 'sk_test_gatehouse_demo_production_3d9c';
export const LABS_SANDBOX_API_KEY = 'sk_test_gatehouse_labs_sandbox_4a5b';
export const LABS_PRODUCTION_API_KEY = 'sk_test_gatehouse_labs_production_5a9c';

export const EMBEDDED_API_KEYS: Readonly<Record<EmbeddedName, string>> = {
  identity: IDENTITY_API_KEY,
  'demo-sandbox': DEMO_SANDBOX_API_KEY,
  'demo-production': DEMO_PRODUCTION_API_KEY,
  'labs-sandbox': LABS_SANDBOX_API_KEY,
  'labs-production': LABS_PRODUCTION_API_KEY,
};

export const EMBEDDED_CLIENT_IDS: Readonly<Record<EmbeddedName, string>> = {
  identity: LOCAL_CLIENT_ID,
  'demo-sandbox': 'client_gatehouse_demo_sandbox',
  'demo-production': 'client_gatehouse_demo_production',
  'labs-sandbox': 'client_gatehouse_labs_sandbox',
  'labs-production': 'client_gatehouse_labs_production',
};

/** The Demo team's keys by environment (what a single-team setup used to call sandbox and production). */
export const LOCAL_API_KEYS: Readonly<Record<Environment, string>> = {
  sandbox: DEMO_SANDBOX_API_KEY,
  production: DEMO_PRODUCTION_API_KEY,
};

export interface EmbeddedSpec {
  name: EmbeddedName;
  /** WorkOS's environment kind; the identity environment counts as a sandbox. */
  environment: Environment;
  apiKey: string;
  clientId: string;
  seed: EnvironmentSeed;
  /** The staff team a managed environment belongs to; undefined for the identity environment. */
  team: StaffOrg | undefined;
  /** People sign in here: the front stands in for the dashboard's impersonation and publishes its key. */
  authKit: boolean;
}

function spec(
  name: EmbeddedName,
  environment: Environment,
  seed: EnvironmentSeed,
  team: StaffOrg | undefined,
): EmbeddedSpec {
  return {
    name,
    environment,
    apiKey: EMBEDDED_API_KEYS[name],
    clientId: EMBEDDED_CLIENT_IDS[name],
    seed,
    team,
    authKit: name === 'identity',
  };
}

export const EMBEDDED_SPECS: Readonly<Record<EmbeddedName, EmbeddedSpec>> = {
  identity: spec('identity', 'sandbox', IDENTITY_SEED, undefined),
  'demo-sandbox': spec('demo-sandbox', 'sandbox', DEMO_SANDBOX_SEED, DEMO_TEAM),
  'demo-production': spec('demo-production', 'production', DEMO_PRODUCTION_SEED, DEMO_TEAM),
  'labs-sandbox': spec('labs-sandbox', 'sandbox', LABS_SANDBOX_SEED, LABS_TEAM),
  'labs-production': spec('labs-production', 'production', LABS_PRODUCTION_SEED, LABS_TEAM),
};

/** Each staff team and the names of its managed environments. */
export const MANAGED_TEAMS: readonly {
  team: StaffOrg;
  sandbox: EmbeddedName;
  production: EmbeddedName;
}[] = [
  { team: DEMO_TEAM, sandbox: 'demo-sandbox', production: 'demo-production' },
  { team: LABS_TEAM, sandbox: 'labs-sandbox', production: 'labs-production' },
];

const ALIASES: Readonly<Record<Environment, EmbeddedName>> = {
  sandbox: 'demo-sandbox',
  production: 'demo-production',
};

/** The canonical name for a name or alias; anything else is a programming error. */
export function resolveEmbeddedName(name: EmbeddedNameOrAlias): EmbeddedName {
  if ((EMBEDDED_NAMES as readonly string[]).includes(name)) return name as EmbeddedName;
  const alias = ALIASES[name as Environment];
  if (!alias) {
    throw new Error(
      `unknown embedded WorkOS environment '${String(name)}': expected one of ${EMBEDDED_NAMES.join(', ')} (or sandbox, production)`,
    );
  }
  return alias;
}
