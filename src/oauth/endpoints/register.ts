import type { AppContext } from '../../app/context.ts';
import { withRateLimitHeaders } from '../../http/rate-limit.ts';
import { utf8Text } from '../../http/utf8.ts';
import { MAX_METADATA_BYTES, validateClientMetadata } from '../clients/validate-metadata.ts';
import { oauthErrorResponse, oauthJson } from '../errors.ts';
import { addressOf, oauthTooMany } from './limits.ts';

/**
 * POST /register — Dynamic Client Registration (RFC 7591 §3), rate-limited per address (429 with
 * Retry-After; every answer carries the RateLimit header fields).
 */
export async function register(ctx: AppContext, request: Request): Promise<Response> {
  const limit = ctx.oauth.registrationLimiter.check(addressOf(request));
  if (!limit.allowed) return oauthTooMany('client registrations', [limit]);
  return withRateLimitHeaders(await registerClient(ctx, request), [limit]);
}

async function registerClient(ctx: AppContext, request: Request): Promise<Response> {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    return oauthErrorResponse(
      'invalid_client_metadata',
      'The registration request must be application/json.',
    );
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_METADATA_BYTES) {
    return oauthErrorResponse(
      'invalid_client_metadata',
      `Client metadata must be at most ${MAX_METADATA_BYTES} bytes.`,
      413,
    );
  }
  const bytes = await request.arrayBuffer();
  if (bytes.byteLength > MAX_METADATA_BYTES) {
    return oauthErrorResponse(
      'invalid_client_metadata',
      `Client metadata must be at most ${MAX_METADATA_BYTES} bytes.`,
      413,
    );
  }
  const text = utf8Text(bytes);
  if (text === undefined)
    return oauthErrorResponse(
      'invalid_client_metadata',
      'The registration request is not valid UTF-8 (JSON is UTF-8: RFC 8259 §8.1).',
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return oauthErrorResponse('invalid_client_metadata', 'The registration request is not valid JSON.');
  }
  const valid = validateClientMetadata(json, 'dcr');
  if (!valid.ok) return oauthErrorResponse(valid.problem.error, valid.problem.message);
  const { client, clientSecret } = ctx.oauth.clients.register(valid.value);
  ctx.log.info('oauth client registered', { client_id: client.id, client_name: client.clientName });
  // RFC 7591 §3.2.1
  return oauthJson(
    {
      client_id: client.id,
      client_id_issued_at: Math.floor(client.createdAt / 1000),
      ...(clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
      ...client.metadata,
    },
    201,
  );
}
