/**
 * The reasoning of diagnose_sso_sign_in, kept pure (no I/O): from an organization's domains,
 * its connections and its recent SSO sign-in events, a verdict and the next steps to take.
 */
import { plural } from '../organizations/paging.ts';
import type { ConnectionShape } from './shape.ts';

export const VERDICTS = [
  'no_connection',
  'connection_not_active',
  'domain_not_verified',
  'idp_failures',
  'no_recent_sign_ins',
  'healthy',
] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface SignInEvent {
  at: string;
  status: 'failed' | 'succeeded';
  email: string | null;
  connection_id: string | null;
  error: { code: string; message: string } | null;
}

export interface DiagnosisInput {
  organization: { id: string; name: string; domains: { domain: string; state: string }[] };
  connections: ConnectionShape[];
  /** Events of the window, newest first, already narrowed to `email` when given. */
  events: SignInEvent[];
  email: string | null;
  hours: number;
  /** The latest successful SSO sign-in before the window, if looked up. */
  lastSuccessBefore: string | null;
  now: number;
}

export interface FailureGroup {
  code: string;
  /** One of WorkOS's documented SSO error codes (SSO_ERROR_CODES). */
  documented: boolean;
  count: number;
  last_seen_at: string;
  message: string;
  connections: string[];
  emails: string[];
}

export interface Diagnosis {
  verdict: Verdict;
  explanation: string;
  next_steps: string[];
  failures_by_error: FailureGroup[];
  email_domain: { domain: string; state: string } | null;
}

/**
 * The SSO error codes WorkOS documents, with its descriptions: the redirect error codes of
 * https://workos.com/docs/reference/sso/get-authorization-url ("Error codes"), which
 * authentication.sso_failed events carry too, and the profile and IdP-initiated refusals its SSO
 * guides name. Anything else is reported as undocumented rather than guessed at.
 */
export const SSO_ERROR_CODES: Readonly<Record<string, string>> = {
  access_denied:
    'the identity provider denied the user access to the application, or the user denied the authorization request',
  ambiguous_connection_selector:
    'a connection could not be uniquely identified from the selector (e.g. an organization with several SSO connections)',
  connection_invalid: 'there is no connection for the provided ID',
  connection_strategy_invalid: 'the provider has multiple strategies associated per environment',
  connection_unlinked: 'the connection associated with the request is unlinked',
  invalid_connection_selector: 'a valid connection selector must be provided',
  organization_invalid: 'there is no organization (or no connection) for the provided ID',
  oauth_failed: 'the OAuth authorization request failed',
  server_error: 'SSO authentication failed',
  profile_not_allowed_outside_organization:
    "the profile's email domain is not a verified domain of the organization",
  idp_initiated_sso_disabled: 'IdP-initiated sign-in is disabled for the connection',
};

const PORTAL_SSO = (orgId: string) => `generate_admin_portal_link (intent "sso", organization_id "${orgId}")`;
const PORTAL_CERTIFICATE = (orgId: string) =>
  `generate_admin_portal_link (intent "certificate_renewal", organization_id "${orgId}")`;
const PORTAL_DOMAIN = (orgId: string) =>
  `generate_admin_portal_link (intent "domain_verification", organization_id "${orgId}")`;

function since(iso: string, now: number): string {
  const minutes = Math.max(0, Math.round((now - Date.parse(iso)) / 60_000));
  if (minutes < 90) return `${plural(minutes, 'minute')} ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} hours ago` : `${Math.round(hours / 24)} days ago`;
}

/** Failures grouped by error code, most frequent first (then most recent). */
export function groupFailures(events: SignInEvent[], connectionName: (id: string) => string): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const e of events) {
    if (e.status !== 'failed') continue;
    const code = e.error?.code ?? 'unknown';
    let g = groups.get(code);
    if (!g) {
      // Events arrive newest first: the first one seen is the latest.
      g = {
        code,
        documented: Object.hasOwn(SSO_ERROR_CODES, code),
        count: 0,
        last_seen_at: e.at,
        message: e.error?.message ?? '',
        connections: [],
        emails: [],
      };
      groups.set(code, g);
    }
    g.count++;
    if (e.at > g.last_seen_at) g.last_seen_at = e.at;
    const conn = e.connection_id ? connectionName(e.connection_id) : null;
    if (conn && !g.connections.includes(conn)) g.connections.push(conn);
    if (e.email && !g.emails.includes(e.email) && g.emails.length < 5) g.emails.push(e.email);
  }
  return [...groups.values()].sort(
    (a, b) => b.count - a.count || b.last_seen_at.localeCompare(a.last_seen_at),
  );
}

