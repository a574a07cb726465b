import {
  AUTHORIZE_REQUESTS_PER_MINUTE,
  REGISTRATIONS_PER_ADDRESS,
  TOKEN_REQUESTS_PER_MINUTE,
} from '../../config/constants.ts';
import { addressKey, clientAddress } from '../../http/client-ip.ts';
import { type RateDecision, RateLimiter, rateLimitHeaders, refusal } from '../../http/rate-limit.ts';
import type { Clock } from '../../kernel/clock.ts';
import { oauthErrorResponse } from '../errors.ts';

/** Longest client_id kept as a limiter key; longer ones count under one shared key. */
const MAX_CLIENT_KEY_CHARS = 512;

/**
 * The authorization server's rate limits (token buckets, burst = one minute's worth): POST
 * /token and /authorize per client_id and per address, POST /register per address (a client id
 * does not exist before registration). The address is the TCP peer, or behind a trusted proxy
 * the client it names (TRUSTED_PROXIES); IPv6 counts per /64.
 */
export class OAuthRateLimits {
  readonly tokenByClient: RateLimiter;
  readonly tokenByAddress: RateLimiter;
  readonly authorizeByClient: RateLimiter;
  readonly authorizeByAddress: RateLimiter;

  constructor(clock: Clock) {
    const t = TOKEN_REQUESTS_PER_MINUTE;
    const a = AUTHORIZE_REQUESTS_PER_MINUTE;
    this.tokenByClient = new RateLimiter(clock, t.perClient, t.perClient, 'token-client');
    this.tokenByAddress = new RateLimiter(clock, t.perAddress, t.perAddress, 'token-address');
    this.authorizeByClient = new RateLimiter(clock, a.perClient, a.perClient, 'authorize-client');
    this.authorizeByAddress = new RateLimiter(clock, a.perAddress, a.perAddress, 'authorize-address');
  }
}

/** The per-address registration limiter (AppContext.oauth.registrationLimiter). */
export function registrationLimiter(clock: Clock): RateLimiter {
  const r = REGISTRATIONS_PER_ADDRESS;
  return new RateLimiter(clock, r.burst, r.perMinute, 'register-address');
}

/** The key a request counts under in a per-address limiter. */
export function addressOf(request: Request): string {
  return addressKey(clientAddress(request));
}

export function clientKey(clientId: string, address: string): string {
  // Counted per client *from each address*: the client_id is only claimed at this point, so a
  // bucket shared by every address would let anyone lock a public client out for all its users.
  const client = clientId.length > MAX_CLIENT_KEY_CHARS ? '(oversized client_id)' : clientId;
  return `${address}|${client}`;
}

/**
 * The client_id a token request claims (HTTP Basic or the body), before it is authenticated:
 * what it is counted under. Authentication itself happens after the limit.
 */
export function claimedClientId(request: Request, params: URLSearchParams): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(request.headers.get('authorization')?.trim() ?? '');
  if (m) {
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      try {
        return decodeURIComponent(decoded.slice(0, colon));
      } catch {
        return decoded.slice(0, colon);
      }
    }
  }
  return params.get('client_id') ?? undefined;
}

/** A 429 in the OAuth error format (RFC 6749 §5.2), with Retry-After and the RateLimit fields. */
export function oauthTooMany(what: string, decisions: readonly RateDecision[]): Response {
  const d = refusal(decisions)!;
  const per = d.name.endsWith('-client') ? 'this client' : 'this address';
  return oauthErrorResponse(
    'temporarily_unavailable',
    `Too many ${what} from ${per}; retry in ${d.retryAfterSeconds} seconds.`,
    429,
    rateLimitHeaders(decisions),
  );
}
