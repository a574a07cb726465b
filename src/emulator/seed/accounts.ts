/**
 * Who can sign in to Gatehouse in local mode: the staff teams (WorkOS organizations of the
 * identity environment), their people, and the roles and permissions their org-scoped access
 * tokens carry (docs/architecture.md "Trust model"). Also one customer admin Gatehouse must refuse (CUSTOMER_ADMIN).
 */
import type { Permission, RoleSlug } from '../../../db/schema/enums.ts';
import type { SeedMembership, SeedOrganization, SeedUser } from './types.ts';

export interface SeedPermission {
  slug: Permission;
  name: string;
  description: string;
}

export const SEED_PERMISSIONS: readonly SeedPermission[] = [
  { slug: 'workos:read', name: 'Read WorkOS', description: 'Use the list/get tools' },
  { slug: 'workos:write', name: 'Write WorkOS', description: 'Use the create/update/invite/delete tools' },
  {
    slug: 'workos:production',
    name: 'Production access',
    description: 'Switch to the production environment',
  },
  { slug: 'integrations:read', name: 'Read integrations', description: 'Read-only Pipes calls' },
  { slug: 'integrations:write', name: 'Write integrations', description: 'Writing Pipes calls' },
  { slug: 'approvals:approve', name: 'Approve requests', description: "Approve other people's requests" },
  { slug: 'gatehouse:admin', name: 'Gatehouse admin', description: 'Team settings, kill switch, all tokens' },
];

export interface SeedRole {
  slug: RoleSlug;
  name: string;
  permissions: Permission[];
}

/** Environment roles; with these, `authenticateWithRefreshToken({ organizationId })` carries role + permissions. */
export const SEED_ROLES: readonly SeedRole[] = [
  { slug: 'admin', name: 'Admin', permissions: SEED_PERMISSIONS.map((p) => p.slug) },
  {
    slug: 'member',
    name: 'Member',
    permissions: ['workos:read', 'workos:write', 'integrations:read', 'integrations:write'],
  },
  { slug: 'viewer', name: 'Viewer', permissions: ['workos:read', 'integrations:read'] },
];

export interface StaffOrg {
  name: string;
  externalId: string;
}

/** The primary staff team. */
export const DEMO_TEAM: StaffOrg = { name: 'Gatehouse Demo Team', externalId: 'gatehouse-demo-team' };
/** A second team, so that a person with two teams has to choose one. */
export const LABS_TEAM: StaffOrg = { name: 'Gatehouse Labs', externalId: 'gatehouse-labs' };
export const STAFF_ORGS: readonly StaffOrg[] = [DEMO_TEAM, LABS_TEAM];

export interface SeededAccount {
  email: string;
  name: string;
  /** Role in the account's first team. */
  role: RoleSlug;
  /** Names of the teams (organizations) the account belongs to, first = primary. */
  teams: string[];
}

/** The people the local "sign in as" picker and the start banner offer. */
export const SEEDED_ACCOUNTS: readonly SeededAccount[] = [
  { email: 'admin@demo.test', name: 'Ada Admin', role: 'admin', teams: [DEMO_TEAM.name, LABS_TEAM.name] },
  { email: 'member@demo.test', name: 'Max Member', role: 'member', teams: [DEMO_TEAM.name] },
  { email: 'viewer@demo.test', name: 'Vic Viewer', role: 'viewer', teams: [DEMO_TEAM.name] },
];

export const STAFF_USERS: SeedUser[] = [
  { email: 'admin@demo.test', first_name: 'Ada', last_name: 'Admin', external_id: 'demo-admin' },
  { email: 'member@demo.test', first_name: 'Max', last_name: 'Member', external_id: 'demo-member' },
  { email: 'viewer@demo.test', first_name: 'Vic', last_name: 'Viewer', external_id: 'demo-viewer' },
];

export const STAFF_ORGANIZATIONS: SeedOrganization[] = [
  {
    name: DEMO_TEAM.name,
    external_id: DEMO_TEAM.externalId,
    domains: [{ domain: 'demo.test', state: 'verified' }],
  },
  {
    name: LABS_TEAM.name,
    external_id: LABS_TEAM.externalId,
    domains: [{ domain: 'labs.demo.test', state: 'verified' }],
  },
];

export const STAFF_MEMBERSHIPS: SeedMembership[] = [
  { email: 'admin@demo.test', organization: DEMO_TEAM.name, role: 'admin' },
  { email: 'member@demo.test', organization: DEMO_TEAM.name, role: 'member' },
  { email: 'viewer@demo.test', organization: DEMO_TEAM.name, role: 'viewer' },
  // Ada is only a member in Labs: her role depends on the team she picks.
  { email: 'admin@demo.test', organization: LABS_TEAM.name, role: 'member' },
];

/**
 * A customer organization in the identity environment, not a staff team: the operator's AuthKit
 * app is also their product, and its customers sign in to it too. Alice is the admin of her own
 * organization there, and Gatehouse must refuse her all the same.
 */
export const CUSTOMER_ORG: StaffOrg = { name: 'Acme Corp', externalId: 'acme-corp' };

export interface CustomerAccount {
  email: string;
  name: string;
  /** Name of the (customer) organization the account belongs to. */
  organization: string;
  role: RoleSlug;
}

/** The customer admin of the identity environment (see CUSTOMER_ORG). */
export const CUSTOMER_ADMIN: CustomerAccount = {
  email: 'alice@acme.test',
  name: 'Alice Anders',
  organization: CUSTOMER_ORG.name,
  role: 'admin',
};

export const CUSTOMER_USERS: SeedUser[] = [
  { email: CUSTOMER_ADMIN.email, first_name: 'Alice', last_name: 'Anders' },
];

export const CUSTOMER_ORGANIZATIONS: SeedOrganization[] = [
  {
    name: CUSTOMER_ORG.name,
    external_id: CUSTOMER_ORG.externalId,
    domains: [{ domain: 'acme.test', state: 'verified' }],
  },
];

export const CUSTOMER_MEMBERSHIPS: SeedMembership[] = [
  { email: CUSTOMER_ADMIN.email, organization: CUSTOMER_ORG.name, role: CUSTOMER_ADMIN.role },
];