/** What to do about one kind of failure, in a sentence an agent can act on. */
function stepFor(g: FailureGroup, input: DiagnosisInput): string {
  const orgId = input.organization.id;
  const where = g.connections.length ? ` on connection "${g.connections.join('", "')}"` : '';
  const said = g.message ? ` WorkOS's message: "${g.message}".` : '';
  switch (g.code) {
    case 'server_error':
      // WorkOS's docs send you to the connection's Sessions tab for what went wrong.
      return `WorkOS reports server_error, "SSO authentication failed" (${plural(g.count, 'failure')}${where}).${said} The connection's Sessions tab in the WorkOS dashboard shows each attempt's details. ${
        /certificate/i.test(g.message)
          ? `The message names a certificate: if the identity provider's signing certificate expired or changed, the customer's IT admin uploads the new one through the Admin Portal: create a link with ${PORTAL_CERTIFICATE(orgId)} and send it to them.`
          : `Have the customer's IT admin compare the IdP app with the connection in the Admin Portal (${PORTAL_SSO(orgId)}).`
      }`;
    case 'access_denied':
      return `The identity provider denied access (${plural(g.count, 'failure')}${where}): the customer's IT admin must assign these people to the application in their IdP.${said}`;
    case 'connection_unlinked':
    case 'connection_invalid':
    case 'organization_invalid':
    case 'ambiguous_connection_selector':
    case 'invalid_connection_selector':
    case 'connection_strategy_invalid':
      return `${g.code}: ${SSO_ERROR_CODES[g.code]} (${plural(g.count, 'failure')}${where}). The sign-in was started with a connection selector WorkOS could not use: check the organization's connections (get_sso_connection_details) and, if one must be set up again, create an Admin Portal link with ${PORTAL_SSO(orgId)}.${said}`;
    case 'oauth_failed':
      return `The OAuth authorization request failed at the provider (${plural(g.count, 'failure')}${where}).${said} Check the OAuth connection's configuration in the Admin Portal (${PORTAL_SSO(orgId)}).`;
    case 'idp_initiated_sso_disabled':
      return `Sign-ins started from the identity provider's dashboard are refused because IdP-initiated SSO is disabled for the connection (${plural(g.count, 'failure')}${where}): ask people to start from your application's sign-in page.`;
    case 'profile_not_allowed_outside_organization': {
      const domains = [...new Set(g.emails.map((e) => e.split('@')[1]).filter(Boolean))];
      return `${plural(g.count, 'sign-in')} used an address outside the organization's verified domains (${domains.join(', ') || 'other domains'}): those people must sign in with their work email; if such a domain belongs to the customer, add it with update_organization and verify it (${PORTAL_DOMAIN(orgId)}).`;
    }
    default:
      return `"${g.code}" (${plural(g.count, 'failure')}${where}) is not one of WorkOS's documented SSO error codes, so Gatehouse cannot say what it means.${said || ' It came without a message.'} The connection's Sessions tab in the WorkOS dashboard shows each attempt; the connection can be reviewed in the Admin Portal (${PORTAL_SSO(orgId)}).`;
  }
}

function inactiveSteps(input: DiagnosisInput, connections: ConnectionShape[]): string[] {
  const orgId = input.organization.id;
  return connections.map((c) => {
    switch (c.state) {
      case 'draft':
        return `Connection "${c.name}" (${c.id}) is a draft: its setup was never finished. Create an Admin Portal link with ${PORTAL_SSO(orgId)} and send it to the customer's IT admin to complete the setup.`;
      case 'inactive':
        return `Connection "${c.name}" (${c.id}) is inactive: ask the customer whether they turned it off in their IdP; to set it up again, create an Admin Portal link with ${PORTAL_SSO(orgId)}. If it is no longer used, delete_sso_connection removes it.`;
      case 'validating':
        return `Connection "${c.name}" (${c.id}) is still validating: wait for WorkOS to finish, then check again; if it stays there, review its setup in the Admin Portal (${PORTAL_SSO(orgId)}).`;
      default:
        return `Connection "${c.name}" (${c.id}) is ${c.state}.`;
    }
  });
}

