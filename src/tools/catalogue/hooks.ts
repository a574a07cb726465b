/**
 * Where a catalogue operation answers with a named tool's own logic — its description of what a
 * delete destroys, its refusals, its sign-in rule — that logic is attached here, so the areas stay
 * data the named tools can call (call.ts) without an import circle, and the catalogue still
 * answers exactly as the equivalent named tool does (issue 19 §2).
 */
import type { GenerateLinkIntent } from '@workos-inc/node';
import { generateAdminPortalLink } from '../audit/generate-admin-portal-link.ts';
import { deleteDirectory } from '../directories/delete-directory.ts';
import { deleteOrganization } from '../organizations/delete-organization.ts';
import { deleteSsoConnection } from '../sso/delete-connection.ts';
import type { ToolContext } from '../types.ts';
import { declaration } from './declarations.ts';
import { send } from './http.ts';
import type { Operation } from './types.ts';

type Hooks = Pick<Operation, 'describe' | 'run' | 'changesSignIn' | 'precheck'>;
type P = Record<string, unknown>;
const str = (v: unknown) => String(v);

/** generate_admin_portal_link's own arguments, from the operation's parameters. */
const portalArgs = (p: P) => ({
  organization_id: str(p.organization_id),
  intent: p.intent as GenerateLinkIntent,
  ...(typeof p.return_url === 'string' && { return_url: p.return_url }),
  ...(typeof p.success_url === 'string' && { success_url: p.success_url }),
});

/**
 * An audit-log export's `url` is a signed link to the customer's whole trail: fetched outside
 * Gatehouse it skips PII redaction, secret stripping and the audit trail. The catalogue answers the
 * export without it; get_audit_log_events (which reads the same declarations through callOperation)
 * downloads and filters the file.
 */
export const EXPORT_URL_WITHHELD =
  'withheld: read the events with get_audit_log_events and this export_id (they pass PII redaction and the audit trail there)';
const withoutExportUrl =
  (name: string) =>
  async (ctx: ToolContext, p: P): Promise<unknown> => {
    const answer = await send(ctx.workos, declaration(name)!, p);
    return answer && typeof answer === 'object' && 'url' in answer && (answer as P).url != null
      ? { ...(answer as P), url: EXPORT_URL_WITHHELD }
      : answer;
  };

export const HOOKS: Readonly<Record<string, Hooks>> = {
  'audit_logs.create_export': { run: withoutExportUrl('audit_logs.create_export') },
  'audit_logs.get_export': { run: withoutExportUrl('audit_logs.get_export') },
  // The same description as delete_organization's, which also refuses the caller's own team.
  'organizations.delete': {
    describe: (ctx: ToolContext, p: P) =>
      deleteOrganization.describeDestruction!(ctx, { organization_id: str(p.id) }),
  },
  'sso_connections.delete': {
    describe: (ctx: ToolContext, p: P) =>
      deleteSsoConnection.describeDestruction!(ctx, { connection_id: str(p.id) }),
  },
  'directories.delete': {
    describe: (ctx: ToolContext, p: P) =>
      deleteDirectory.describeDestruction!(ctx, { directory_id: str(p.id) }),
  },
  // The named tool's checks (certificate renewal needs SAML, log streams an active trail) before
  // anyone confirms, its sign-in rule, and its answer (the link with when it expires).
  'admin_portal.generate_link': {
    changesSignIn: (p: P) => generateAdminPortalLink.changesSignIn!(portalArgs(p)),
    precheck: (ctx: ToolContext, p: P) => generateAdminPortalLink.precheck!(ctx, portalArgs(p)),
    run: async (ctx: ToolContext, p: P) => (await generateAdminPortalLink.run(ctx, portalArgs(p))).structured,
  },
};

/** A declaration with its hooks attached. */
export function withHooks(op: Operation): Operation {
  const hooks = HOOKS[op.name];
  return hooks ? { ...op, ...hooks } : op;
}
