/**
 * Sending many invitations within WorkOS's rate limits (https://workos.com/docs/reference/rate-limits:
 * AuthKit writes, invitations among them, are limited per environment; a refused request is a 429
 * with `Retry-After`). Invitations go one at a time; when WorkOS refuses one for rate, the run waits
 * the `Retry-After` it was given and sends the same one again, as long as the waits of this call
 * stay within a budget. Past it the run stops and says where: the rows left are "not attempted",
 * and calling again with the same CSV resumes, since rows already invited are then reported as
 * pending invitations, never sent twice.
 */
import { isAppError } from '../../errors/app-error.ts';
import { sleep as abortableSleep } from '../../workos/fetch.ts';

/** Most time one call spends waiting for WorkOS's rate-limit windows to reopen. */
export const PACE_BUDGET_MS = 30_000;

export interface PaceOptions {
  budgetMs?: number;
  /** How a wait is spent (tests inject one that records it and returns at once). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
}

export interface PaceReport {
  /** Items sent (successfully or not), in order. */
  attempted: number;
  /** Waits for rate-limit windows, in seconds, in order. */
  waits: number[];
  /** Why the run stopped before the end: the call was cancelled, or the wait budget ran out. */
  stopped?: { reason: 'cancelled' } | { reason: 'rate_limited'; retryAfterSeconds: number };
}

/**
 * Calls `send` for each item in order. `send` records its own outcome; a WorkOS rate-limit
 * refusal (AppError `rate_limited`) it throws is waited out and the item sent again.
 */
export async function sendPaced<T>(
  items: readonly T[],
  send: (item: T) => Promise<void>,
  options: PaceOptions,
): Promise<PaceReport> {
  const budget = options.budgetMs ?? PACE_BUDGET_MS;
  const pause = options.sleep ?? abortableSleep;
  const waits: number[] = [];
  let waited = 0;
  for (let i = 0; i < items.length; ) {
    if (options.signal.aborted) return { attempted: i, waits, stopped: { reason: 'cancelled' } };
    try {
      await send(items[i]!);
      i++;
    } catch (e) {
      if (!isAppError(e) || e.code !== 'rate_limited') throw e;
      const seconds = Math.max(1, e.retryAfterSeconds ?? 1);
      if (waited + seconds * 1000 > budget)
        return { attempted: i, waits, stopped: { reason: 'rate_limited', retryAfterSeconds: seconds } };
      waited += seconds * 1000;
      waits.push(seconds);
      try {
        await pause(seconds * 1000, options.signal);
      } catch {
        return { attempted: i, waits, stopped: { reason: 'cancelled' } };
      }
    }
  }
  return { attempted: items.length, waits };
}
