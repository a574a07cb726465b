/**
 * The declarative shape of one environment's demo data. Objects refer to each other by name or
 * email (ids are random at every start); `materialize.ts` resolves them once the emulator runs.
 * Times are relative (`minutesAgo`) so the data looks the same, relative to now, at every start.
 */
import type { SeedFeatureFlag } from './sandbox-flags.ts';
import type { SeedRadarDetection } from './sandbox-radar.ts';

export interface SeedUser {
  email: string;
  first_name: string;
  last_name: string;
  external_id?: string;
  metadata?: Record<string, string>;
}

export interface SeedOrganization {
  name: string;
  external_id: string;
  metadata?: Record<string, string>;
  domains: { domain: string; state: 'verified' | 'pending' }[];
}

export interface SeedMembership {
  email: string;
  organization: string;
  role: 'admin' | 'member' | 'viewer';
}

export interface SeedConnection {
  name: string;
  organization: string;
  connection_type:
    | 'OktaSAML'
    | 'AzureSAML'
    | 'GenericOIDC'
    | 'GoogleOAuth'
    | 'GenericSAML'
    | 'ADFSSAML'
    | 'PingFederateSAML';
  /** `draft` is a real WorkOS state the emulator's seed type omits but stores as given. */
  state: 'active' | 'inactive' | 'draft' | 'validating';
  domains: string[];
}

export interface SeedDirectoryGroup {
  name: string;
  raw_attributes?: Record<string, unknown>;
}

export interface SeedDirectoryUser {
  email: string;
  first_name: string;
  last_name: string;
  state?: 'active' | 'inactive';
  groups: string[];
  custom_attributes?: Record<string, unknown>;
  raw_attributes?: Record<string, unknown>;
}

export interface SeedDirectory {
  name: string;
  organization: string;
  type: string;
  domain: string;
  state: 'linked' | 'unlinked';
  /**
   * When the provider last provisioned a change. WorkOS publishes no last-sync time: a sync
   * shows as the dsync.* events it causes, so this becomes a `dsync.user.updated` event.
   */
  lastSyncMinutesAgo: number;
  /** When the directory object itself last changed (its `updated_at`; default: its creation). */
  updatedMinutesAgo?: number;
  createdDaysAgo: number;
  groups: SeedDirectoryGroup[];
  users: SeedDirectoryUser[];
}

export interface SeedInvitation {
  email: string;
  organization: string;
  role_slug: string;
  inviter?: string;
  /** Pending ones go through the emulator's API; expired ones into the overlay. */
  state: 'pending' | 'expired';
  /** For expired invitations: when it was sent. It expired 7 days later. */
  sentDaysAgo?: number;
}

export interface SeedAuthEvent {
  kind: 'authentication';
  type: 'sso' | 'password' | 'oauth';
  status: 'succeeded' | 'failed';
  minutesAgo: number;
  email: string;
  /** For SSO events: the organization and connection, by name. */
  organization?: string;
  connection?: string;
  ip_address: string;
  user_agent: string;
  error?: { code: string; message: string };
}

export interface SeedConnectionEvent {
  kind: 'connection';
  event: 'connection.activated' | 'connection.deactivated';
  minutesAgo: number;
  connection: string;
}

export type SeedEvent = SeedAuthEvent | SeedConnectionEvent;

export interface SeedAuditLogEvent {
  organization: string;
  action: string;
  minutesAgo: number;
  actor: { id: string; name: string; type: string; metadata?: Record<string, unknown> };
  targets: { id: string; name?: string; type: string }[];
  location: string;
  user_agent?: string;
  metadata?: Record<string, unknown>;
}

export interface SeedPipeConnection {
  email: string;
  provider: string;
  state: 'connected' | 'needs_reauthorization' | 'disconnected';
  /** Granted scopes; the integration's others are reported as `missing_scopes`. */
  scopes: string[];
  account: string;
  /** The provider token Pipes vends; a canary, since an agent must never see it. None once disconnected. */
  access_token: string | null;
  /** Scoped to this organization (by name) instead of being the user's own. */
  organization?: string;
  /** Provider-declared connection settings (a Snowflake `account`). */
  config?: Record<string, string>;
}

export interface EnvironmentSeed {
  users: SeedUser[];
  organizations: SeedOrganization[];
  memberships: SeedMembership[];
  connections: SeedConnection[];
  directories: SeedDirectory[];
  invitations: SeedInvitation[];
  events: SeedEvent[];
  auditLogEvents: SeedAuditLogEvent[];
  pipes: SeedPipeConnection[];
  /** Radar detections and their risk events (sandbox-radar.ts). */
  radar?: SeedRadarDetection[];
  /** Feature flags and the organizations they target (sandbox-flags.ts). */
  featureFlags?: SeedFeatureFlag[];
}
