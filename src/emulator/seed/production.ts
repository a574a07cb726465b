/**
 * The Demo team's managed production environment: entirely different customer companies from
 * its sandbox, so an answer can never be mistaken for the other environment's. No staff teams
 * and no Pipes connections: people sign in to the identity environment. Roles and permissions
 * are the same in every environment (added by `toEmulatorSeed`).
 */
import { CANARY_API_KEY, CANARY_CLIENT_SECRET, CANARY_PRIVATE_KEY } from './canaries.ts';
import type { EnvironmentSeed } from './types.ts';

const DAY = 24 * 60;

export const DEMO_PRODUCTION_SEED: EnvironmentSeed = {
  users: [
    { email: 'miles@cyberdyne.test', first_name: 'Miles', last_name: 'Dyson' },
    { email: 'eldon@tyrell.test', first_name: 'Eldon', last_name: 'Tyrell' },
    { email: 'rachael@tyrell.test', first_name: 'Rachael', last_name: 'Rosen' },
    { email: 'norman@oscorp.test', first_name: 'Norman', last_name: 'Osborn' },
  ],
  organizations: [
    {
      name: 'Cyberdyne Systems',
      external_id: 'cyberdyne',
      metadata: { tier: 'enterprise' },
      domains: [{ domain: 'cyberdyne.test', state: 'verified' }],
    },
    {
      name: 'Tyrell Corporation',
      external_id: 'tyrell',
      domains: [
        { domain: 'tyrell.test', state: 'verified' },
        { domain: 'tyrell-replicants.test', state: 'pending' },
      ],
    },
    {
      name: 'Soylent Foods',
      external_id: 'soylent',
      domains: [{ domain: 'soylent.test', state: 'pending' }],
    },
    {
      name: 'Oscorp',
      external_id: 'oscorp',
      metadata: { deploy_key: CANARY_API_KEY, client_secret: CANARY_CLIENT_SECRET },
      domains: [{ domain: 'oscorp.test', state: 'verified' }],
    },
  ],
  memberships: [
    { email: 'miles@cyberdyne.test', organization: 'Cyberdyne Systems', role: 'admin' },
    { email: 'eldon@tyrell.test', organization: 'Tyrell Corporation', role: 'admin' },
    { email: 'rachael@tyrell.test', organization: 'Tyrell Corporation', role: 'member' },
    { email: 'norman@oscorp.test', organization: 'Oscorp', role: 'admin' },
  ],
  connections: [
    {
      name: 'Cyberdyne Okta SAML',
      organization: 'Cyberdyne Systems',
      connection_type: 'OktaSAML',
      state: 'active',
      domains: ['cyberdyne.test'],
    },
    {
      name: 'Tyrell Entra ID SAML',
      organization: 'Tyrell Corporation',
      connection_type: 'AzureSAML',
      state: 'active',
      domains: ['tyrell.test'],
    },
    {
      name: 'Soylent Google OAuth',
      organization: 'Soylent Foods',
      connection_type: 'GoogleOAuth',
      state: 'draft',
      domains: ['soylent.test'],
    },
    {
      name: 'Oscorp ADFS',
      organization: 'Oscorp',
      connection_type: 'ADFSSAML',
      state: 'inactive',
      domains: ['oscorp.test'],
    },
  ],
  directories: [
    {
      name: 'Cyberdyne Okta SCIM',
      organization: 'Cyberdyne Systems',
      type: 'okta scim v2.0',
      domain: 'cyberdyne.test',
      state: 'linked',
      lastSyncMinutesAgo: 5,
      createdDaysAgo: 300,
      groups: [{ name: 'Research' }],
      users: [
        { email: 'miles@cyberdyne.test', first_name: 'Miles', last_name: 'Dyson', groups: ['Research'] },
      ],
    },
    {
      name: 'Tyrell Entra ID',
      organization: 'Tyrell Corporation',
      type: 'azure scim v2.0',
      domain: 'tyrell.test',
      state: 'linked',
      lastSyncMinutesAgo: 2 * DAY + 60,
      createdDaysAgo: 250,
      groups: [{ name: 'Executives' }],
      users: [
        {
          email: 'eldon@tyrell.test',
          first_name: 'Eldon',
          last_name: 'Tyrell',
          groups: ['Executives'],
          raw_attributes: { signing_key: CANARY_PRIVATE_KEY },
        },
        { email: 'rachael@tyrell.test', first_name: 'Rachael', last_name: 'Rosen', groups: ['Executives'] },
      ],
    },
    {
      name: 'Oscorp Workday',
      organization: 'Oscorp',
      type: 'workday',
      domain: 'oscorp.test',
      state: 'unlinked',
      lastSyncMinutesAgo: 30 * DAY,
      createdDaysAgo: 500,
      groups: [],
      users: [],
    },
  ],
  invitations: [
    {
      email: 'sarah@cyberdyne.test',
      organization: 'Cyberdyne Systems',
      role_slug: 'member',
      state: 'pending',
    },
    {
      email: 'roy@tyrell.test',
      organization: 'Tyrell Corporation',
      role_slug: 'member',
      state: 'expired',
      sentDaysAgo: 15,
    },
  ],
  events: [
    {
      kind: 'authentication',
      type: 'sso',
      status: 'succeeded',
      minutesAgo: 20,
      email: 'miles@cyberdyne.test',
      organization: 'Cyberdyne Systems',
      connection: 'Cyberdyne Okta SAML',
      ip_address: '198.51.100.60',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/127.0',
    },
    {
      kind: 'authentication',
      type: 'sso',
      status: 'succeeded',
      minutesAgo: 120,
      email: 'eldon@tyrell.test',
      organization: 'Tyrell Corporation',
      connection: 'Tyrell Entra ID SAML',
      ip_address: '198.51.100.61',
      user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15',
    },
  ],
  auditLogEvents: [
    {
      organization: 'Cyberdyne Systems',
      action: 'model.deployed',
      minutesAgo: 3 * 60,
      actor: { id: 'cd_user_miles', name: 'Miles Dyson', type: 'user' },
      targets: [{ id: 'model_t800', name: 'T-800', type: 'model' }],
      location: '198.51.100.60',
    },
    {
      organization: 'Cyberdyne Systems',
      action: 'user.signed_in',
      minutesAgo: 2 * DAY,
      actor: { id: 'cd_user_miles', name: 'Miles Dyson', type: 'user' },
      targets: [],
      location: '198.51.100.60',
    },
  ],
  pipes: [],
};
