/**
 * Sandbox activity: directories (one healthy, one stale, one unlinked) and the sign-in history
 * (Stark Industries cannot sign in with SSO since its IdP certificate expired).
 */
import { CANARY_API_KEY, CANARY_CLIENT_SECRET, CANARY_JWT, CANARY_PRIVATE_KEY } from './canaries.ts';
import type { SeedAuthEvent, SeedDirectory, SeedEvent } from './types.ts';

export const HOUR = 60;
export const DAY = 24 * HOUR;

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
export const EDGE_WIN =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0';

export const SANDBOX_DIRECTORIES: SeedDirectory[] = [
  {
    name: 'Acme Okta SCIM',
    organization: 'Acme Corp',
    type: 'okta scim v2.0',
    domain: 'acme.test',
    state: 'linked',
    lastSyncMinutesAgo: 12,
    createdDaysAgo: 200,
    groups: [{ name: 'Engineering' }, { name: 'Sales' }, { name: 'Acme Admins' }],
    users: [
      {
        email: 'alice@acme.test',
        first_name: 'Alice',
        last_name: 'Anders',
        groups: ['Engineering', 'Acme Admins'],
        custom_attributes: { department: 'Engineering', job_title: 'VP Engineering' },
      },
      {
        email: 'bob@acme.test',
        first_name: 'Bob',
        last_name: 'Brown',
        groups: ['Sales'],
        custom_attributes: { department: 'Sales', job_title: 'Account Executive' },
      },
      {
        email: 'carol@acme.test',
        first_name: 'Carol',
        last_name: 'Chen',
        groups: ['Engineering'],
        custom_attributes: {
          department: 'Engineering',
          job_title: 'Staff Engineer',
          employee_api_token: CANARY_JWT,
        },
        raw_attributes: { x509_private_key: CANARY_PRIVATE_KEY },
      },
      {
        email: 'dave@acme.test',
        first_name: 'Dave',
        last_name: 'Diaz',
        state: 'inactive',
        groups: ['Sales'],
      },
      { email: 'erin@acme.test', first_name: 'Erin', last_name: 'Evans', groups: ['Engineering'] },
    ],
  },
  {
    name: 'Global Tech Entra ID',
    organization: 'Global Tech',
    type: 'azure scim v2.0',
    domain: 'globaltech.test',
    state: 'linked',
    lastSyncMinutesAgo: 4 * DAY + 3 * HOUR,
    // Renamed in the dashboard two hours ago: a change to the directory, not a sync.
    updatedMinutesAgo: 2 * HOUR,
    createdDaysAgo: 150,
    groups: [
      {
        name: 'IT Admins',
        raw_attributes: { client_secret: CANARY_CLIENT_SECRET, service_account_key: CANARY_API_KEY },
      },
      { name: 'All Staff' },
    ],
    users: [
      {
        email: 'grace@globaltech.test',
        first_name: 'Grace',
        last_name: 'Green',
        groups: ['IT Admins', 'All Staff'],
      },
      { email: 'henry@globaltech.test', first_name: 'Henry', last_name: 'Hughes', groups: ['All Staff'] },
      { email: 'ivy@globaltech.test', first_name: 'Ivy', last_name: 'Ito', groups: ['All Staff'] },
    ],
  },
  {
    name: 'Wayne Workday',
    organization: 'Wayne Enterprises',
    type: 'workday',
    domain: 'wayne.test',
    state: 'unlinked',
    lastSyncMinutesAgo: 21 * DAY,
    createdDaysAgo: 400,
    groups: [{ name: 'Board' }],
    users: [
      { email: 'bruce@wayne.test', first_name: 'Bruce', last_name: 'Wayne', groups: ['Board'] },
      { email: 'lucius@wayne.test', first_name: 'Lucius', last_name: 'Fox', groups: ['Board'] },
    ],
  },
];

