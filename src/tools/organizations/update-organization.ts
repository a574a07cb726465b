import type { OrganizationResponse } from '@workos-inc/node';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { name } from '../catalogue/args.ts';
import { callOperation } from '../catalogue/call.ts';
import { confirmationArg, environmentArg, WRITE } from '../common.ts';
import { defineTool } from '../types.ts';
import {
  domainListArg,
  externalIdArg,
  idArg,
  METADATA_MAX_PAIRS,
  metadataChangeArg,
  SIGN_IN_CHANGE_NOTE,
  toDomainData,
  verifiedDomainsChange,
  verifiedDomainsLost,
  verifiedDomainsLostChange,
} from './args.ts';
import { getOrganization } from './related.ts';
import { organizationShape, toOrganization } from './shape.ts';

const UPDATABLE = ['name', 'domains', 'external_id', 'metadata'] as const;

export const updateOrganization = defineTool({
  name: 'update_organization',
  title: 'Update organization',
  description:
    'Change an organization\u2019s name, domains, external id or metadata. Pass the organization id ("org_01H…") and at least one field. `domains` is the complete new list: domains left out are removed, so include the existing ones you want to keep (get_organization_details lists them); new domains are "pending" unless marked "verified"; an existing domain given as a plain string keeps its state (a verified one stays verified), and an explicit state is sent as given. `metadata` sets the given keys and keeps the others. `external_id: null` clears it. ' +
    SIGN_IN_CHANGE_NOTE,
  input: z
    .strictObject({
      organization_id: idArg('org_', 'organization'),
      name: name('organization').optional().describe('The new display name.'),
      domains: domainListArg
        .optional()
        .describe(
          'The complete new domain list (replaces the current one): "acme.com" or { domain, state: "verified" | "pending" }.',
        ),
      external_id: externalIdArg.nullable().optional(),
      metadata: metadataChangeArg.optional(),
      confirmation_token: confirmationArg,
      environment: environmentArg,
    })
    .refine((a) => UPDATABLE.some((k) => a[k] !== undefined), {
      message: `nothing to update: pass at least one of ${UPDATABLE.join(', ')}`,
    }),
  output: z.object({
    organization: organizationShape,
    changed: z.array(z.string()).describe('What changed, one entry per field.'),
  }),
  annotations: { ...WRITE, idempotentHint: true },
  kind: 'write',
  permission: 'workos:write',
  changesSignIn: (args) => verifiedDomainsChange(args.domains, `organization ${args.organization_id}`),
  // Which domains are verified today is WorkOS's to say: read before anyone confirms.
  async precheck(ctx, args) {
    if (!args.domains) return undefined;
    const { domains } = toOrganization(await getOrganization(ctx.workos, args.organization_id));
    const lost = verifiedDomainsLost(args.domains, new Map(domains.map((d) => [d.domain, d.state])));
    const change = verifiedDomainsLostChange(lost, `organization ${args.organization_id}`);
    return change ? { changesSignIn: change } : undefined;
  },
  async run(ctx, args) {
    const before = toOrganization(await getOrganization(ctx.workos, args.organization_id));
    const metadata = args.metadata ? mergedMetadata(before.metadata, args.metadata) : undefined;
    const updated = await callOperation<OrganizationResponse>(
      ctx,
      'organizations.update',
      {
        id: args.organization_id,
        ...(args.name !== undefined && { name: args.name }),
        ...(args.domains && {
          domain_data: toDomainData(args.domains, new Map(before.domains.map((d) => [d.domain, d.state]))),
        }),
        ...(args.external_id !== undefined && { external_id: args.external_id }),
        ...(metadata && { metadata }),
      },
      `update organization ${args.organization_id}`,
    );
    const after = toOrganization(updated);
    const changed: string[] = [];
    if (before.name !== after.name) changed.push(`name: "${before.name}" → "${after.name}"`);
    const had = new Set(before.domains.map((d) => d.domain));
    const has = new Set(after.domains.map((d) => d.domain));
    const added = [...has].filter((d) => !had.has(d));
    const removed = [...had].filter((d) => !has.has(d));
    if (added.length) changed.push(`domains added: ${added.join(', ')}`);
    if (removed.length) changed.push(`domains removed: ${removed.join(', ')}`);
    const wasState = new Map(before.domains.map((d) => [d.domain, d.state]));
    for (const d of after.domains) {
      const was = wasState.get(d.domain);
      if (was !== undefined && was !== d.state) changed.push(`domain ${d.domain}: ${was} → ${d.state}`);
    }
    if (before.external_id !== after.external_id)
      changed.push(`external_id: ${before.external_id ?? 'none'} → ${after.external_id ?? 'none'}`);
    const keys = Object.keys(args.metadata ?? {}).filter((k) => before.metadata[k] !== after.metadata[k]);
    const set = keys.filter((k) => k in after.metadata);
    const gone = keys.filter((k) => !(k in after.metadata));
    if (set.length) changed.push(`metadata keys set: ${set.join(', ')}`);
    if (gone.length) changed.push(`metadata keys removed: ${gone.join(', ')}`);
    return {
      structured: { organization: after, changed },
      summary: changed.length
        ? `Updated organization "${after.name}" (${after.id}): ${changed.join('; ')}.`
        : `Organization "${after.name}" (${after.id}) already had these values; nothing changed.`,
    };
  },
});

/**
 * The organization's metadata with the change applied (null removes a key), or a clear refusal
 * when it would hold more keys than WorkOS allows: the agent sent a few, the rest were there.
 */
function mergedMetadata(
  current: Record<string, string>,
  change: Record<string, string | null>,
): Record<string, string> {
  const merged: Record<string, string> = { ...current };
  for (const [k, v] of Object.entries(change)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  const keys = Object.keys(merged);
  if (keys.length > METADATA_MAX_PAIRS)
    throw new AppError(
      'invalid_input',
      `The organization would hold ${keys.length} metadata keys; WorkOS allows ${METADATA_MAX_PAIRS}. It holds ${Object.keys(current).length} now (${Object.keys(current).join(', ')}).`,
      { hint: 'Remove keys it no longer needs in the same call (set them to null), or set fewer.' },
    );
  return merged;
}
