import type { TokenEndpointAuthMethod } from '../../../db/schema/enums.ts';
import { TOKEN_ENDPOINT_AUTH_METHODS } from '../../../db/schema/enums.ts';
import { SCOPES_SUPPORTED } from '../scopes.ts';
import { displayTextProblem } from './display-text.ts';
import { redirectUriProblem } from './redirect-uri.ts';

export const MAX_METADATA_BYTES = 16 * 1024;
const MAX_REDIRECT_URIS = 10;
const MAX_NAME_LENGTH = 100;
const MAX_URL_LENGTH = 2048;

export interface ValidClientMetadata {
  clientName: string;
  redirectUris: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  grantTypes: string[];
  responseTypes: string[];
  applicationType: 'web' | 'native';
  scope: string | null;
  clientUri: string | null;
  logoUri: string | null;
  tosUri: string | null;
  policyUri: string | null;
  contacts: string[];
  softwareId: string | null;
  softwareVersion: string | null;
}

export type MetadataProblem = { error: 'invalid_redirect_uri' | 'invalid_client_metadata'; message: string };
export type MetadataResult =
  | { ok: true; value: ValidClientMetadata }
  | { ok: false; problem: MetadataProblem };

const bad = (message: string): MetadataResult => ({
  ok: false,
  problem: { error: 'invalid_client_metadata', message },
});
const badRedirect = (message: string): MetadataResult => ({
  ok: false,
  problem: { error: 'invalid_redirect_uri', message },
});

function optionalUrl(v: unknown, field: string): string | null | MetadataResult {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || v.length > MAX_URL_LENGTH)
    return bad(`${field} must be a URL of at most ${MAX_URL_LENGTH} characters`);
  // Shown to humans as a link: nothing invisible, no credentials that make one host read as another.
  if (/[^\x21-\x7e]/.test(v))
    return bad(`${field} must be an ASCII URL without spaces or control characters`);
  try {
    const u = new URL(v);
    if (u.protocol !== 'https:') return bad(`${field} must be an https URL`);
    if (u.username || u.password) return bad(`${field} must not contain credentials`);
  } catch {
    return bad(`${field} must be an absolute https URL`);
  }
  return v;
}

function optionalText(v: unknown, field: string, max = 200): string | null | MetadataResult {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > max)
    return bad(`${field} must be a string of at most ${max} characters`);
  const problem = displayTextProblem(v);
  return problem ? bad(`${field} ${problem}`) : v;
}

const isResult = (v: unknown): v is MetadataResult => typeof v === 'object' && v !== null && 'ok' in v;

/**
 * Strictly validates client metadata (RFC 7591 §2) from dynamic registration (`dcr`) or a
 * Client ID Metadata Document (`cimd`). Known fields are checked, unknown ones ignored; the
 * first problem is reported with the RFC 7591 §3.2.2 error code.
 */
