/**
 * GATEHOUSE_EMBEDDED_RATE_LIMITS: how the embedded WorkOS of local mode (and `gatehouse emulator`)
 * rate-limits the keys it hands out. Live WorkOS limits every API key
 * (https://workos.com/docs/reference/rate-limits); the embedded one does the same by default so
 * that agents meet the 429s they would meet in live mode, and benchmarks turn it off.
 */
import { type Env, optional, quote } from './checks.ts';

export type EmbeddedRateLimits =
  /** WorkOS's documented limits (the default): 6,000 requests a minute per key, and the exceptions. */
  | { kind: 'workos' }
  /** No limit at all: benchmarks, which would otherwise measure the limiter. */
  | { kind: 'off' }
  /** `<requests>/<seconds>s`: one limit per key instead of WorkOS's (to rehearse a 429 quickly). */
  | { kind: 'fixed'; requests: number; windowSeconds: number };

export const EMBEDDED_RATE_LIMITS_VAR = 'GATEHOUSE_EMBEDDED_RATE_LIMITS';
export const DEFAULT_EMBEDDED_RATE_LIMITS: EmbeddedRateLimits = { kind: 'workos' };

const FIXED = /^(\d{1,7})\/(\d{1,4})s$/;

/** The setting, or the message naming what is wrong with it. */
export function parseEmbeddedRateLimits(
  raw: string,
): { ok: true; value: EmbeddedRateLimits } | { ok: false; problem: string } {
  const v = raw.trim().toLowerCase();
  if (v === 'workos') return { ok: true, value: { kind: 'workos' } };
  if (v === 'off') return { ok: true, value: { kind: 'off' } };
  const m = FIXED.exec(v);
  const requests = Number(m?.[1]);
  const windowSeconds = Number(m?.[2]);
  if (m && requests >= 1 && requests <= 1_000_000 && windowSeconds >= 1 && windowSeconds <= 3_600)
    return { ok: true, value: { kind: 'fixed', requests, windowSeconds } };
  return {
    ok: false,
    problem: `${EMBEDDED_RATE_LIMITS_VAR} must be 'workos' (WorkOS's documented limits, the default), 'off', or '<requests>/<seconds>s' with 1–1000000 requests per 1–3600 seconds (e.g. '100/60s'), got ${quote(raw.slice(0, 60))}`,
  };
}

/** The setting from the environment (default `workos`); a wrong value is pushed to `problems`. */
export function embeddedRateLimitsFrom(env: Env, problems: string[]): EmbeddedRateLimits {
  const raw = optional(env, EMBEDDED_RATE_LIMITS_VAR);
  if (raw === undefined) return DEFAULT_EMBEDDED_RATE_LIMITS;
  const r = parseEmbeddedRateLimits(raw);
  if (r.ok) return r.value;
  problems.push(r.problem);
  return DEFAULT_EMBEDDED_RATE_LIMITS;
}
