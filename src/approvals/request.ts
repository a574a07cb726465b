import { canonicalJson } from '../crypto/canonical-json.ts';
import { AppError } from '../errors/app-error.ts';
import { providerForUrl } from './providers/index.ts';
import type { Provider } from './providers/types.ts';

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

/** Whether a canonical request changes data, as its provider judges it (a GraphQL mutation, a POST…). */
export function isWriteRequest(req: CanonicalRequest): boolean {
  return req.provider.isWrite({ method: req.method, url: req.parsedUrl, body: req.body });
}

/** The request an integration call's arguments make (method, url, body), in canonical form. */
export function integrationRequest(args: {
  method?: unknown;
  url?: unknown;
  body?: unknown;
}): CanonicalRequest {
  return canonicalRequest(String(args.method ?? ''), String(args.url ?? ''), args.body);
}
