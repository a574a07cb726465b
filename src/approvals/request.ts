import { z } from 'zod';
import { canonicalJson } from '../crypto/canonical-json.ts';
import { AppError } from '../errors/app-error.ts';
import { PROVIDERS, providerForUrl } from './providers/index.ts';
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
  /** The extra headers the agent sends, as given (compared by lower-case name). */
  headers?: Record<string, string> | undefined;
}

/**
 * Puts an agent's request into the one canonical form that grants store and compare:
 * upper-case method, normalised https URL of a known provider, canonical JSON body.
 */
export function canonicalRequest(method: string, url: string, body: unknown): CanonicalRequest {
  // Refused as sent, never repaired: the URL parser drops tabs and line breaks and resolves dot
  // segments, so what would be called (and approved) would not be what the agent wrote.
  if (/[\s\p{Cc}]/u.test(url))
    throw new AppError(
      'invalid_input',
      'url holds a space, tab, line break or other control character: percent-encode it (%20) or remove it.',
    );
  // A backslash is a path separator to the URL parser (https), so `a\..\b` would be resolved away.
  if (url.includes('\\'))
    throw new AppError(
      'invalid_input',
      'url holds a backslash: write the path with "/", or percent-encode it (%5C).',
    );
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
  if (parsed.username || parsed.password)
    throw new AppError(
      'invalid_input',
      'url must not carry credentials (user:password@): Gatehouse adds the provider credentials itself.',
    );
  // RFC 3986 §3.3: `.` and `..` segments (or their percent-encoded forms) as written.
  const path = url
    .slice(url.indexOf('//') + 2)
    .replace(/^[^/?]*/, '')
    .split('?')[0]!;
  if (/(^|\/)(\.|%2e){1,2}(\/|$)/i.test(path))
    throw new AppError(
      'invalid_input',
      'url must not contain "." or ".." path segments: write the path in full.',
    );
  const provider = providerForUrl(parsed);
  if (!provider && parsed.port === '' && PROVIDERS.some((p) => p.allowsHost(parsed.hostname.toLowerCase())))
    throw new AppError(
      'forbidden',
      `${parsed.pathname} is not a path of ${parsed.hostname}'s API that Gatehouse calls.`,
      {
        hint: 'Call list_integrations for the providers and their API base URLs.',
        denial: 'provider_not_allowed',
      },
    );
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
  headers?: Record<string, string> | undefined;
}): CanonicalRequest {
  const req = canonicalRequest(String(args.method ?? ''), String(args.url ?? ''), args.body);
  return args.headers && Object.keys(args.headers).length > 0 ? { ...req, headers: args.headers } : req;
}

/** Headers an agent may never set: credentials are Gatehouse's to inject, transport is ours. */
const FORBIDDEN_HEADERS =
  /^(authorization|proxy-authorization|cookie|host|content-length|transfer-encoding|connection|upgrade|te|trailer|keep-alive|x-forwarded-.*|forwarded|x-real-ip|x-snowflake-authorization-token-type)$/i;
/**
 * Method overrides: a server honouring one would run a DELETE while Gatehouse judged (and the
 * human approved) a GET or a POST query, so the read/write decision would not hold.
 */
const METHOD_OVERRIDE_HEADERS = /^(x-http-method-override|x-http-method|x-method-override)$/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

/** Why an agent may not send this header, or undefined when it may. */
const FIELD_VALUE = /^[\t\x20-\x7E\x80-\xFF]*$/;

function headerProblem(name: string, value: string): string | undefined {
  if (!HEADER_NAME.test(name)) return `Invalid header name ${JSON.stringify(name.slice(0, 50))}.`;
  if (METHOD_OVERRIDE_HEADERS.test(name))
    return `You cannot set the ${name} header: the request's method is what gets approved and checked; send that method instead.`;
  if (FORBIDDEN_HEADERS.test(name))
    return `You cannot set the ${name} header: Gatehouse injects the provider credentials itself.`;
  if (/[\r\n]/.test(value)) return `The ${name} header contains a line break.`;
  if (value.includes('\0')) return `The ${name} header contains a NUL character.`;
  // RFC 9110 §5.5: a field value is visible ASCII, spaces, tabs and obs-text (bytes 0x80–0xFF).
  if (!FIELD_VALUE.test(value))
    return `The ${name} header holds a character no header can carry (RFC 9110 §5.5): use ASCII, or encode the value.`;
  return undefined;
}

export const headersArg = z
  .record(z.string(), z.string().max(2000))
  .optional()
  .superRefine((headers, ctx) => {
    const entries = Object.entries(headers ?? {});
    if (entries.length > 20) ctx.addIssue({ code: 'custom', message: 'At most 20 extra headers.' });
    for (const [name, value] of entries) {
      const problem = headerProblem(name, value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [name] });
    }
  })
  .describe('Extra request headers (no Authorization, Cookie or Host).');
