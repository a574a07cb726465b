/**
 * The Labs team's managed environments: small, and with customers of their own (no organization,
 * person or domain in common with the Demo team's), so that an answer from one team's
 * environment can never be mistaken for the other team's.
 */
import type { EnvironmentSeed } from './types.ts';

const DAY = 24 * 60;
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0';

export const LABS_SANDBOX_SEED: EnvironmentSeed = {
  users: [
    { email: 'gavin@hooli.test', first_name: 'Gavin', last_name: 'Belson' },
    { email: 'richard@piedpiper.test', first_name: 'Richard', last_name: 'Hendricks' },
    { email: 'dinesh@piedpiper.test', first_name: 'Dinesh', last_name: 'Chugtai' },
  ],
  organizations: [
    {
      name: 'Hooli',
      external_id: 'hooli',
      metadata: { tier: 'enterprise' },
      domains: [{ domain: 'hooli.test', state: 'verified' }],
    },
    {
      name: 'Pied Piper',
      external_id: 'pied-piper',
      metadata: { tier: 'startup' },
      domains: [
        { domain: 'piedpiper.test', state: 'verified' },
        { domain: 'middle-out.test', state: 'pending' },
      ],
    },
  ],
  memberships: [
    { email: 'gavin@hooli.test', organization: 'Hooli', role: 'admin' },
    { email: 'richard@piedpiper.test', organization: 'Pied Piper', role: 'admin' },
    { email: 'dinesh@piedpiper.test', organization: 'Pied Piper', role: 'member' },
  ],
  connections: [
    {
      name: 'Hooli Okta SAML',
      organization: 'Hooli',
      connection_type: 'OktaSAML',
      state: 'active',
      domains: ['hooli.test'],
    },
  ],
  directories: [
    {
      name: 'Pied Piper Google Workspace',
      organization: 'Pied Piper',
      type: 'gsuite directory',
      domain: 'piedpiper.test',
      state: 'linked',
      lastSyncMinutesAgo: 40,
      createdDaysAgo: 60,
      groups: [{ name: 'Compression' }],
      users: [
        {
          email: 'richard@piedpiper.test',
          first_name: 'Richard',
          last_name: 'Hendricks',
          groups: ['Compression'],
        },
        {
          email: 'dinesh@piedpiper.test',
          first_name: 'Dinesh',
          last_name: 'Chugtai',
          groups: ['Compression'],
        },
        { email: 'gilfoyle@piedpiper.test', first_name: 'Bertram', last_name: 'Gilfoyle', groups: [] },
      ],
    },
  ],
  invitations: [
    {
      email: 'jared@piedpiper.test',
      organization: 'Pied Piper',
      role_slug: 'member',
      inviter: 'richard@piedpiper.test',
      state: 'pending',
    },
  ],
  events: [
    {
      kind: 'authentication',
      type: 'sso',
      status: 'succeeded',
      minutesAgo: 45,
      email: 'gavin@hooli.test',
      organization: 'Hooli',
      connection: 'Hooli Okta SAML',
      ip_address: '192.0.2.40',
      user_agent: FIREFOX_LINUX,
    },
  ],
  auditLogEvents: [
    {
      organization: 'Pied Piper',
      action: 'compression.benchmarked',
      minutesAgo: 2 * DAY,
      actor: { id: 'pp_user_richard', name: 'Richard Hendricks', type: 'user' },
      targets: [{ id: 'algo_middle_out', name: 'Middle-out', type: 'algorithm' }],
      location: '192.0.2.41',
    },
  ],
  pipes: [],
};

export const LABS_PRODUCTION_SEED: EnvironmentSeed = {
  users: [
    { email: 'nina@massivedynamic.test', first_name: 'Nina', last_name: 'Sharp' },
    { email: 'cave@aperture.test', first_name: 'Cave', last_name: 'Johnson' },
    { email: 'caroline@aperture.test', first_name: 'Caroline', last_name: 'Finch' },
  ],
  organizations: [
    {
      name: 'Massive Dynamic',
      external_id: 'massive-dynamic',
      metadata: { tier: 'enterprise' },
      domains: [{ domain: 'massivedynamic.test', state: 'verified' }],
    },
    {
      name: 'Aperture Science',
      external_id: 'aperture-science',
      domains: [
        { domain: 'aperture.test', state: 'verified' },
        { domain: 'aperture-labs.test', state: 'pending' },
      ],
    },
  ],
  memberships: [
    { email: 'nina@massivedynamic.test', organization: 'Massive Dynamic', role: 'admin' },
    { email: 'cave@aperture.test', organization: 'Aperture Science', role: 'admin' },
    { email: 'caroline@aperture.test', organization: 'Aperture Science', role: 'member' },
  ],
  connections: [
    {
      name: 'Aperture Entra ID SAML',
      organization: 'Aperture Science',
      connection_type: 'AzureSAML',
      state: 'active',
      domains: ['aperture.test'],
    },
  ],
  directories: [],
  invitations: [
    {
      email: 'walter@massivedynamic.test',
      organization: 'Massive Dynamic',
      role_slug: 'member',
      inviter: 'nina@massivedynamic.test',
      state: 'pending',
    },
  ],
  events: [],
  auditLogEvents: [],
  pipes: [],
};
