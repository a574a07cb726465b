/**
 * Domain verification as one workflow (https://workos.com/docs/domain-verification/api): add the
 * domain to the organization (`POST /organization_domains`, pending), hand back the DNS TXT record
 * the customer must create (its `verification_token`), then ask WorkOS to check it
 * (`POST /organization_domains/:id/verify`, https://workos.com/docs/reference/domain-verification/verify)
 * and report the state: `pending` (not found yet; WorkOS keeps checking), `verified` or `failed`
 * ("If a domain has not successfully verified within thirty days … verification can be restarted").
 */
import type { OrganizationDomain, OrganizationDomainResponse } from '@workos-inc/node';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { callOperation } from '../catalogue/call.ts';
import { confirmationArg, environmentArg, WRITE } from '../common.ts';
import { defineTool, type ToolContext } from '../types.ts';
import { domainArg, idArg } from './args.ts';
import { getOrganization } from './related.ts';

/**
 * The TXT record WorkOS looks for: named after the domain (with WorkOS's `verification_prefix`
 * label in front when it gives one) and valued `verification_token=<token>`, as
 * https://workos.com/docs/domain-verification/api shows it ("Name: domain-to-verify.com, Value:
 * verification_token=3CVZxo4HgvSiYRKlV4RdOWwWl").
 */
export function txtRecord(
  d: Pick<OrganizationDomain, 'domain' | 'verificationPrefix' | 'verificationToken'>,
) {
  if (!d.verificationToken) return null;
  return {
    type: 'TXT' as const,
    name: d.verificationPrefix ? `${d.verificationPrefix}.${d.domain}` : d.domain,
    value: `verification_token=${d.verificationToken}`,
  };
}

const NEXT: Record<string, string> = {
  pending:
    'Create the TXT record at the domain’s DNS provider (or send it to the customer’s IT admin), then call this tool again with action "check": WorkOS also checks on its own until it finds the record.',
  verified: 'Nothing left to do: sign-ins with this domain now route to the organization.',
  failed:
    'WorkOS could not find the TXT record in time. Fix the record, then call again with action "check" to restart verification.',
};

/** The organization's domain of that name, or undefined. */
async function findDomain(ctx: ToolContext, organizationId: string, domain: string) {
  const org = await getOrganization(ctx.workos, organizationId);
  return { org, found: org.domains.find((d) => d.domain.toLowerCase() === domain) };
}

export const verifyOrganizationDomain = defineTool({
  name: 'verify_organization_domain',
  title: 'Verify an organization’s domain (DNS)',
  description:
    'Prove that an organization owns a domain through DNS, as WorkOS’s domain verification API does. action "start" (default) adds the domain to the organization as pending (or finds it if already there) and returns the DNS TXT record to create and its state — nothing about sign-in changes yet. action "check" asks WorkOS to look for the record now and reports the state: pending (not found yet), verified or failed. A verified domain routes its people’s sign-ins to the organization, so "check" on a domain not yet verified needs a Gatehouse team admin and a human’s confirmation (the first call answers with a confirmation_token; call again with it only after the human agrees). To let the customer’s IT admin do it all themselves, use generate_admin_portal_link with intent domain_verification instead.',
  input: z.strictObject({
    organization_id: idArg('org_', 'organization'),
    domain: domainArg.describe('The domain to verify, like "acme.com".'),
    action: z
      .enum(['start', 'check'])
      .optional()
      .describe(
        '"start" (default): add it and get the DNS record; "check": have WorkOS look for the record now.',
      ),
    confirmation_token: confirmationArg,
    environment: environmentArg,
  }),
  output: z.object({
    organization_id: z.string(),
    organization_name: z.string(),
    domain: z.string(),
    domain_id: z.string(),
    state: z.string().describe('pending, verified or failed.'),
    verification_strategy: z.string().nullable(),
    added: z.boolean().describe('Whether this call added the domain to the organization.'),
    dns_record: z
      .object({ type: z.literal('TXT'), name: z.string(), value: z.string() })
      .nullable()
      .describe('The TXT record WorkOS looks for (null when WorkOS gave no token).'),
    next_step: z.string(),
  }),
  annotations: { ...WRITE, idempotentHint: true },
  kind: 'write',
  permission: 'workos:write',
  // "check" can mark the domain verified: a sign-in change unless it already is (read from WorkOS).
  async precheck(ctx, args) {
    if (args.action !== 'check') return undefined;
    const { org, found } = await findDomain(ctx, args.organization_id, args.domain);
    if (!found) {
      throw new AppError('not_found', `${org.name} has no domain ${args.domain} to check.`, {
        hint: 'Call verify_organization_domain with action "start" first: it adds the domain and returns the DNS record to create.',
      });
    }
    if (String(found.state) === 'verified') return undefined;
    return {
      changesSignIn: `mark "${args.domain}" verified for organization ${org.id} once WorkOS finds its DNS record, so sign-ins with that domain route to it`,
    };
  },
  async run(ctx, args) {
    const { org, found } = await findDomain(ctx, args.organization_id, args.domain);
    // The catalogue's organization_domains declarations (one description of each call).
    let domain: OrganizationDomainResponse;
    let added = false;
    if (args.action === 'check') {
      if (!found) throw new AppError('not_found', `${org.name} has no domain ${args.domain} to check.`);
      domain =
        String(found.state) === 'verified'
          ? found
          : await callOperation<OrganizationDomainResponse>(
              ctx,
              'organization_domains.verify',
              { id: found.id },
              `verify domain ${args.domain} of ${org.name}`,
            );
    } else if (found) {
      domain = await callOperation<OrganizationDomainResponse>(
        ctx,
        'organization_domains.get',
        { id: found.id },
        `get domain ${args.domain} of ${org.name}`,
      );
    } else {
      domain = await callOperation<OrganizationDomainResponse>(
        ctx,
        'organization_domains.create',
        { organization_id: org.id, domain: args.domain },
        `add domain ${args.domain} to ${org.name}`,
      );
      added = true;
    }
    const state = String(domain.state);
    const record =
      state === 'verified'
        ? null
        : txtRecord({
            domain: domain.domain,
            verificationPrefix: domain.verification_prefix,
            verificationToken: domain.verification_token,
          });
    const next = NEXT[state] ?? `WorkOS reports the state "${state}".`;
    const what = added
      ? `Added ${domain.domain} to ${org.name} (pending).`
      : `${domain.domain} of ${org.name} is ${state}.`;
    return {
      structured: {
        organization_id: org.id,
        organization_name: org.name,
        domain: domain.domain,
        domain_id: domain.id,
        state,
        verification_strategy: domain.verification_strategy ? String(domain.verification_strategy) : null,
        added,
        dns_record: record,
        next_step: next,
      },
      summary: `${what}${record ? ` DNS record to create: ${record.type} ${record.name} = "${record.value}".` : ''} ${next}`,
    };
  },
});
