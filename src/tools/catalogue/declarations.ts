/**
 * The catalogue's declarations as data, by name — the areas only, without the hooks that borrow a
 * named tool's logic (hooks.ts). Named tools reach WorkOS through these (call.ts), so this module
 * and the areas never import a named tool: one description of each WorkOS call, no import circle.
 */
import { ADMIN_PORTAL_OPERATIONS } from './areas/admin-portal.ts';
import { AUDIT_EVENT_OPERATIONS } from './areas/audit-events.ts';
import { ORGANIZATION_OPERATIONS } from './areas/organizations.ts';
import { PIPES_OPERATIONS } from './areas/pipes.ts';
import { RADAR_OPERATIONS } from './areas/radar.ts';
import { ROLE_OPERATIONS } from './areas/roles.ts';
import { SSO_DIRECTORY_OPERATIONS } from './areas/sso-directories.ts';
import { USER_OPERATIONS } from './areas/users.ts';
import type { Operation } from './types.ts';

export const DECLARATIONS: readonly Operation[] = [
  ...ORGANIZATION_OPERATIONS,
  ...ROLE_OPERATIONS,
  ...USER_OPERATIONS,
  ...SSO_DIRECTORY_OPERATIONS,
  ...AUDIT_EVENT_OPERATIONS,
  ...ADMIN_PORTAL_OPERATIONS,
  ...PIPES_OPERATIONS,
  ...RADAR_OPERATIONS,
];

const BY_NAME = new Map<string, Operation>();
for (const op of DECLARATIONS) {
  if (BY_NAME.has(op.name)) throw new Error(`duplicate operation ${op.name}`);
  BY_NAME.set(op.name, op);
}

/** The declaration of an operation (the HTTP call as data), or undefined. */
export function declaration(name: string): Operation | undefined {
  return BY_NAME.get(name);
}
