import { type DomainData, DomainDataState } from '@workos-inc/node';
import { z } from 'zod';

/**
 * WorkOS object ids are a prefix and a ULID (`org_01H…`). Only id characters are accepted: an
 * id becomes a URL path segment in the SDK, and a `/` in it would address another endpoint.
 */
export function idArg(prefix: string, what: string) {
  return z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_-]+$/, `must be a WorkOS ${what} id like "${prefix}01H…" (letters, digits, _ and -)`)
    .describe(`The WorkOS ${what} id, like "${prefix}01H…".`);
}

/** A bare DNS name: labels of letters, digits and inner hyphens, and an alphabetic TLD (any case: it is lowercased). */
const DOMAIN = /^(?=.{4,253}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$/;

/** A domain as WorkOS stores it: lowercase, no scheme, path, port, `@` or wildcard. */
export const domainArg = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(DOMAIN, 'must be a bare domain like "example.com" (no scheme, path, port, "@" or wildcard)');

/** A domain to add to an organization, with the verification state to give it. */
export const domainDataArg = z
  .union([
    domainArg,
    z.strictObject({
      domain: domainArg,
      state: z
        .enum(['verified', 'pending'])
        .optional()
        .describe(
          '"verified" only when the customer has proven ownership of the domain; default "pending" (verify it later through the Admin Portal).',
        ),
    }),
  ])
  .describe('A domain like "acme.com", or { domain, state: "verified" | "pending" } (default pending).');

export const domainListArg = z
  .array(domainDataArg)
  .max(50)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    for (const d of list) {
      const name = typeof d === 'string' ? d : d.domain;
      if (seen.has(name)) ctx.addIssue({ code: 'custom', message: `domain "${name}" is listed twice` });
      seen.add(name);
    }
  });

/**
 * The `domainData` the SDK expects. A domain given without a state keeps the state it already
 * has (`existing`, on update) — re-sending a verified domain as pending could undo its
 * verification — and a new one is pending. WorkOS takes only `verified` and `pending` here
 * (https://workos.com/docs/reference/organization/update; @workos-inc/node's DomainDataState:
 * "the only possible states to create an organization domain with"), so a domain whose
 * verification `failed` is re-sent as pending: that is the only state it can be given.
 */
export function toDomainData(
  list: z.infer<typeof domainListArg>,
  existing: ReadonlyMap<string, string> = new Map(),
): DomainData[] {
  return list.map((d) => {
    const name = typeof d === 'string' ? d : d.domain;
    const state = typeof d === 'string' ? existing.get(name) : d.state;
    return {
      domain: name,
      state: state === 'verified' ? DomainDataState.Verified : DomainDataState.Pending,
    };
  });
}

/**
 * WorkOS metadata (https://workos.com/docs/authkit/metadata): "up to 10 key-value pairs …
 * Key: Up to 40 characters long. ASCII only. Value: Up to 600 characters long. ASCII only."
 */
export const METADATA_MAX_PAIRS = 10;
/** Whether a string is ASCII only (no code unit above U+007F). */
export const ascii = (s: string): boolean => [...s].every((c) => c.charCodeAt(0) < 0x80);
const metadataKey = z.string().min(1).max(40).refine(ascii, 'keys are ASCII only');
const metadataValue = z.string().max(600).refine(ascii, 'values are ASCII only');

export const metadataArg = z
  .record(metadataKey, metadataValue)
  .refine(
    (m) => Object.keys(m).length <= METADATA_MAX_PAIRS,
    `metadata holds at most ${METADATA_MAX_PAIRS} keys`,
  )
  .describe(
    `Key/value strings stored on the organization (at most ${METADATA_MAX_PAIRS} keys; ASCII keys ≤ 40 characters, values ≤ 600).`,
  );

/** Metadata to set on an existing organization: a null value removes its key. */
export const metadataChangeArg = z
  .record(metadataKey, metadataValue.nullable())
  .describe(
    `Keys to set, the others kept; null removes a key. The organization holds at most ${METADATA_MAX_PAIRS} keys (ASCII keys ≤ 40 characters, values ≤ 600).`,
  );

/** WorkOS: "External identifiers must be unique within your environment and are limited to 64 characters." */
export const externalIdArg = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .describe('Your own identifier for the organization (e.g. the customer id in your app); must be unique.');

/** The domains a call would mark verified (a verified domain routes its people's sign-ins). */
export function verifiedDomains(list: z.infer<typeof domainListArg> | undefined): string[] {
  return (list ?? []).flatMap((d) => (typeof d !== 'string' && d.state === 'verified' ? [d.domain] : []));
}

/** What marking domains verified changes, for the confirmation (see ToolDefinition.changesSignIn). */
export function verifiedDomainsChange(
  list: z.infer<typeof domainListArg> | undefined,
  where: string,
): string | undefined {
  const verified = verifiedDomains(list);
  return verified.length > 0
    ? `mark ${verified.map((d) => `"${d}"`).join(', ')} verified for ${where}, so sign-ins with ${verified.length === 1 ? 'that domain' : 'those domains'} route to it`
    : undefined;
}

/**
 * The verified domains a new domain list would take away (left out, or re-sent as "pending"):
 * a verified domain routes its people's sign-ins to the organization
 * (https://workos.com/docs/reference/domain-verification: "The organization that defines this
 * domain policy exerts authentication policy control over that domain"), so losing one changes
 * how they sign in as much as gaining one. `existing` maps today's domains to their states.
 */
export function verifiedDomainsLost(
  list: z.infer<typeof domainListArg>,
  existing: ReadonlyMap<string, string>,
): string[] {
  const next = new Map(toDomainData(list, existing).map((d) => [d.domain, d.state as string]));
  return [...existing]
    .filter(([domain, state]) => state === 'verified' && next.get(domain) !== 'verified')
    .map(([domain]) => domain);
}

/** What losing verified domains changes, for the confirmation (see ToolDefinition.precheck). */
export function verifiedDomainsLostChange(lost: string[], where: string): string | undefined {
  return lost.length > 0
    ? `remove or un-verify the verified domain${lost.length === 1 ? '' : 's'} ${lost.map((d) => `"${d}"`).join(', ')} of ${where}, so sign-ins with ${lost.length === 1 ? 'that domain' : 'those domains'} no longer route to it`
    : undefined;
}

export const SIGN_IN_CHANGE_NOTE =
  'Marking a domain "verified", or removing or un-verifying one that is verified today, changes how that organization\u2019s people sign in: it needs a Gatehouse team admin and a human\u2019s confirmation (the first call answers with a confirmation_token; call again with it only after the human agrees).';
