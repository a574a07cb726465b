import type { InvitationResponse } from '@workos-inc/node';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { callOperation } from '../catalogue/call.ts';
import { environmentArg, WRITE } from '../common.ts';
import { defineTool } from '../types.ts';
import { isMember, pendingInvitation } from './existing.ts';
import { getOrganization } from './lookups.ts';
import { invitationShape, toInvitation } from './map.ts';
import { loadRoles, ROLE_SLUG_PATTERN, roleProblem, teamRoleProblem } from './roles.ts';

export const inviteUser = defineTool({
  name: 'invite_user',
  title: 'Invite a user',
  description:
    'Send an AuthKit invitation email to one person, optionally into an organization (organization_id) with a role (role_slug, e.g. member or admin; needs organization_id). Refuses when that email already has a pending invitation or is already a member. Returns the invitation id, its state and when it expires (the accept link is never returned: it contains a secret token and is emailed to the invitee). For many people at once use bulk_invite_users.',
  input: z.strictObject({
    email: z.email().max(320).describe('The invitee’s email address.'),
    organization_id: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('The organization (org_…) the invitee joins on accepting.'),
    role_slug: z
      .string()
      .min(1)
      .max(100)
      .regex(ROLE_SLUG_PATTERN, 'must be a role slug such as member or admin')
      .optional()
      .describe('Role in the organization on accepting (default: the organization’s default role).'),
    expires_in_days: z
      .number()
      .int()
      .min(1)
      .max(30)
      .optional()
      .describe('Days until the invitation expires, 1–30 (WorkOS default 7).'),
    environment: environmentArg,
  }),
  output: z.object({ invitation: invitationShape, organization_name: z.string().nullable() }),
  annotations: WRITE,
  kind: 'write',
  permission: 'workos:write',
  async run(ctx, args) {
    const email = args.email.toLowerCase();
    const orgId = args.organization_id;
    if (args.role_slug && !orgId) {
      throw new AppError('invalid_input', 'role_slug only applies to an invitation into an organization.', {
        fields: [{ field: 'role_slug', message: 'give organization_id too, or leave role_slug out' }],
      });
    }
    let orgName: string | null = null;
    if (orgId) {
      const org = await getOrganization(ctx, orgId);
      orgName = org.name;
      if (args.role_slug) {
        const catalog = await loadRoles(ctx, orgId);
        const problem = roleProblem(catalog, args.role_slug);
        if (problem) {
          throw new AppError('invalid_input', `Cannot invite ${email}: ${problem}.`, {
            fields: [{ field: 'role_slug', message: problem }],
          });
        }
        const refused = teamRoleProblem(ctx, orgId, catalog, args.role_slug);
        if (refused) throw new AppError('forbidden', `Cannot invite ${email}: ${refused}.`);
      }
    }
    const existing = await pendingInvitation(ctx, email, orgId);
    if (existing) {
      throw new AppError(
        'conflict',
        `${email} already has a pending invitation${orgName ? ` to ${orgName}` : ''} (${existing.id}, expires ${existing.expires_at}).`,
        { hint: 'Nothing to do, or revoke_invitation it first to send a new one.' },
      );
    }
    if (orgId && (await isMember(ctx, email, orgId))) {
      throw new AppError('conflict', `${email} is already a member of ${orgName ?? orgId}.`, {
        hint: 'Use update_membership_role to change their role instead.',
      });
    }
    const invitation = await callOperation<InvitationResponse>(
      ctx,
      'invitations.send',
      {
        email,
        ...(orgId && { organization_id: orgId }),
        ...(args.role_slug && { role_slug: args.role_slug }),
        ...(args.expires_in_days !== undefined && { expires_in_days: args.expires_in_days }),
      },
      `invite ${email}`,
    );
    const out = toInvitation(invitation);
    return {
      structured: { invitation: out, organization_name: orgName },
      summary: `Invited ${email}${orgName ? ` to ${orgName}` : ''}${out.role_slug ? ` as ${out.role_slug}` : ''}: invitation ${out.id} is ${out.state} until ${out.expires_at}.`,
    };
  },
});