// Failed SSO sign-ins carry WorkOS's documented codes
// (https://workos.com/docs/reference/sso/get-authorization-url, "Error codes"): an IdP-side SAML
// failure is server_error, "SSO authentication failed", its message saying what went wrong.
const EXPIRED_CERT = {
  code: 'server_error',
  message:
    "The SAML response was signed with an IdP certificate that has expired. Upload the identity provider's renewed signing certificate to the connection.",
};
const BAD_SIGNATURE = {
  code: 'server_error',
  message:
    'Invalid SAML response: the signature does not match the X.509 certificate configured on the connection.',
};
const BAD_AUDIENCE = {
  code: 'server_error',
  message:
    "Invalid SAML response: the audience restriction 'https://stark.okta.test/saml' does not match the connection's SP entity ID.",
};
const OUTSIDE_ORG = {
  code: 'profile_not_allowed_outside_organization',
  message: "The profile's email domain gmail.test is not a verified domain of the organization.",
};

const starkFailure = (
  minutesAgo: number,
  email: string,
  ip: string,
  error: SeedAuthEvent['error'],
): SeedEvent => ({
  kind: 'authentication',
  type: 'sso',
  status: 'failed',
  minutesAgo,
  email,
  organization: 'Stark Industries',
  connection: 'Stark Industries Okta',
  ip_address: ip,
  user_agent: CHROME_MAC,
  error,
});

const ssoSuccess = (
  minutesAgo: number,
  email: string,
  organization: string,
  connection: string,
): SeedEvent => ({
  kind: 'authentication',
  type: 'sso',
  status: 'succeeded',
  minutesAgo,
  email,
  organization,
  connection,
  ip_address: '198.51.100.23',
  user_agent: EDGE_WIN,
});

export const SANDBOX_EVENTS: SeedEvent[] = [
  starkFailure(35, 'tony@stark.test', '203.0.113.10', EXPIRED_CERT),
  starkFailure(50, 'pepper@stark.test', '203.0.113.11', EXPIRED_CERT),
  starkFailure(90, 'happy@stark.test', '203.0.113.12', BAD_SIGNATURE),
  starkFailure(6 * HOUR, 'tony@stark.test', '203.0.113.10', EXPIRED_CERT),
  starkFailure(20 * HOUR, 'rhodey@stark.test', '203.0.113.14', BAD_AUDIENCE),
  starkFailure(26 * HOUR, 'pepper@stark.test', '203.0.113.11', EXPIRED_CERT),
  starkFailure(2 * DAY, 'tony.personal@gmail.test', '192.0.2.77', OUTSIDE_ORG),
  // It used to work: the last success predates the certificate's expiry.
  ssoSuccess(4 * DAY, 'tony@stark.test', 'Stark Industries', 'Stark Industries Okta'),
  ssoSuccess(15, 'alice@acme.test', 'Acme Corp', 'Acme Okta SAML'),
  ssoSuccess(3 * HOUR, 'bob@acme.test', 'Acme Corp', 'Acme Okta SAML'),
  ssoSuccess(30 * HOUR, 'carol@acme.test', 'Acme Corp', 'Acme Okta SAML'),
  ssoSuccess(5 * HOUR, 'grace@globaltech.test', 'Global Tech', 'Global Tech Entra ID SAML'),
  {
    kind: 'authentication',
    type: 'password',
    status: 'succeeded',
    minutesAgo: HOUR,
    email: 'admin@demo.test',
    ip_address: '198.51.100.7',
    user_agent: CHROME_MAC,
  },
  {
    kind: 'authentication',
    type: 'password',
    status: 'failed',
    minutesAgo: 2 * HOUR,
    email: 'viewer@demo.test',
    ip_address: '198.51.100.9',
    user_agent: CHROME_MAC,
    error: { code: 'invalid_credentials', message: 'Invalid credentials.' },
  },
  {
    kind: 'authentication',
    type: 'oauth',
    status: 'succeeded',
    minutesAgo: 25 * HOUR,
    email: 'member@demo.test',
    ip_address: '198.51.100.8',
    user_agent: EDGE_WIN,
  },
  { kind: 'connection', event: 'connection.deactivated', minutesAgo: 3 * DAY, connection: 'Wayne ADFS' },
  {
    kind: 'connection',
    event: 'connection.activated',
    minutesAgo: 20 * DAY,
    connection: 'Global Tech Entra ID SAML',
  },
];
