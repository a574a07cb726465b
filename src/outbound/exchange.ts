import { AppError, isAppError } from '../errors/app-error.ts';
import { readLimited } from './body.ts';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  type GuardedFetchInit,
  type GuardedResponse,
} from './types.ts';

/** Opens the connection and returns the response head; aborted through `signal` at the deadline. */
export type Sender = (signal: AbortSignal) => Promise<Response>;

interface Limits {
  timeoutMs: number;
  maxResponseBytes: number;
}

/** The limits of `init`, with defaults, refusing values that would switch a limit off. */
export function limitsOf(init: GuardedFetchInit): Limits {
  const timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = init.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new AppError('invalid_input', `Outbound timeoutMs must be a positive number, not ${timeoutMs}.`);
  }
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 0) {
    throw new AppError(
      'invalid_input',
      `Outbound maxResponseBytes must be a whole number ≥ 0, not ${maxResponseBytes}.`,
    );
  }
  return { timeoutMs, maxResponseBytes };
}

/** Rejects with the abort reason as soon as `signal` fires, even if `work` never settles (DNS). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function describe(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * Runs one request under the deadline and the body limit, and buffers the answer. Redirects
 * come back as they are (the sender uses `redirect: 'manual'`).
 *
 * @throws AppError as thrown by the sender or the body limit; `upstream_failed` for timeouts
 * and network/TLS failures.
 */
export async function exchange(target: URL, limits: Limits, send: Sender): Promise<GuardedResponse> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('outbound deadline'));
  }, limits.timeoutMs);
  try {
    const res = await send(controller.signal);
    const body = await readLimited(res, limits.maxResponseBytes, target.host);
    const headers = new Headers(res.headers);
    return {
      status: res.status,
      headers,
      body,
      text: () => new TextDecoder().decode(body),
      url: target.href,
    };
  } catch (e) {
    // Stops whatever is still streaming (an oversize body, a half-open connection).
    controller.abort(e);
    if (isAppError(e)) throw e;
    if (timedOut) {
      throw new AppError('upstream_failed', `${target.host} did not answer within ${limits.timeoutMs} ms.`, {
        cause: e,
      });
    }
    throw new AppError('upstream_failed', `Could not reach ${target.host}: ${describe(e)}.`, {
      cause: e,
      notSent: neverSent(e),
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Errors that happen before a request is written: the connection was refused or could not be
 * opened, or TLS refused the server. A timeout or reset may come after the request went out,
 * so it never counts as unsent.
 */
const NOT_SENT_CODES = new Set([
  'ConnectionRefused',
  'ECONNREFUSED',
  'FailedToOpenSocket',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
]);

function neverSent(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NOT_SENT_CODES.has(code);
}
