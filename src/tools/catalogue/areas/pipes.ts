/**
 * Pipes, read only (https://workos.com/docs/reference/pipes/provider,
 * https://workos.com/docs/reference/pipes/connected-account): which data integrations a user has
 * connected. Provider tokens are never read here (Gatehouse vends them only to
 * call_integration_api, with a human's approval).
 */
import { z } from 'zod';
import { id } from '../args.ts';
import { defineOperation } from '../types.ts';

export const PIPES_OPERATIONS = [
  defineOperation({
    name: 'pipes.list_data_providers',
    area: 'pipes',
    summary:
      'List the data integrations (providers) and each one’s connected account for a user: state, scopes, missing scopes.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/user_management/users/:user_id/data_providers',
    params: z.strictObject({
      user_id: id('user_', 'user'),
      organization_id: id('org_', 'organization')
        .optional()
        .describe('Scope the lookup to this organization.'),
    }),
    secrets: ['access_token', 'refresh_token'],
    docs: 'https://workos.com/docs/reference/pipes/provider',
  }),
];
