import { sha256 } from '../crypto/random.ts';
import type { Grant } from './store.ts';

/** One call in the canonical form grants store and compare (see request.ts). */
export interface CallShape {
  method: string;
  url: string;
  /** SHA-256 of the canonical body; null when the call sends none. */
  bodyHash: string | null;
  /** The extra headers the call sends (lower-case names); absent or null when none. */
  headers?: Record<string, string> | null;
}

/** Why a grant does not let this exact call through. */
export type CallMismatch =
  /** A broad grant: it is not used by request_id. */
  | 'not_call'
  | 'consumed'
  /** Pending, denied, expired (as settled), revoked or superseded. */
  | 'not_approved'
  /** Approved, but its time is over (not yet settled). */
  | 'expired'
  | 'method_differs'
  | 'url_differs'
  /** The grant was approved with a body; the call sends none. */
  | 'body_missing'
  /** The grant was approved without a body (which allows none); the call sends one. */
  | 'body_unexpected'
  | 'body_differs'
  /** The extra headers differ from the approved ones (a grant without headers allows none). */
  | 'headers_differ';

export type CallMatch = { ok: true } | { ok: false; reason: CallMismatch };

export type MatchableGrant = Pick<Grant, 'kind' | 'status' | 'expiresAt' | 'method' | 'url' | 'bodyHash'> &
  Partial<Pick<Grant, 'headers'>>;

/** Header sets compared by lower-case name and exact value; none and {} are the same. */
function sameHeaders(
  a: Record<string, string> | null | undefined,
  b: Record<string, string> | null | undefined,
) {
  const norm = (h: Record<string, string> | null | undefined) =>
    JSON.stringify(
      Object.entries(h ?? {})
        .map(([k, v]) => [k.toLowerCase(), v])
        .sort(([x], [y]) => (x! < y! ? -1 : x! > y! ? 1 : 0)),
    );
  return norm(a) === norm(b);
}

/** The call's shape: method and URL as given (already canonical), the body hashed. */
export function callShape(req: {
  method: string;
  url: string;
  body: string | undefined;
  headers?: Record<string, string> | undefined;
}): CallShape {
  return {
    method: req.method,
    url: req.url,
    bodyHash: req.body === undefined ? null : sha256(req.body),
    ...(req.headers && Object.keys(req.headers).length > 0 ? { headers: req.headers } : {}),
  };
}

/**
 * Whether an exact-call grant lets this call through at `now`: an approved, unexpired, unused
 * `call` grant whose method, URL, body (hash) and extra headers are exactly the call's. Pure: the agent's check
 * and the atomic consume both ask it, so they cannot disagree.
 */
export function matchCall(grant: MatchableGrant, call: CallShape, now: number): CallMatch {
  const no = (reason: CallMismatch): CallMatch => ({ ok: false, reason });
  if (grant.kind !== 'call') return no('not_call');
  if (grant.status === 'consumed') return no('consumed');
  if (grant.status !== 'approved') return no('not_approved');
  if ((grant.expiresAt ?? 0) <= now) return no('expired');
  if (grant.method !== call.method) return no('method_differs');
  if (grant.url !== call.url) return no('url_differs');
  if (grant.bodyHash !== call.bodyHash) {
    if (grant.bodyHash === null) return no('body_unexpected');
    return no(call.bodyHash === null ? 'body_missing' : 'body_differs');
  }
  if (!sameHeaders(grant.headers, call.headers)) return no('headers_differ');
  return { ok: true };
}
