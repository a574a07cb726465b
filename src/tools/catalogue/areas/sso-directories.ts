/** SSO connections and Directory Sync (https://workos.com/docs/reference/sso, https://workos.com/docs/reference/directory-sync). */
import { z } from 'zod';
import { domainArg, id, page } from '../args.ts';
import { organizationOf } from '../scope.ts';
import { defineOperation } from '../types.ts';

const SSO = 'https://workos.com/docs/reference/sso';
const DS = 'https://workos.com/docs/reference/directory-sync';
const orgId = id('org_', 'organization');
const connectionId = id('conn_', 'SSO connection');
const directoryId = id('directory_', 'directory');

export const SSO_DIRECTORY_OPERATIONS = [
  defineOperation({
    name: 'sso_connections.list',
    area: 'sso_connections',
    summary: 'List SSO connections, optionally of one organization or type.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/connections',
    params: z.strictObject({
      organization_id: orgId.optional(),
      connection_type: z.string().min(1).max(60).optional().describe('e.g. OktaSAML, GoogleOAuth.'),
      domain: domainArg.optional().describe('Only connections serving this email domain.'),
      ...page,
    }),
    docs: `${SSO}/connection/list`,
  }),
  defineOperation({
    name: 'sso_connections.get',
    area: 'sso_connections',
    summary: 'Get one SSO connection (certificates are never shown).',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/connections/:id',
    params: z.strictObject({ id: connectionId }),
    docs: `${SSO}/connection/get`,
  }),
  defineOperation({
    name: 'sso_connections.delete',
    area: 'sso_connections',
    summary: 'Delete an SSO connection: its organization’s people can no longer sign in through it.',
    kind: 'destructive',
    permission: 'workos:write',
    method: 'DELETE',
    path: '/connections/:id',
    params: z.strictObject({ id: connectionId }),
    docs: `${SSO}/connection/delete`,
    organizations: organizationOf(
      (p) => `/connections/${encodeURIComponent(String(p.id))}`,
      'SSO connection',
    ),
    // describe: delete_sso_connection's own description of this WorkOS call (hooks.ts).
  }),
  defineOperation({
    name: 'directories.list',
    area: 'directory_sync',
    summary: 'List directories, optionally of one organization.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/directories',
    params: z.strictObject({
      organization_id: orgId.optional(),
      search: z.string().max(200).optional(),
      ...page,
    }),
    docs: `${DS}/directory/list`,
  }),
  defineOperation({
    name: 'directories.get',
    area: 'directory_sync',
    summary: 'Get one directory and its state.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/directories/:id',
    params: z.strictObject({ id: directoryId }),
    docs: `${DS}/directory/get`,
  }),
  defineOperation({
    name: 'directories.delete',
    area: 'directory_sync',
    summary: 'Delete a directory with its synced users and groups.',
    kind: 'destructive',
    permission: 'workos:write',
    method: 'DELETE',
    path: '/directories/:id',
    params: z.strictObject({ id: directoryId }),
    docs: `${DS}/directory/delete`,
    organizations: organizationOf((p) => `/directories/${encodeURIComponent(String(p.id))}`, 'directory'),
    // describe: delete_directory's own description (hooks.ts).
  }),
  defineOperation({
    name: 'directory_users.list',
    area: 'directory_sync',
    summary: 'List a directory’s users, or a group’s (one of directory or group).',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/directory_users',
    params: z
      .strictObject({
        directory: directoryId.optional(),
        group: id('directory_group_', 'directory group').optional(),
        ...page,
      })
      .refine((p) => Boolean(p.directory) !== Boolean(p.group), 'give exactly one of directory or group'),
    docs: `${DS}/directory-user/list`,
  }),
  defineOperation({
    name: 'directory_users.get',
    area: 'directory_sync',
    summary: 'Get one directory user.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/directory_users/:id',
    params: z.strictObject({ id: id('directory_user_', 'directory user') }),
    docs: `${DS}/directory-user/get`,
  }),
  defineOperation({
    name: 'directory_groups.list',
    area: 'directory_sync',
    summary: 'List a directory’s groups, or a directory user’s groups (one of directory or user).',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/directory_groups',
    params: z
      .strictObject({
        directory: directoryId.optional(),
        user: id('directory_user_', 'directory user').optional(),
        ...page,
      })
      .refine((p) => Boolean(p.directory) !== Boolean(p.user), 'give exactly one of directory or user'),
    docs: `${DS}/directory-group/list`,
  }),
  defineOperation({
    name: 'directory_groups.get',
    area: 'directory_sync',
    summary: 'Get one directory group.',
    kind: 'read',
    permission: 'workos:read',
    method: 'GET',
    path: '/directory_groups/:id',
    params: z.strictObject({ id: id('directory_group_', 'directory group') }),
    docs: `${DS}/directory-group/get`,
  }),
];
