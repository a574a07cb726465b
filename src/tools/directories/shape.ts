import type { DirectoryGroupResponse, DirectoryResponse, DirectoryUserResponse } from '@workos-inc/node';
import { z } from 'zod';
import { type DirectoryActivity, SYNC_SIGNAL } from './activity.ts';

/** A linked directory without provisioning activity for longer than this is flagged as stale. */
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
  last_activity_at: z
    .string()
    .nullable()
    .describe(
      'When WorkOS last recorded provisioning activity for it: its newest dsync.* event (the Events API keeps 30 days). Null: none in that window. WorkOS publishes no last-sync time; a directory with nothing to change emits nothing.',
    ),
  last_activity_event: z.string().nullable().describe('That event, e.g. "dsync.user.updated".'),
  stale: z
    .boolean()
    .describe(
      'True when it is linked (active) but WorkOS recorded no provisioning activity for it in the last 24 hours (see last_activity_at): worth checking in the provider, though a quiet directory looks the same.',
    ),
  sync_signal: z.string().describe('Where last_activity_at and stale come from.'),
  updated_at: z
    .string()
    .describe('When the directory object itself last changed (name, state): not a sync time.'),
  created_at: z.string(),
});
export type DirectoryShape = z.infer<typeof directoryShape>;

/** Linked, and no provisioning activity within STALE_AFTER_MS (none at all counts). */
export function isStale(state: string, activity: DirectoryActivity | undefined, now: number): boolean {
  if (state !== 'active') return false;
  const at = activity ? Date.parse(activity.at) : Number.NaN;
  return !Number.isFinite(at) || now - at > STALE_AFTER_MS;
}

/**
 * A directory's state in the words the tools use: WorkOS answers `linked`/`unlinked` for what its
 * dashboard calls active/inactive, and @workos-inc/node reads them so (its
 * `deserializeDirectoryState`; https://workos.com/docs/reference/directory-sync/directory).
 */
export function directoryState(state: string): string {
  if (state === 'linked') return 'active';
  if (state === 'unlinked') return 'inactive';
  return state;
}

/** From WorkOS's Directory object (the SDK's `DirectoryResponse`). */
export function toDirectory(
  d: DirectoryResponse,
  now: number,
  activity: DirectoryActivity | undefined,
): DirectoryShape {
  const state = directoryState(d.state);
  return {
    id: d.id,
    name: d.name,
    type: String(d.type),
    state,
    domain: d.domain || null,
    organization_id: d.organization_id ?? null,
    last_activity_at: activity?.at ?? null,
    last_activity_event: activity?.event ?? null,
    stale: isStale(state, activity, now),
    sync_signal: SYNC_SIGNAL,
    updated_at: d.updated_at,
    created_at: d.created_at,
  };
}

/** "synced 12 minutes ago", "no provisioning activity in the last 30 days", for sentences. */
export function activityText(d: DirectoryShape, now: number): string {
  return d.last_activity_at
    ? `last provisioning activity ${ago(d.last_activity_at, now)} ago (${d.last_activity_event})`
    : 'no provisioning activity in the last 30 days';
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
export function toGroup(g: DirectoryGroupResponse): z.infer<typeof groupShape> {
  return {
    id: g.id,
    name: g.name,
    directory_id: g.directory_id,
    organization_id: g.organization_id ?? null,
    created_at: g.created_at,
    updated_at: g.updated_at,
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
export function toDirectoryUser(u: DirectoryUserResponse): z.infer<typeof directoryUserShape> {
  const custom = (u.custom_attributes ?? {}) as Record<string, unknown>;
  const name = [u.first_name, u.last_name].filter(Boolean).join(' ') || u.email || u.id;
  return {
    id: u.id,
    name,
    first_name: u.first_name ?? null,
    last_name: u.last_name ?? null,
    email: u.email ?? null,
    state: u.state,
    job_title: text(custom.job_title),
    department: text(custom.department),
    directory_id: u.directory_id,
    organization_id: u.organization_id ?? null,
    updated_at: u.updated_at,
  };
}