export function validateClientMetadata(input: unknown, source: 'dcr' | 'cimd'): MetadataResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return bad('client metadata must be a JSON object');
  const raw = input as Record<string, unknown>;

  // redirect_uris first: its problems have their own error code.
  const uris = raw.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0)
    return badRedirect('redirect_uris must be a non-empty array of URIs');
  if (uris.length > MAX_REDIRECT_URIS)
    return badRedirect(`at most ${MAX_REDIRECT_URIS} redirect_uris may be registered`);
  for (const u of uris) {
    if (typeof u !== 'string') return badRedirect('every redirect URI must be a string');
    const problem = redirectUriProblem(u);
    if (problem) return badRedirect(`redirect URI ${JSON.stringify(u.slice(0, 100))} ${problem}`);
  }

  // Then the MCP SDK's RFC 7591 schema for the shape of the remaining fields.
  const { OAuthClientMetadataSchema } = require('./sdk-schema.ts') as typeof import('./sdk-schema.ts');
  const shape = OAuthClientMetadataSchema.safeParse(raw);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    return bad(`${issue?.path.join('.') || 'metadata'}: ${issue?.message ?? 'invalid'}`);
  }

  const name = raw.client_name;
  if (typeof name !== 'string' || name.trim().length === 0)
    return bad('client_name is required: it is shown to the human on the consent screen');
  // Characters as a person counts them (code points): an emoji is one, not two UTF-16 units.
  if ([...name].length > MAX_NAME_LENGTH)
    return bad(`client_name must be at most ${MAX_NAME_LENGTH} characters`);
  // Refused, not rewritten: a name is the client's claim, shown as-is or not at all.
  const nameProblem = displayTextProblem(name);
  if (nameProblem) return bad(`client_name ${nameProblem}`);

  const defaultMethod: TokenEndpointAuthMethod = source === 'cimd' ? 'none' : 'client_secret_basic';
  const method = raw.token_endpoint_auth_method ?? defaultMethod;
  if (!(TOKEN_ENDPOINT_AUTH_METHODS as readonly unknown[]).includes(method)) {
    return bad(`token_endpoint_auth_method must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}`);
  }
  if (source === 'cimd' && method !== 'none') {
    return bad(
      'a client metadata document client must use token_endpoint_auth_method "none" (it has no shared secret)',
    );
  }

  const grantTypes = (raw.grant_types as string[] | undefined) ?? ['authorization_code'];
  for (const g of grantTypes) {
    if (g !== 'authorization_code' && g !== 'refresh_token')
      return bad(
        `grant_types: "${String(g).slice(0, 50)}" is not supported (authorization_code, refresh_token)`,
      );
  }
  if (!grantTypes.includes('authorization_code')) return bad('grant_types must include authorization_code');
  const responseTypes = (raw.response_types as string[] | undefined) ?? ['code'];
  if (responseTypes.length !== 1 || responseTypes[0] !== 'code')
    return bad('response_types must be ["code"]');

  const applicationType = raw.application_type ?? 'web';
  if (applicationType !== 'web' && applicationType !== 'native')
    return bad('application_type must be "web" or "native"');

  let scope: string | null = null;
  if (raw.scope !== undefined) {
    if (typeof raw.scope !== 'string') return bad('scope must be a space-separated string');
    const unknown = raw.scope
      .split(' ')
      .filter((s) => s && !(SCOPES_SUPPORTED as readonly string[]).includes(s));
    if (unknown.length > 0)
      return bad(`scope contains unsupported values: ${unknown.join(', ').slice(0, 100)}`);
    scope = raw.scope;
  }
  if (raw.jwks !== undefined || raw.jwks_uri !== undefined)
    return bad('jwks and jwks_uri are not supported (no private_key_jwt client authentication)');
  if (raw.software_statement !== undefined) return bad('software_statement is not supported');

  const contacts = raw.contacts === undefined ? [] : raw.contacts;
  if (
    !Array.isArray(contacts) ||
    contacts.length > 5 ||
    contacts.some((c) => typeof c !== 'string' || c.length > 254)
  ) {
    return bad('contacts must be at most 5 email addresses');
  }
  for (const c of contacts as string[]) {
    const problem = displayTextProblem(c);
    if (problem) return bad(`contacts ${problem}`);
  }

  const fields = {
    clientUri: optionalUrl(raw.client_uri, 'client_uri'),
    logoUri: optionalUrl(raw.logo_uri, 'logo_uri'),
    tosUri: optionalUrl(raw.tos_uri, 'tos_uri'),
    policyUri: optionalUrl(raw.policy_uri, 'policy_uri'),
    softwareId: optionalText(raw.software_id, 'software_id'),
    softwareVersion: optionalText(raw.software_version, 'software_version'),
  };
  for (const v of Object.values(fields)) if (isResult(v)) return v;

  return {
    ok: true,
    value: {
      clientName: name.trim(),
      redirectUris: uris as string[],
      tokenEndpointAuthMethod: method as TokenEndpointAuthMethod,
      grantTypes,
      responseTypes,
      applicationType,
      scope,
      contacts: contacts as string[],
      ...(fields as { [K in keyof typeof fields]: string | null }),
    },
  };
}
