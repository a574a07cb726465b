/**
 * The embedded WorkOS's rate limits, as WorkOS documents them
 * (https://workos.com/docs/reference/rate-limits), applied by the fixture front to the key its
 * clients present — never to the internal keys the front itself uses on the emulator
 * (internal-keys.ts keeps those clear of the emulator's own limit).
 *
 * A refused request is answered as WorkOS's own emulator (`workos/emulate`, core/server.js)
 * answers it, the WorkOS error shape of https://workos.com/docs/reference/errors (429 "Too many
 * requests"): `429 { message: 'Too Many Requests', code: 'rate_limit_exceeded' }` with
 * `Retry-After` in seconds, which @workos-inc/node reads into
 * `RateLimitExceededException.retryAfter`. Every keyed answer carries `X-RateLimit-Limit`,
 * `X-RateLimit-Remaining` and `X-RateLimit-Reset` (epoch seconds) of its tightest window, as the
 * emulator sends them. Windows are fixed, starting at a bucket's first request, like the emulator's.
 */
import type { EmbeddedRateLimits } from '../config/embedded-rate-limits.ts';

/** What a rule looks at to decide which bucket (if any) a request counts in. */
export interface RateRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The request presents this environment's API key (bearer or `client_secret`). */
  keyed: boolean;
  /** The JSON body, read only for the rules that key on it (empty otherwise). */
  body: Record<string, unknown>;
}

export interface RateRule {
  /** As WorkOS's table names it, e.g. "Delete Organization". */
  name: string;
  requests: number;
  windowSeconds: number;
  /** The bucket the request counts in, or undefined when the rule does not apply to it. */
  bucket(req: RateRequest): string | undefined;
  /** The rule keys on the JSON body: the front reads it for these paths only. */
  readsBody?: (method: string, path: string) => boolean;
}

const SECOND = 1;
const MINUTE = 60;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v.toLowerCase() : undefined;
const post = (path: string) => (method: string, p: string) => method === 'POST' && p === path;

/**
 * WorkOS's table, https://workos.com/docs/reference/rate-limits. The general limit counts per API
 * key ("Authenticated API requests are counted per API key"); each environment's front has one
 * key, so per key and per environment are the same bucket here.
 */
export const WORKOS_RATE_RULES: readonly RateRule[] = [
  {
    name: 'All requests',
    requests: 6_000,
    windowSeconds: MINUTE,
    bucket: (r) => (r.keyed ? 'key' : undefined),
  },
  {
    name: 'Get Authorization URL',
    requests: 1_000,
    windowSeconds: MINUTE,
    // Per connection; an organization or provider selects the connection when none is named.
    bucket: (r) =>
      r.method === 'GET' && r.path === '/sso/authorize'
        ? `connection:${r.query.get('connection') ?? r.query.get('organization') ?? r.query.get('provider') ?? ''}`
        : undefined,
  },
  {
    name: 'Directory Users',
    requests: 4,
    windowSeconds: SECOND,
    // Per directory; a list filtered by group only counts under that group.
    bucket: (r) =>
      r.keyed && r.method === 'GET' && r.path === '/directory_users'
        ? `directory:${r.query.get('directory') ?? `group:${r.query.get('group') ?? ''}`}`
        : undefined,
  },
  {
    name: 'Delete Organization',
    requests: 50,
    windowSeconds: MINUTE,
    bucket: (r) =>
      r.keyed && r.method === 'DELETE' && /^\/organizations\/[^/]+$/.test(r.path) ? 'key' : undefined,
  },
  // "Rate limiting for AuthKit APIs are enforced on a per environment basis."
  {
    name: 'AuthKit reads',
    requests: 1_000,
    windowSeconds: 10,
    bucket: (r) =>
      r.keyed && r.method === 'GET' && r.path.startsWith('/user_management/') ? 'env' : undefined,
  },
  {
    name: 'AuthKit writes',
    requests: 500,
    windowSeconds: 10,
    bucket: (r) =>
      r.keyed && r.method !== 'GET' && r.path.startsWith('/user_management/') ? 'env' : undefined,
  },
  {
    name: 'Authentication',
    requests: 10,
    windowSeconds: MINUTE,
    // Per email (password) or challenge id (MFA); a code exchange names neither and is not counted.
    bucket: (r) => {
      if (r.method !== 'POST' || r.path !== '/user_management/authenticate') return undefined;
      const who = str(r.body.email) ?? str(r.body.authentication_challenge_id);
      return who ? `authenticate:${who}` : undefined;
    },
    readsBody: post('/user_management/authenticate'),
  },
  {
    name: 'Magic Auth',
    requests: 3,
    windowSeconds: MINUTE,
    bucket: (r) => {
      if (r.method !== 'POST' || r.path !== '/user_management/magic_auth/send') return undefined;
      const email = str(r.body.email);
      return email ? `magic:${email}` : undefined;
    },
    readsBody: post('/user_management/magic_auth/send'),
  },
  {
    name: 'Email verification',
    requests: 3,
    windowSeconds: MINUTE,
    bucket: (r) => {
      const m = /^\/user_management\/users\/([^/]+)\/email_verification\/send$/.exec(r.path);
      return r.keyed && r.method === 'POST' && m ? `verify:${m[1]}` : undefined;
    },
  },
  {
    name: 'Password reset',
    requests: 3,
    windowSeconds: MINUTE,
    bucket: (r) => {
      if (r.method !== 'POST' || r.path !== '/user_management/password_reset/send') return undefined;
      const email = str(r.body.email);
      return email ? `reset:${email}` : undefined;
    },
    readsBody: post('/user_management/password_reset/send'),
  },
];

