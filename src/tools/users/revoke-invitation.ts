import type { InvitationResponse } from '@workos-inc/node';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { callOperation } from '../catalogue/call.ts';
import { environmentArg, WRITE } from '../common.ts';
import { defineTool } from '../types.ts';
import { invitationShape, toInvitation } from './map.ts';

export const revokeInvitation = defineTool({
  name: 'revoke_invitation',
  title: 'Revoke an invitation',
  description:
    'Revoke a pending invitation (invitation_id) so its link stops working. Only pending invitations can be revoked: an accepted, expired or already revoked one is refused with its state. Returns the invitation, now revoked.',
  input: z.strictObject({
    invitation_id: z
      .string()
      .min(1)
      .max(200)
      .describe('The invitation id (inv_…); list_invitations shows them.'),
    environment: environmentArg,
  }),
  output: z.object({ invitation: invitationShape }),
  annotations: { ...WRITE, idempotentHint: true },
  kind: 'write',
  permission: 'workos:write',
  async run(ctx, args) {
    const current = await callOperation<InvitationResponse>(
      ctx,
      'invitations.get',
      { id: args.invitation_id },
      `get invitation ${args.invitation_id}`,
    );
    if (current.state !== 'pending') {
      const when =
        current.state === 'expired'
          ? ` (it expired at ${current.expires_at})`
          : current.state === 'accepted' && current.accepted_at
            ? ` (accepted at ${current.accepted_at})`
            : current.state === 'revoked' && current.revoked_at
              ? ` (revoked at ${current.revoked_at})`
              : '';
      throw new AppError(
        'conflict',
        `Invitation ${current.id} for ${current.email} is ${current.state}${when}: only pending invitations can be revoked.`,
        {
          hint:
            current.state === 'accepted'
              ? 'The person already joined; remove or change their membership instead.'
              : 'Nothing to revoke. Send a new one with invite_user if they should still join.',
        },
      );
    }
    const revoked = await callOperation<InvitationResponse>(
      ctx,
      'invitations.revoke',
      { id: args.invitation_id },
      `revoke invitation ${args.invitation_id}`,
    );
    const out = toInvitation(revoked);
    return {
      structured: { invitation: out },
      summary: `Revoked invitation ${out.id} for ${out.email}; its link no longer works.`,
    };
  },
});
