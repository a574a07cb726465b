import type { ClientsService, OAuthClient } from '../clients/service.ts';

export type ClientAuthResult =
  | { ok: true; client: OAuthClient }
  | { ok: false; error: 'invalid_request' | 'invalid_client'; description: string; basic: boolean };

/**
 * Authenticates the client at the token and revocation endpoints (RFC 6749 §2.3.1): HTTP Basic,
 * or client_secret in the body, or a public client's bare client_id — whichever the client
 * registered, and only one method per request.
 */
export async function authenticateClient(
  request: Request,
  params: URLSearchParams,
  clients: ClientsService,
): Promise<ClientAuthResult> {
  const header = request.headers.get('authorization');
  let basic: { id: string; secret: string } | undefined;
  if (header) {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
    if (!m)
      return {
        ok: false,
        error: 'invalid_client',
        description: 'Unsupported Authorization header for client authentication.',
        basic: true,
      };
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0)
      return { ok: false, error: 'invalid_client', description: 'Malformed Basic credentials.', basic: true };
    try {
      // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
      basic = {
        id: decodeURIComponent(decoded.slice(0, colon)),
        secret: decodeURIComponent(decoded.slice(colon + 1)),
      };
    } catch {
      return { ok: false, error: 'invalid_client', description: 'Malformed Basic credentials.', basic: true };
    }
  }
  const bodyId = params.get('client_id') ?? undefined;
  const bodySecret = params.get('client_secret') ?? undefined;
  if (basic && bodySecret !== undefined) {
    return {
      ok: false,
      error: 'invalid_request',
      description: 'Use one client authentication method, not several.',
      basic: false,
    };
  }
  if (basic && bodyId !== undefined && bodyId !== basic.id) {
    return {
      ok: false,
      error: 'invalid_request',
      description: 'client_id does not match the Basic credentials.',
      basic: false,
    };
  }
  const clientId = basic?.id ?? bodyId;
  if (!clientId)
    return { ok: false, error: 'invalid_client', description: 'client_id is required.', basic: !!basic };
  const resolved = await clients.resolve(clientId);
  if (!resolved.ok)
    return { ok: false, error: 'invalid_client', description: resolved.message, basic: !!basic };
  const client = resolved.client;
  const method = basic ? 'client_secret_basic' : bodySecret !== undefined ? 'client_secret_post' : 'none';
  if (method !== client.tokenEndpointAuthMethod) {
    return {
      ok: false,
      error: 'invalid_client',
      description: `This client must authenticate with ${client.tokenEndpointAuthMethod}.`,
      basic: !!basic,
    };
  }
  const secret = basic?.secret ?? bodySecret;
  if (method !== 'none' && (!secret || !clients.secretMatches(client, secret))) {
    return {
      ok: false,
      error: 'invalid_client',
      description: 'Client authentication failed.',
      basic: !!basic,
    };
  }
  return { ok: true, client };
}
