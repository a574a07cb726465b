/**
 * The operations catalogue (issue 19 §2): every declared operation by name, the ones a caller may
 * run now, and what is never offered.
 */
import type { Principal } from '../../oauth/principal.ts';
import { type Decision, type DecisionContext, decide } from '../../policy/decide.ts';
import { DECLARATIONS } from './declarations.ts';
import { withHooks } from './hooks.ts';
import type { Excluded, Operation } from './types.ts';

/** Every operation: its declaration (declarations.ts) with the named tools' hooks (hooks.ts). */
export const OPERATIONS: readonly Operation[] = DECLARATIONS.map(withHooks);

const BY_NAME = new Map<string, Operation>();
for (const op of OPERATIONS) {
  if (BY_NAME.has(op.name)) throw new Error(`duplicate operation ${op.name}`);
  if ((op.kind === 'destructive' || op.destroysWhen) && !op.describe)
    throw new Error(`${op.name} is destructive but cannot describe it`);
  BY_NAME.set(op.name, op);
}

export const AREAS: readonly string[] = [...new Set(OPERATIONS.map((o) => o.area))];

export function operation(name: string): Operation | undefined {
  return BY_NAME.get(name);
}

/**
 * Never in the catalogue (the hosted WorkOS MCP's "Limitations"; docs/architecture.md "Trust
 * model"): credentials, secrets' values, acting as someone else, Gatehouse's own controls.
 */
export const EXCLUDED: readonly Excluded[] = [
  {
    what: 'Creating, listing or rotating API keys',
    why: 'API keys are credentials: an agent never mints or sees one. Manage them in the WorkOS dashboard.',
    terms: ['api key', 'api_key', 'apikey', 'api keys', 'key', 'keys', 'rotate', 'rotation'],
  },
  {
    what: 'Creating or rotating client secrets, SAML or signing certificates',
    why: 'Secrets and certificates are credentials. Certificate renewal for an SSO connection goes through the Admin Portal (generate_admin_portal_link intent certificate_renewal).',
    terms: [
      'client secret',
      'client_secret',
      'secret',
      'secrets',
      'certificate',
      'certificates',
      'cert',
      'x509',
    ],
  },
  {
    what: 'Reading Vault values',
    why: 'Vault holds encrypted customer secrets; their values are never shown to an agent.',
    terms: ['vault', 'kv', 'encrypted', 'decrypt'],
  },
  {
    what: 'Impersonating a user',
    why: 'Gatehouse acts only as the human it acts for; impersonation is done by a person in the WorkOS dashboard.',
    terms: ['impersonate', 'impersonation', 'impersonating', 'act as', 'sign in as'],
  },
  {
    what: 'Changing Gatehouse’s own settings (MCP access, production, write access, the kill switch…)',
    why: 'Only a team admin changes them, in the Gatehouse console (/settings); an agent can never loosen its own limits.',
    terms: [
      'gatehouse',
      'settings',
      'setting',
      'kill switch',
      'write access',
      'production access',
      'mcp access',
    ],
  },
  {
    what: 'Deleting the WorkOS team (account) or an environment',
    why: 'Deleting the team is done only by its owner in the WorkOS dashboard.',
    terms: ['delete team', 'team', 'account', 'delete account', 'environment', 'workspace'],
  },
];

const words = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9_.]+/g, ' ')
    .trim();

/** Whether an operation matches a free-text search: every word in its name, area, summary or path. */
export function matches(op: Operation, search: string): boolean {
  const hay = words(`${op.name} ${op.area} ${op.summary} ${op.path} ${op.name.replace(/[._]/g, ' ')}`);
  return words(search)
    .split(' ')
    .filter(Boolean)
    .every((w) => hay.includes(w) || hay.includes(w.replace(/s$/, '')));
}

/** The exclusions a search is about. */
export function excludedFor(search: string): Excluded[] {
  const s = ` ${words(search).replace(/[_.]/g, ' ')} `;
  return EXCLUDED.filter((e) => e.terms.some((t) => s.includes(` ${t.replace(/_/g, ' ')} `)));
}

/**
 * Whether every call of the operation changes how an organization signs in, whatever its
 * parameters (organization_domains.verify and .delete): its sign-in rule answers even for none.
 */
function alwaysChangesSignIn(op: Operation): boolean {
  try {
    return Boolean(op.changesSignIn?.({}));
  } catch {
    return false;
  }
}

/**
 * The decision the pipeline makes for a catalogue call of this operation (tools/list's filter, per
 * operation): an operation that always changes sign-in is decided as one, so list_operations never
 * offers a caller what every call of it would be refused.
 */
export function mayRun(p: Principal, op: Operation, context: DecisionContext): Decision {
  const tool =
    op.kind === 'read'
      ? ({ name: 'query', kind: 'read', permission: 'workos:read' } as const)
      : ({ name: 'mutate', kind: 'write', permission: 'workos:write' } as const);
  return decide(p, tool, {
    ...context,
    permission: op.permission,
    ...(alwaysChangesSignIn(op) ? { signInChange: `run ${op.name}` } : {}),
  });
}