export function diagnose(input: DiagnosisInput): Diagnosis {
  const { organization: org, connections, events, email, hours, now } = input;
  const nameOf = (id: string) => connections.find((c) => c.id === id)?.name ?? id;
  const failures_by_error = groupFailures(events, nameOf);
  const emailDomainName = email ? (email.split('@')[1] ?? '') : null;
  const orgDomain = emailDomainName ? org.domains.find((d) => d.domain === emailDomainName) : undefined;
  const email_domain = emailDomainName
    ? { domain: emailDomainName, state: orgDomain?.state ?? 'not_an_organization_domain' }
    : null;
  const base = { failures_by_error, email_domain };

  // 1. Nothing to sign in with.
  const relevant =
    emailDomainName && connections.some((c) => c.domains.includes(emailDomainName))
      ? connections.filter((c) => c.domains.includes(emailDomainName))
      : connections;
  if (connections.length === 0) {
    return {
      ...base,
      verdict: 'no_connection',
      explanation: `${org.name} has no SSO connection, so nobody can sign in with SSO.`,
      next_steps: [
        `Set one up: create an Admin Portal link with ${PORTAL_SSO(org.id)} and send it to the customer's IT admin.`,
      ],
    };
  }

  // 2. Connections exist but none can authenticate.
  const active = relevant.filter((c) => c.state === 'active');
  if (active.length === 0) {
    const states = relevant.map((c) => `"${c.name}" is ${c.state}`).join(', ');
    return {
      ...base,
      verdict: 'connection_not_active',
      explanation: `${org.name} has no active SSO connection${emailDomainName && relevant !== connections ? ` for ${emailDomainName}` : ''} (${states}), so SSO sign-in cannot work.`,
      next_steps: inactiveSteps(
        input,
        relevant.filter((c) => c.state !== 'active'),
      ),
    };
  }

  // 3. The person's domain (or, without an email, every domain) is not verified.
  if (emailDomainName && orgDomain?.state !== 'verified') {
    const verified = org.domains.filter((d) => d.state === 'verified').map((d) => d.domain);
    return {
      ...base,
      verdict: 'domain_not_verified',
      explanation: orgDomain
        ? `${emailDomainName} is a domain of ${org.name} but its verification is ${orgDomain.state}, so WorkOS will not route ${email} to the organization's SSO.`
        : `${emailDomainName} is not a domain of ${org.name}${verified.length ? ` (its verified domains: ${verified.join(', ')})` : ''}, so ${email} cannot sign in through its SSO.`,
      next_steps: orgDomain
        ? [
            `Verify ${emailDomainName}: create an Admin Portal link with ${PORTAL_DOMAIN(org.id)} and send it to the customer's IT admin.`,
          ]
        : [
            `Ask the person to sign in with their work address${verified.length ? ` at ${verified.join(' or ')}` : ''}.`,
            `If ${emailDomainName} belongs to the customer, add it with update_organization (keep the existing domains) and verify it (${PORTAL_DOMAIN(org.id)}).`,
          ],
    };
  }
  if (!emailDomainName && !org.domains.some((d) => d.state === 'verified')) {
    return {
      ...base,
      verdict: 'domain_not_verified',
      explanation: `${org.name} has no verified domain (${org.domains.map((d) => `${d.domain}: ${d.state}`).join(', ') || 'none'}), so sign-ins cannot be routed to its SSO connection.`,
      next_steps: [
        `Verify the customer's domain: create an Admin Portal link with ${PORTAL_DOMAIN(org.id)} and send it to the customer's IT admin.`,
      ],
    };
  }

  // 4. What the sign-in history says.
  const failed = events.filter((e) => e.status === 'failed');
  const succeeded = events.filter((e) => e.status === 'succeeded');
  const lastFailure = failed[0]?.at ?? null;
  const lastSuccess = succeeded[0]?.at ?? null;
  const who = email ? ` for ${email}` : '';
  if (failed.length && lastFailure && (!lastSuccess || lastFailure > lastSuccess)) {
    const people = new Set(failed.map((e) => e.email).filter(Boolean)).size;
    const top = failures_by_error[0];
    const previous = lastSuccess ?? input.lastSuccessBefore;
    return {
      ...base,
      verdict: 'idp_failures',
      explanation: `${plural(failed.length, 'SSO sign-in')}${who} failed in the last ${hours} hours (${plural(people, 'person', 'people')}), the latest ${since(lastFailure, now)}; ${
        previous ? `the last successful one was ${since(previous, now)}` : 'none succeeded'
      }. Most frequent error: ${top?.code} (${top?.count}×).`,
      next_steps: [
        ...failures_by_error.map((g) => stepFor(g, input)),
        'After the fix, ask a user to sign in again and re-run diagnose_sso_sign_in to confirm.',
      ],
    };
  }
  if (events.length === 0) {
    return {
      ...base,
      verdict: 'no_recent_sign_ins',
      explanation: `${org.name} has ${plural(active.length, 'active SSO connection')} (${active.map((c) => c.name).join(', ')}) but no SSO sign-in attempts${who} in the last ${hours} hours${
        input.lastSuccessBefore ? `; the last successful one was ${since(input.lastSuccessBefore, now)}` : ''
      }.`,
      next_steps: [
        'Ask the person to try signing in again, then re-run diagnose_sso_sign_in (or widen `hours`, up to 720).',
        `If they get an error before reaching their identity provider, check that their email domain is one of the connection's domains (get_sso_connection_details).`,
      ],
    };
  }
  const earlier = failed.length
    ? ` ${plural(failed.length, 'earlier failure')} (${failures_by_error.map((g) => g.code).join(', ')}) were followed by a successful sign-in.`
    : '';
  return {
    ...base,
    verdict: 'healthy',
    explanation: `SSO works for ${org.name}${who}: ${plural(succeeded.length, 'successful sign-in')} in the last ${hours} hours, the latest ${since(lastSuccess ?? '', now)}.${earlier}`,
    next_steps: failed.length
      ? [
          'Nothing is broken now. If one person still cannot sign in, re-run diagnose_sso_sign_in with their email.',
          ...failures_by_error.map((g) => stepFor(g, input)),
        ]
      : ['Nothing to fix. If one person still cannot sign in, re-run diagnose_sso_sign_in with their email.'],
  };
}
