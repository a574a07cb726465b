import type { Permission } from '../../../db/schema/enums.ts';

/** Plain-language descriptions of what an agent may do with each permission. */
const DESCRIPTIONS: Partial<Record<Permission, string>> = {
  'workos:read':
    'Read organizations, SSO connections, directories, users, invitations, events and audit logs',
  'workos:write':
    'Create, update and invite in WorkOS, and delete organizations, connections and directories after a confirmation — only while your team allows write access',
  'workos:production':
    'Switch to the production environment when you tell it to and your team allows production access',
  'integrations:read':
    'Ask you to approve read access to Linear, Notion, GitHub, Slack or Snowflake through WorkOS Pipes',
  'integrations:write': 'Ask you to approve changes in those integrations (each request waits for a human)',
};

/** What the consent screen promises, given the human's permissions narrowed by the scopes. */
export function describeCapabilities(permissions: readonly Permission[]): string[] {
  const out = Object.entries(DESCRIPTIONS)
    .filter(([p]) => permissions.includes(p as Permission))
    .map(([, d]) => d);
  if (!permissions.includes('workos:production'))
    out.push('Work in sandbox only (your role has no production access)');
  if (!permissions.includes('workos:write'))
    out.push('Nothing that changes WorkOS (your role is read-only there)');
  return out;
}
