/**
 * Feature flags in the demo sandbox, as WorkOS's Feature Flags API serves them
 * (https://workos.com/docs/reference/feature-flags: `slug`, `name`, `description`, `tags`,
 * `enabled` in the environment, `default_value` for whoever matches no targeting rule) and the
 * organizations targeted (https://workos.com/docs/reference/feature-flags/targeting). Flags are
 * created in the WorkOS dashboard, never through the API, so the seed is the only way a local
 * sandbox has any.
 */
export interface SeedFeatureFlag {
  slug: string;
  name: string;
  description: string | null;
  tags: string[];
  enabled: boolean;
  default_value: boolean;
  /** Organizations (by seed name) the flag is targeted at. */
  organizations: string[];
  createdDaysAgo: number;
}

export const SANDBOX_FEATURE_FLAGS: SeedFeatureFlag[] = [
  {
    slug: 'advanced-analytics',
    name: 'Advanced Analytics',
    description: 'The advanced analytics dashboard.',
    tags: ['beta'],
    enabled: true,
    default_value: false,
    organizations: ['Acme Corp'],
    createdDaysAgo: 20,
  },
  {
    slug: 'audit-export-v2',
    name: 'Audit Export v2',
    description: null,
    tags: [],
    enabled: false,
    default_value: true,
    organizations: [],
    createdDaysAgo: 5,
  },
];
