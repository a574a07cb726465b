import type { AppContext } from '../app/context.ts';
import type { ToolDefinition } from '../tools/types.ts';
import { actsOnWorkOS } from './decide.ts';
import { deny } from './denials.ts';

/**
 * Staff are never customers: no WorkOS tool reads, changes or deletes an admitted team's own
 * organization, in any environment (docs/architecture.md "Trust model"). Organization ids are
 * unique across WorkOS, so naming one as an argument is enough to refuse.
 */
export function refuseStaffOrganizations(
  app: AppContext,
  tool: ToolDefinition,
  args: Record<string, unknown>,
): void {
  if (!actsOnWorkOS(tool.kind)) return;
  const staff = app.teams.protectedOrganizationIds();
  const named = Object.values(args).find((v) => typeof v === 'string' && staff.has(v));
  if (named) {
    throw deny(
      'staff_organization',
      'forbidden',
      `${named} is a Gatehouse team's own organization (staff), not a customer: tools never read, change or delete it.`,
      'Work with customer organizations only; team settings live in the Gatehouse console.',
    );
  }
}
