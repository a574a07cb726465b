/**
 * The API key a WorkOS request presents. The SDK sends it as `Authorization: Bearer <key>` and,
 * on `/user_management/authenticate` and `/sso/token`, also as `client_secret` in the body
 * (JSON, or a form for `/sso/token`). A public client (PKCE only) presents neither.
 */

const BEARER = /^Bearer\s+(.+)$/i;

export interface PresentedCredentials {
  bearer: string | undefined;
  clientSecret: string | undefined;
}

export function bearerToken(headers: Headers): string | undefined {
  return headers.get('authorization')?.match(BEARER)?.[1]?.trim() || undefined;
}

/** `client_secret` of a JSON or form body; undefined when absent or the body is neither. */
export function bodyClientSecret(contentType: string | null, body: string): string | undefined {
  if (body === '') return undefined;
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) {
    return new URLSearchParams(body).get('client_secret') || undefined;
  }
  if (!type.includes('json') && type !== '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const secret = (parsed as Record<string, unknown>).client_secret;
      return typeof secret === 'string' && secret !== '' ? secret : undefined;
    }
  } catch {
    // Not JSON: nothing presented in the body.
  }
  return undefined;
}

export function presentedCredentials(headers: Headers, body: string): PresentedCredentials {
  return { bearer: bearerToken(headers), clientSecret: bodyClientSecret(headers.get('content-type'), body) };
}