/** The rules a setting stands for. */
export function rateRulesFor(setting: EmbeddedRateLimits): readonly RateRule[] {
  switch (setting.kind) {
    case 'workos':
      return WORKOS_RATE_RULES;
    case 'off':
      return [];
    case 'fixed':
      return [
        {
          name: `${setting.requests} requests per ${setting.windowSeconds} seconds`,
          requests: setting.requests,
          windowSeconds: setting.windowSeconds,
          bucket: (r) => (r.keyed ? 'key' : undefined),
        },
      ];
  }
}

export interface RateDecision {
  allowed: boolean;
  /** Name of the rule that refused the request. */
  refusedBy?: string;
  /** Seconds until the refusing window resets (at least 1); only when refused. */
  retryAfterSeconds?: number;
  /** `X-RateLimit-*` (and `Retry-After` when refused); empty when no rule applies. */
  headers: Record<string, string>;
}

interface Window {
  count: number;
  resetAt: number;
}

/** Buckets kept before expired ones are swept (per-email and per-directory buckets come and go). */
const SWEEP_AT = 10_000;

export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly rules: readonly RateRule[],
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.rules.length > 0;
  }

  /** Whether the request's body must be read for `take` (a rule keys on it). */
  readsBody(method: string, path: string): boolean {
    return this.rules.some((r) => r.readsBody?.(method, path));
  }

  /**
   * Counts the request in every window it falls in, unless one of them is already full: then
   * nothing is counted and the answer is the refusal of the window that frees up last.
   */
  take(req: RateRequest): RateDecision {
    const now = this.now();
    if (this.windows.size > SWEEP_AT) {
      for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    }
    const hits: { rule: RateRule; window: Window }[] = [];
    this.rules.forEach((rule, i) => {
      const bucket = rule.bucket(req);
      if (bucket === undefined) return;
      const key = `${i}|${bucket}`;
      let window = this.windows.get(key);
      if (!window || window.resetAt <= now) {
        window = { count: 0, resetAt: now + rule.windowSeconds * 1000 };
        this.windows.set(key, window);
      }
      hits.push({ rule, window });
    });
    if (hits.length === 0) return { allowed: true, headers: {} };
    const full = hits.filter((h) => h.window.count >= h.rule.requests);
    if (full.length > 0) {
      const last = full.reduce((a, b) => (b.window.resetAt > a.window.resetAt ? b : a));
      const retryAfterSeconds = Math.max(1, Math.ceil((last.window.resetAt - now) / 1000));
      return {
        allowed: false,
        refusedBy: last.rule.name,
        retryAfterSeconds,
        headers: { ...headersOf(last.rule, last.window), 'Retry-After': String(retryAfterSeconds) },
      };
    }
    for (const h of hits) h.window.count += 1;
    const tightest = hits.reduce((a, b) =>
      b.rule.requests - b.window.count < a.rule.requests - a.window.count ? b : a,
    );
    return { allowed: true, headers: headersOf(tightest.rule, tightest.window) };
  }
}

function headersOf(rule: RateRule, window: Window): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(rule.requests),
    'X-RateLimit-Remaining': String(Math.max(0, rule.requests - window.count)),
    'X-RateLimit-Reset': String(Math.ceil(window.resetAt / 1000)),
  };
}

/** The emulator's own rate-limit headers: they describe an internal key, never the client's. */
export const EMULATOR_RATE_HEADERS = [
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
] as const;

/** WorkOS's 429 body (the emulator's, word for word). */
export const RATE_LIMITED_BODY = { message: 'Too Many Requests', code: 'rate_limit_exceeded' } as const;
