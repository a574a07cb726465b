import type { Directory, DirectoryGroup, DirectoryUserWithGroups } from '@workos-inc/node';
import { z } from 'zod';

/** A directory whose last sync is older than this is flagged as stale. */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

export const directoryShape = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string().describe('The directory provider, e.g. "okta scim v2.0", "azure scim v2.0", "workday".'),
  state: z
    .string()
    .describe(
      'active (linked to the provider), inactive (unlinked), validating, invalid_credentials or deleting.',
    ),
  domain: z.string().nullable(),
  organization_id: z.string().nullable(),
  last_sync_at: z.string().describe("The directory's updated_at: when the provider last synced it."),
  stale: z.boolean().describe('True when the last sync is more than 24 hours ago.'),
  created_at: z.string(),
});
export type DirectoryShape = z.infer<typeof directoryShape>;

export function isStale(updatedAt: string, now: number): boolean {
  const at = Date.parse(updatedAt);
  return Number.isFinite(at) && now - at > STALE_AFTER_MS;
}

export function toDirectory(d: Directory, now: number): DirectoryShape {
  return {
    id: d.id,
    name: d.name,
    type: String(d.type),
    state: d.state,
    domain: d.domain || null,
    organization_id: d.organizationId ?? null,
    last_sync_at: d.updatedAt,
    stale: isStale(d.updatedAt, now),
    created_at: d.createdAt,
  };
}

/** "3 hours", "4 days": how long ago, for sentences. */
export function ago(iso: string, now: number): string {
  const ms = Math.max(0, now - Date.parse(iso));
  const minutes = Math.round(ms / 60_000);
  if (minutes < 90) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}

export const groupShape = z.object({
  id: z.string(),
  name: z.string(),
  directory_id: z.string(),
  organization_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

/** A group without its raw provider attributes. */
export function toGroup(g: DirectoryGroup): z.infer<typeof groupShape> {
  return {
    id: g.id,
    name: g.name,
    directory_id: g.directoryId,
    organization_id: g.organizationId ?? null,
    created_at: g.createdAt,
    updated_at: g.updatedAt,
  };
}

export const directoryUserShape = z.object({
  id: z.string(),
  name: z.string(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  email: z.string().nullable(),
  state: z.string().describe('active or inactive (deprovisioned in the provider).'),
  job_title: z.string().nullable(),
  department: z.string().nullable(),
  directory_id: z.string(),
  organization_id: z.string().nullable(),
  updated_at: z.string(),
});

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v : null);

/**
 * A directory user: identity and state. Raw provider attributes are left out (they carry
 * whatever the IdP sends); of the custom attributes only job title and department. Its `groups`
 * are left out too: WorkOS deprecated the field, and teams created on or after May 1, 2026 get
 * `groups: []` whatever the memberships (https://workos.com/docs/reference/directory-sync/directory-user),
 * so an empty list would read as "in no group". A user's groups come from List Directory Groups
 * with `user` (list_directory_groups { user_id }).
 */
export function toDirectoryUser(u: DirectoryUserWithGroups): z.infer<typeof directoryUserShape> {
  const custom = (u.customAttributes ?? {}) as Record<string, unknown>;
  const name = [u.firstName, u.lastName].filter(Boolean).join(' ') || u.email || u.id;
  return {
    id: u.id,
    name,
    first_name: u.firstName,
    last_name: u.lastName,
    email: u.email,
    state: u.state,
    job_title: text(custom.job_title),
    department: text(custom.department),
    directory_id: u.directoryId,
    organization_id: u.organizationId ?? null,
    updated_at: u.updatedAt,
  };
}
