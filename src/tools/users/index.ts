import type { ToolDefinition } from '../types.ts';
import { bulkInviteUsers } from './bulk-invite-users.ts';
import { getUser } from './get-user.ts';
import { inviteUser } from './invite-user.ts';
import { listInvitations } from './list-invitations.ts';
import { listOrganizationMemberships } from './list-organization-memberships.ts';
import { listUsers } from './list-users.ts';
import { revokeInvitation } from './revoke-invitation.ts';
import { updateMembershipRole } from './update-membership-role.ts';

/** The users tools (docs/architecture.md "The MCP surface and the policy pipeline"). */
export const USERS_TOOLS: ToolDefinition[] = [
  listUsers,
  getUser,
  inviteUser,
  bulkInviteUsers,
  listInvitations,
  revokeInvitation,
  listOrganizationMemberships,
  updateMembershipRole,
] as unknown as ToolDefinition[];
