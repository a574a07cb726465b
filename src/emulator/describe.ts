/**
 * What `gatehouse emulator` prints: where the embedded WorkOS answers, its keys, the staff
 * organizations an operator admits, and who can sign in. As one JSON object (`--json`) or as text.
 */
import { CUSTOMER_ADMIN, SEEDED_ACCOUNTS, STAFF_MEMBERSHIPS, STAFF_ORGS } from './seed/accounts.ts';
import type { EmbeddedSuite } from './suite.ts';

export interface EnvironmentKeys {
  apiKey: string;
  clientId: string;
}

export interface EmulatorAccount {
  email: string;
  name: string;
  /** `staff`: a member of staff teams; `customer`: a customer admin Gatehouse must refuse. */
  kind: 'staff' | 'customer';
  memberships: { organization: string; role: string }[];
  note?: string;
}

export interface EmulatorDescription {
  /** The one origin clients use; the API key selects the environment. */
  url: string;
  identity: EnvironmentKeys & {
    /** The `iss` of its access tokens (WORKOS_ISSUER for live mode). */
    issuer: string;
    jwksUrl: string;
    /** `POST` here (identity key) to impersonate a user at their next sign-in. */
    impersonationsUrl: string;
  };
  /** The staff teams' organizations in the identity environment (admitted with GATEHOUSE_TEAMS). */
  staffOrganizations: { id: string; name: string; externalId: string }[];
  /** Each staff team's managed environments. */
  teams: { seedKey: string; name: string; sandbox: EnvironmentKeys; production: EnvironmentKeys }[];
  accounts: EmulatorAccount[];
  /** Gatehouse in live mode against this emulator. */
  env: Record<string, string>;
}

export const CUSTOMER_NOTE = 'customer: Gatehouse refuses';

const keys = (e: EnvironmentKeys): EnvironmentKeys => ({ apiKey: e.apiKey, clientId: e.clientId });

/** Builds the description; reads the staff organizations' ids (drawn at start) through `url`. */
export async function describeEmulator(suite: EmbeddedSuite, url: string): Promise<EmulatorDescription> {
  const { identity } = suite;
  const res = await fetch(`${url}/organizations?limit=100`, {
    headers: { authorization: `Bearer ${identity.apiKey}` },
  });
  if (!res.ok) throw new Error(`listing the identity environment's organizations answered ${res.status}`);
  const orgs = ((await res.json()) as { data: { id: string; name: string; external_id: string | null }[] })
    .data;
  const staffOrganizations = STAFF_ORGS.map((team) => {
    const org = orgs.find((o) => o.external_id === team.externalId);
    if (!org) throw new Error(`staff organization ${team.name} is missing from the identity environment`);
    return { id: org.id, name: org.name, externalId: team.externalId };
  });
  const accounts: EmulatorAccount[] = [
    ...SEEDED_ACCOUNTS.map((a) => ({
      email: a.email,
      name: a.name,
      kind: 'staff' as const,
      memberships: STAFF_MEMBERSHIPS.filter((m) => m.email === a.email).map((m) => ({
        organization: m.organization,
        role: m.role,
      })),
    })),
    {
      email: CUSTOMER_ADMIN.email,
      name: CUSTOMER_ADMIN.name,
      kind: 'customer',
      memberships: [{ organization: CUSTOMER_ADMIN.organization, role: CUSTOMER_ADMIN.role }],
      note: CUSTOMER_NOTE,
    },
  ];
  return {
    url,
    identity: {
      ...keys(identity),
      issuer: identity.tokenIssuer,
      jwksUrl: `${url}/sso/jwks/${identity.clientId}`,
      impersonationsUrl: `${url}/x/gatehouse/impersonations`,
    },
    staffOrganizations,
    teams: suite.teams.map((t) => ({
      seedKey: t.seedKey,
      name: t.name,
      sandbox: keys(t.sandbox),
      production: keys(t.production),
    })),
    accounts,
    env: {
      WORKOS_API_URL: url,
      WORKOS_IDENTITY_API_KEY: identity.apiKey,
      WORKOS_IDENTITY_CLIENT_ID: identity.clientId,
      WORKOS_ISSUER: identity.tokenIssuer,
      GATEHOUSE_TEAMS: staffOrganizations.map((o) => o.id).join(','),
    },
  };
}

/** The description as text, for a person reading a terminal. */
export function formatEmulatorDescription(d: EmulatorDescription): string {
  const pad = (s: string, n: number) => s.padEnd(n);
  const emailWidth = Math.max(...d.accounts.map((a) => a.email.length)) + 2;
  const nameWidth = Math.max(...d.accounts.map((a) => a.name.length)) + 2;
  const idWidth = Math.max(...d.staffOrganizations.map((o) => o.id.length)) + 2;
  return [
    `Embedded WorkOS at ${d.url}  (one origin: the API key selects the environment)`,
    '',
    'Identity environment (people sign in here: AuthKit, Pipes)',
    `  API key:    ${d.identity.apiKey}`,
    `  Client id:  ${d.identity.clientId}`,
    `  Issuer:     ${d.identity.issuer}   (the iss of its access tokens: WORKOS_ISSUER)`,
    '  Staff teams (admit them with GATEHOUSE_TEAMS):',
    ...d.staffOrganizations.map((o) => `    ${pad(o.id, idWidth)}${o.name}`),
    '',
    "Managed environments (each team's customers)",
    ...d.teams.flatMap((t) => [
      `  ${t.name} (${t.seedKey})`,
      `    sandbox:     ${t.sandbox.apiKey}   (client id ${t.sandbox.clientId})`,
      `    production:  ${t.production.apiKey}   (client id ${t.production.clientId})`,
    ]),
    '',
    'Sign-in accounts',
    ...d.accounts.map((a) => {
      const roles = a.memberships.map((m) => `${m.role} of ${m.organization}`).join(', ');
      return `  ${pad(a.email, emailWidth)}${pad(a.name, nameWidth)}${roles}${a.note ? `   (${a.note})` : ''}`;
    }),
    '',
    `Impersonate a user at their next sign-in (the dashboard's "Impersonate user"): POST ${d.identity.impersonationsUrl}`,
    '  with the identity key and {"email": "...", "impersonator_email": "...", "reason": "..."}',
    '',
    'Gatehouse in live mode against it:',
    `  ${Object.entries(d.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} gatehouse serve`,
  ].join('\n');
}
