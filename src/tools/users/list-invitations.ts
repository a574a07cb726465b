import type { InvitationResponse } from '@workos-inc/node';
import { z } from 'zod';
import { callList } from '../catalogue/call.ts';
import {
  environmentArg,
  listMetadata,
  pageInfo,
  pageSentence,
  paginationArgs,
  READ_ONLY,
} from '../common.ts';
import { defineTool } from '../types.ts';
import { invitationShape, toInvitation } from './map.ts';

export const listInvitations = defineTool({
  name: 'list_invitations',
  title: 'List invitations',
  description:
    'List AuthKit invitations, newest first, optionally for one organization (organization_id) or one email. Each shows its state (pending, accepted, expired or revoked), role, inviter and expires_at. Pending ones can be revoked with revoke_invitation; expired ones need a new invite_user.',
  input: z.strictObject({
    organization_id: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Only invitations into this organization (org_…).'),
    email: z.email().max(320).optional().describe('Only invitations sent to this email address.'),
    ...paginationArgs,
    environment: environmentArg,
  }),
  output: z.object({ invitations: z.array(invitationShape), list_metadata: listMetadata }),
  annotations: READ_ONLY,
  kind: 'read',
  permission: 'workos:read',
  async run(ctx, args) {
    const page = await callList<InvitationResponse>(
      ctx,
      'invitations.list',
      {
        ...(args.organization_id && { organization_id: args.organization_id }),
        ...(args.email && { email: args.email.toLowerCase() }),
        ...(args.limit !== undefined && { limit: args.limit }),
        ...(args.before && { before: args.before }),
        ...(args.after && { after: args.after }),
        ...(args.order && { order: args.order }),
      },
      'list invitations',
    );
    const invitations = page.data.map(toInvitation);
    const byState = new Map<string, number>();
    for (const i of invitations) byState.set(i.state, (byState.get(i.state) ?? 0) + 1);
    const states = [...byState].map(([s, n]) => `${n} ${s}`).join(', ');
    return {
      structured: { invitations, list_metadata: pageInfo(page, 'list_invitations') },
      summary: `${pageSentence(invitations.length, 'invitation', page)}${states ? ` On this page: ${states}.` : ''}`,
    };
  },
});
