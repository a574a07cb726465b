/**
 * The identity environment: where people sign in (AuthKit) and connect their own accounts
 * (Pipes). It holds the staff teams and their people, the invitations to those teams, and one
 * customer organization that is not a staff team (CUSTOMER_ORG), as an operator's environment
 * whose AuthKit app is also their product does. No customer data of the teams' tools: that lives
 * in each team's managed environments.
 */
import {
  CUSTOMER_MEMBERSHIPS,
  CUSTOMER_ORGANIZATIONS,
  CUSTOMER_USERS,
  DEMO_TEAM,
  STAFF_MEMBERSHIPS,
  STAFF_ORGANIZATIONS,
  STAFF_USERS,
} from './accounts.ts';
import { CANARY_GITHUB_TOKEN, CANARY_LINEAR_TOKEN, CANARY_NOTION_TOKEN } from './canaries.ts';
import type { EnvironmentSeed } from './types.ts';

export const IDENTITY_SEED: EnvironmentSeed = {
  users: [...STAFF_USERS, ...CUSTOMER_USERS],
  organizations: [...STAFF_ORGANIZATIONS, ...CUSTOMER_ORGANIZATIONS],
  memberships: [...STAFF_MEMBERSHIPS, ...CUSTOMER_MEMBERSHIPS],
  connections: [],
  directories: [],
  invitations: [
    {
      email: 'newbie@demo.test',
      organization: DEMO_TEAM.name,
      role_slug: 'viewer',
      inviter: 'admin@demo.test',
      state: 'pending',
    },
    {
      email: 'late@demo.test',
      organization: DEMO_TEAM.name,
      role_slug: 'member',
      inviter: 'admin@demo.test',
      state: 'expired',
      sentDaysAgo: 9,
    },
  ],
  events: [],
  auditLogEvents: [],
  pipes: [
    {
      email: 'member@demo.test',
      provider: 'linear',
      state: 'connected',
      scopes: ['read', 'write'],
      account: 'max@demo-linear',
      access_token: CANARY_LINEAR_TOKEN,
    },
    {
      email: 'member@demo.test',
      provider: 'notion',
      state: 'needs_reauthorization',
      scopes: ['read_content'],
      missing_scopes: ['update_content', 'insert_content'],
      account: 'Max Member (Notion)',
      access_token: CANARY_NOTION_TOKEN,
    },
    {
      email: 'admin@demo.test',
      provider: 'github',
      state: 'connected',
      scopes: ['repo', 'read:org'],
      account: 'ada-admin',
      access_token: CANARY_GITHUB_TOKEN,
    },
  ],
};
