import { providerForUrl } from '../../approvals/providers/index.ts';
import type { Provider } from '../../approvals/providers/types.ts';
import { AppError } from '../../errors/app-error.ts';
import { canonicalJson } from '../../policy/canonical-json.ts';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const MAX_BODY_CHARS = 256 * 1024;

export interface CanonicalRequest {
  provider: Provider;
  method: string;
  /** The URL in canonical form (what grants store and compare). */
  url: string;
  parsedUrl: URL;
  /** The body as sent and hashed: canonical JSON when it is JSON, else the text itself. */
  body: string | undefined;
}

/**
 * Puts an agent's request into the one canonical form that grants store and compare:
 * upper-case method, normalised https URL of a known provider, canonical JSON body.
 */
export function canonicalRequest(method: string, url: string, body: unknown): CanonicalRequest {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('invalid_input', `url is not an absolute URL: ${JSON.stringify(url.slice(0, 200))}`);
  }
  if (parsed.protocol !== 'https:')
    throw new AppError('forbidden', 'Only https URLs of a known provider can be called.', {
      denial: 'provider_not_allowed',
    });
  if (parsed.hash) throw new AppError('invalid_input', 'url must not contain a fragment.');
  const provider = providerForUrl(parsed);
  if (!provider) {
    throw new AppError('forbidden', `${parsed.host} is not a provider Gatehouse calls.`, {
      hint: 'Call list_integrations for the providers and their API base URLs.',
      denial: 'provider_not_allowed',
    });
  }
  let text: string | undefined;
  if (body === undefined || body === null || body === '') text = undefined;
  else if (typeof body === 'string') {
    try {
      text = canonicalJson(JSON.parse(body));
    } catch {
      text = body;
    }
  } else text = canonicalJson(body);
  if (text !== undefined && text.length > MAX_BODY_CHARS)
    throw new AppError('payload_too_large', `The body is larger than ${MAX_BODY_CHARS} characters.`);
  const upper = method.toUpperCase();
  if (text !== undefined && (upper === 'GET' || upper === 'DELETE')) {
    throw new AppError('invalid_input', `A ${upper} request cannot carry a body.`);
  }
  return { provider, method: upper, url: parsed.toString(), parsedUrl: parsed, body: text };
}

/**
 * "Allow write access" off means read-only everywhere, third-party APIs included (seeds/000:
 * "When off, MCP is restricted to read-only operations").
 */
export function assertTeamAllowsWrites(
  p: { settings: { allowWrite: boolean }; impersonator: string | null },
  what: string,
): void {
  // An impersonated session reads only (seeds/000: "mutations are blocked on impersonated sessions").
  if (p.impersonator) throw impersonatedWrite(what);
  const settings = p.settings;
  if (!settings.allowWrite) {
    throw new AppError('forbidden', `Write access is turned off for your team, so ${what} is not allowed.`, {
      hint: 'Use read-only requests, or ask a team admin to turn on "Allow write access".',
      denial: 'write_disabled',
    });
  }
}

/** The refusal every write of an impersonated session gets (docs/architecture.md "Trust model"). */
export function impersonatedWrite(what: string): AppError {
  return new AppError(
    'forbidden',
    `This connection comes from an impersonated session, so ${what} is not allowed: impersonated sessions can only read.`,
    {
      hint: 'Sign in as yourself (not through WorkOS impersonation) to make changes.',
      denial: 'impersonated_session',
    },
  );
}
