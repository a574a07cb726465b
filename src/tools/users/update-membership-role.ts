import type { OrganizationMembershipResponse, UserResponse } from '@workos-inc/node';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { callOperation } from '../catalogue/call.ts';
import { environmentArg, WRITE } from '../common.ts';
import { defineTool } from '../types.ts';
import { getOrganization } from './lookups.ts';
import { membershipShape, toMembership } from './map.ts';
import { loadRoles, ROLE_SLUG_PATTERN, roleProblem, teamRoleProblem } from './roles.ts';

export const SELF_ROLE_CHANGE_REFUSED = 'an agent cannot change the role of the human it acts for';

export const updateMembershipRole = defineTool({
  name: 'update_membership_role',
  title: 'Change a member’s role',
  description:
    'Change the role of one organization membership (organization_membership_id, from list_organization_memberships or get_user) to role_slug (e.g. admin, member, viewer). The role must exist in the environment or organization. You cannot change the role of the human you act for, and in a Gatehouse team’s own organization you cannot grant or take away permissions you do not hold. Returns the membership with its new role.',
  input: z.strictObject({
    organization_membership_id: z
      .string()
      .min(1)
      .max(200)
      .describe('The membership to change (om_…); list_organization_memberships shows them.'),
    role_slug: z
      .string()
      .min(1)
      .max(100)
      .regex(ROLE_SLUG_PATTERN, 'must be a role slug such as member or admin')
      .describe('The new role’s slug.'),
    environment: environmentArg,
  }),
  output: z.object({
    membership: membershipShape,
    previous_role_slug: z.string(),
    changed: z.boolean(),
  }),
  annotations: { ...WRITE, idempotentHint: true },
  kind: 'write',
  permission: 'workos:write',
  async run(ctx, args) {
    const id = args.organization_membership_id;
    const membership = await callOperation<OrganizationMembershipResponse>(
      ctx,
      'organization_memberships.get',
      { id },
      `get organization membership ${id}`,
    );
    const user = await callOperation<UserResponse>(
      ctx,
      'users.get',
      { id: membership.user_id },
      `get user ${membership.user_id}`,
    );
    const p = ctx.principal;
    // Privilege escalation guard: the human's own role is theirs (and their admins') to change.
    if (membership.user_id === p.workosUserId || user.email.toLowerCase() === p.email.toLowerCase()) {
      throw new AppError('forbidden', `Refused: ${SELF_ROLE_CHANGE_REFUSED}.`, {
        hint: 'Ask a team admin to change your role in the WorkOS dashboard or the Gatehouse console.',
      });
    }
    const org = await getOrganization(ctx, membership.organization_id);
    const catalog = await loadRoles(ctx, membership.organization_id);
    const problem = roleProblem(catalog, args.role_slug);
    if (problem) {
      throw new AppError('invalid_input', `Cannot change the role: ${problem}.`, {
        fields: [{ field: 'role_slug', message: problem }],
      });
    }
    const previous = membership.role?.slug ?? '';
    const refused = teamRoleProblem(ctx, membership.organization_id, catalog, args.role_slug, previous);
    if (refused) throw new AppError('forbidden', `Refused: ${refused}.`);

    const names = { organization: org.name, email: user.email };
    if (previous === args.role_slug) {
      return {
        structured: {
          membership: toMembership(membership, names),
          previous_role_slug: previous,
          changed: false,
        },
        summary: `${user.email} already has the role ${previous} in ${org.name}; nothing changed.`,
      };
    }
    const updated = await callOperation<OrganizationMembershipResponse>(
      ctx,
      'organization_memberships.update',
      { id, role_slug: args.role_slug },
      `update organization membership ${id}`,
    );
    ctx.memberships.roleChanged(membership.user_id, membership.organization_id);
    return {
      structured: { membership: toMembership(updated, names), previous_role_slug: previous, changed: true },
      summary: `${user.email} is now ${updated.role?.slug ?? args.role_slug} in ${org.name} (was ${previous || 'no role'}).`,
    };
  },
});
