/**
 * The identity environment: where people sign in (AuthKit) and connect their own accounts
 * (Pipes). It holds the staff teams and their people, the invitations to those teams, and one
 * customer organization that is not a staff team (CUSTOMER_ORG), as an operator's environment
 * whose AuthKit app is also their product does. No customer data of the teams' tools: that lives
 * in each team's managed environments.
 */

import { ADA, DEMO_SNOWFLAKE_ACCOUNT, MAX, VIC } from '../providers/accounts.ts';
import {
  CUSTOMER_MEMBERSHIPS,
  CUSTOMER_ORGANIZATIONS,
  CUSTOMER_USERS,
  DEMO_TEAM,
  LABS_TEAM,
  STAFF_MEMBERSHIPS,
  STAFF_ORGANIZATIONS,
  STAFF_USERS,
} from './accounts.ts';
import {
  CANARY_GITHUB_TOKEN,
  CANARY_LINEAR_ADMIN_TOKEN,
  CANARY_LINEAR_LABS_TOKEN,
  CANARY_LINEAR_TOKEN,
  CANARY_NOTION_ADMIN_TOKEN,
  CANARY_NOTION_TOKEN,
  CANARY_SLACK_TOKEN,
  CANARY_SNOWFLAKE_TOKEN,
} from './canaries.ts';
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
  // Ada has every provider connected (her own, any team) plus a second Linear workspace scoped
  // to Gatehouse Labs; Max keeps the mixed states (Linear connected, Notion needing
  // re-authorization, the rest not installed); Vic disconnected his GitHub.
  pipes: [
    {
      email: 'member@demo.test',
      provider: 'linear',
      state: 'connected',
      scopes: ['read', 'write'],
      account: MAX.linear,
      access_token: CANARY_LINEAR_TOKEN,
    },
    {
      email: 'member@demo.test',
      provider: 'notion',
      state: 'needs_reauthorization',
      scopes: ['read_content'],
      account: MAX.notion,
      access_token: CANARY_NOTION_TOKEN,
    },
    {
      email: 'admin@demo.test',
      provider: 'linear',
      state: 'connected',
      scopes: ['read', 'write'],
      account: ADA.linear,
      access_token: CANARY_LINEAR_ADMIN_TOKEN,
    },
    {
      email: 'admin@demo.test',
      provider: 'linear',
      organization: LABS_TEAM.name,
      state: 'connected',
      scopes: ['read', 'write'],
      account: ADA.linearLabs,
      access_token: CANARY_LINEAR_LABS_TOKEN,
    },
    {
      email: 'admin@demo.test',
      provider: 'notion',
      state: 'connected',
      scopes: ['read_content', 'update_content', 'insert_content'],
      account: ADA.notion,
      access_token: CANARY_NOTION_ADMIN_TOKEN,
    },
    {
      email: 'admin@demo.test',
      provider: 'snowflake',
      state: 'connected',
      scopes: ['session:role:ANALYST'],
      account: ADA.snowflake,
      access_token: CANARY_SNOWFLAKE_TOKEN,
      config: { account: DEMO_SNOWFLAKE_ACCOUNT },
    },
    {
      // Granted without read:org: Pipes reports it missing, and only org endpoints need it.
      email: 'admin@demo.test',
      provider: 'github',
      state: 'connected',
      scopes: ['repo'],
      account: ADA.github,
      access_token: CANARY_GITHUB_TOKEN,
    },
    {
      email: 'admin@demo.test',
      provider: 'slack',
      state: 'connected',
      scopes: ['channels:read', 'channels:history', 'chat:write'],
      account: ADA.slack,
      access_token: CANARY_SLACK_TOKEN,
    },
    {
      email: 'viewer@demo.test',
      provider: 'github',
      state: 'disconnected',
      scopes: [],
      account: VIC.github,
      access_token: null,
    },
  ],
};
