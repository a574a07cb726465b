/**
 * The Demo team's managed sandbox environment: a handful of customer organizations in every
 * state an admin tool has to explain (verified and pending domains, active/draft/inactive SSO,
 * pending and expired invitations, healthy, stale and unlinked directories). No staff team and
 * no Pipes: those live in the identity environment.
 */
import { CANARY_API_KEY, CANARY_CLIENT_SECRET, CANARY_JWT } from './canaries.ts';
import { SANDBOX_DIRECTORIES, SANDBOX_EVENTS } from './sandbox-activity.ts';
import { SANDBOX_AUDIT_LOG_EVENTS } from './sandbox-audit-logs.ts';
import { SANDBOX_FEATURE_FLAGS } from './sandbox-flags.ts';
import { SANDBOX_RADAR } from './sandbox-radar.ts';
import type { EnvironmentSeed } from './types.ts';

/** Contains markup on purpose: every page that shows it must escape it. */
export const HTML_ORG_NAME = 'Evil <script>alert(1)</script> Corp';

export const DEMO_SANDBOX_SEED: EnvironmentSeed = {
  users: [
    { email: 'alice@acme.test', first_name: 'Alice', last_name: 'Anders' },
    { email: 'bob@acme.test', first_name: 'Bob', last_name: 'Brown', metadata: { legacy_token: CANARY_JWT } },
    { email: 'grace@globaltech.test', first_name: 'Grace', last_name: 'Green' },
    { email: 'tony@stark.test', first_name: 'Tony', last_name: 'Stark' },
    { email: 'pepper@stark.test', first_name: 'Pepper', last_name: 'Potts' },
    { email: 'peter@initech.test', first_name: 'Peter', last_name: 'Gibbons' },
    { email: 'bruce@wayne.test', first_name: 'Bruce', last_name: 'Wayne' },
  ],
  organizations: [
    {
      name: 'Acme Corp',
      external_id: 'acme-corp',
      metadata: { tier: 'enterprise', region: 'us-east-1' },
      domains: [
        { domain: 'acme.test', state: 'verified' },
        { domain: 'acme-corp.test', state: 'pending' },
      ],
    },
    {
      name: 'Global Tech',
      external_id: 'global-tech',
      metadata: { tier: 'growth' },
      domains: [{ domain: 'globaltech.test', state: 'verified' }],
    },
    {
      name: 'Stark Industries',
      external_id: 'stark-industries',
      metadata: { tier: 'enterprise' },
      domains: [
        { domain: 'stark.test', state: 'verified' },
        { domain: 'starkindustries.test', state: 'pending' },
      ],
    },
    { name: 'Initech', external_id: 'initech', domains: [{ domain: 'initech.test', state: 'pending' }] },
    {
      name: 'Umbrella Health',
      external_id: 'umbrella-health',
      // Secrets pasted into free-text metadata, as happens in real accounts.
      metadata: {
        sso_setup_notes: `Okta admin API key: ${CANARY_API_KEY}`,
        client_secret: CANARY_CLIENT_SECRET,
      },
      domains: [{ domain: 'umbrella.test', state: 'verified' }],
    },
    {
      name: 'Wayne Enterprises',
      external_id: 'wayne-enterprises',
      domains: [{ domain: 'wayne.test', state: 'verified' }],
    },
    {
      name: HTML_ORG_NAME,
      external_id: 'evil-corp',
      metadata: { note: '<img src=x onerror=alert(2)>' },
      domains: [{ domain: 'evil.test', state: 'pending' }],
    },
  ],
  memberships: [
    { email: 'alice@acme.test', organization: 'Acme Corp', role: 'admin' },
    { email: 'bob@acme.test', organization: 'Acme Corp', role: 'member' },
    { email: 'grace@globaltech.test', organization: 'Global Tech', role: 'admin' },
    { email: 'tony@stark.test', organization: 'Stark Industries', role: 'admin' },
    { email: 'pepper@stark.test', organization: 'Stark Industries', role: 'member' },
    { email: 'peter@initech.test', organization: 'Initech', role: 'member' },
    { email: 'bruce@wayne.test', organization: 'Wayne Enterprises', role: 'admin' },
  ],
  connections: [
    {
      name: 'Acme Okta SAML',
      organization: 'Acme Corp',
      connection_type: 'OktaSAML',
      state: 'active',
      domains: ['acme.test'],
    },
    {
      name: 'Acme Google Workspace',
      organization: 'Acme Corp',
      connection_type: 'GoogleOAuth',
      state: 'inactive',
      domains: ['acme.test'],
    },
    {
      name: 'Global Tech Entra ID SAML',
      organization: 'Global Tech',
      connection_type: 'AzureSAML',
      state: 'active',
      domains: ['globaltech.test'],
    },
    {
      name: 'Stark Industries Okta',
      organization: 'Stark Industries',
      connection_type: 'OktaSAML',
      state: 'active',
      domains: ['stark.test'],
    },
    {
      name: 'Initech Entra ID OIDC',
      organization: 'Initech',
      connection_type: 'GenericOIDC',
      state: 'draft',
      domains: ['initech.test'],
    },
    {
      name: 'Umbrella PingFederate',
      organization: 'Umbrella Health',
      connection_type: 'PingFederateSAML',
      state: 'draft',
      domains: ['umbrella.test'],
    },
    {
      name: 'Wayne ADFS',
      organization: 'Wayne Enterprises',
      connection_type: 'ADFSSAML',
      state: 'inactive',
      domains: ['wayne.test'],
    },
    {
      name: `${HTML_ORG_NAME} SAML`,
      organization: HTML_ORG_NAME,
      connection_type: 'GenericSAML',
      state: 'draft',
      domains: ['evil.test'],
    },
  ],
  directories: SANDBOX_DIRECTORIES,
  invitations: [
    {
      email: 'carol.new@acme.test',
      organization: 'Acme Corp',
      role_slug: 'member',
      inviter: 'alice@acme.test',
      state: 'pending',
    },
    {
      email: 'newhire@globaltech.test',
      organization: 'Global Tech',
      role_slug: 'member',
      inviter: 'grace@globaltech.test',
      state: 'pending',
    },
    {
      email: 'contractor@stark.test',
      organization: 'Stark Industries',
      role_slug: 'member',
      state: 'pending',
    },
    {
      email: 'old.contact@acme.test',
      organization: 'Acme Corp',
      role_slug: 'member',
      state: 'expired',
      sentDaysAgo: 20,
    },
    {
      email: 'former@initech.test',
      organization: 'Initech',
      role_slug: 'member',
      state: 'expired',
      sentDaysAgo: 12,
    },
  ],
  events: SANDBOX_EVENTS,
  radar: SANDBOX_RADAR,
  featureFlags: SANDBOX_FEATURE_FLAGS,
  auditLogEvents: SANDBOX_AUDIT_LOG_EVENTS,
  pipes: [],
};
