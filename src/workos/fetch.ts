/**
 * The `fetch` the WorkOS SDK uses (its `fetchFn` option). It replaces the SDK's own retries,
 * which honour `Retry-After` up to 60 s per attempt (three attempts: minutes inside one tool
 * call), with bounded ones, and keeps what the SDK drops:
 *
 * - retries (network errors, 408, 429, 5xx) only while the total wait stays within a budget;
 *   a `Retry-After` beyond it is handed straight back, so the agent hears "wait N seconds" at once;
 * - waits end when the SDK's per-request deadline aborts the request;
 * - POSTs carry one `Idempotency-Key` across attempts, as the SDK's own retries do;
 * - `Retry-After` as an HTTP-date (RFC 9110 §10.2.3) becomes delta-seconds, which is all the SDK
 *   parses (it reads the header with `Number()`);
 * - a 422's per-field errors, which the SDK's UnprocessableEntityException reduces to codes, are
 *   kept by request id for {@link takeFieldErrors}.
 */

/** Per-field validation errors of a WorkOS 422 (`errors: [{ field, code }]`). */
export interface WorkOSFieldError {
  field: string;
  code: string;
}

export interface RetryPolicy {
  /** Retries after the first attempt (default 2). */
  maxRetries?: number;
  /** Most time spent waiting between attempts, over all retries of one request (default 5 s). */
  budgetMs?: number;
  /** How a wait is spent (tests inject one that records the wait and returns at once). */
  sleep?: (ms: number, signal: AbortSignal | null | undefined) => Promise<void>;
}

export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_RETRY_BUDGET_MS = 5_000;
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * `Retry-After` in whole seconds from now: delta-seconds or an HTTP-date (RFC 9110 §10.2.3);
 * undefined when absent or unparseable. A date in the past means "now" (0).
 */
export function retryAfterSeconds(value: unknown, now = Date.now()): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.ceil(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  // An HTTP-date names its weekday and GMT (IMF-fixdate, or the obsolete RFC 850 / asctime forms).
  if (!/[A-Za-z]{3}/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** 422 field errors by request id, until fromWorkOSError takes them (bounded: oldest go first). */
const fieldErrors = new Map<string, WorkOSFieldError[]>();
const MAX_REMEMBERED = 256;

/** The per-field errors of the 422 answered under `requestId`, once. */
export function takeFieldErrors(requestId: string | undefined): WorkOSFieldError[] | undefined {
  if (!requestId) return undefined;
  const errors = fieldErrors.get(requestId);
  fieldErrors.delete(requestId);
  return errors;
}

function remember(requestId: string, errors: WorkOSFieldError[]) {
  fieldErrors.set(requestId, errors);
  while (fieldErrors.size > MAX_REMEMBERED) fieldErrors.delete(fieldErrors.keys().next().value as string);
}

function parseFieldErrors(body: unknown): WorkOSFieldError[] | undefined {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return undefined;
  const out = errors
    .filter((e): e is { field?: unknown; code?: unknown } => !!e && typeof e === 'object')
    .map((e) => ({
      field: typeof e.field === 'string' && e.field !== '' ? e.field.slice(0, 100) : '(request)',
      code: typeof e.code === 'string' && e.code !== '' ? e.code.slice(0, 100) : 'invalid',
    }))
    .slice(0, 20);
  return out.length ? out : undefined;
}

function withHeaders(res: Response, body: BodyInit | null, set: Record<string, string>): Response {
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(set)) headers.set(k, v);
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

/** The answer as the SDK should see it: Retry-After in seconds, a 422's field errors kept. */
async function normalise(res: Response): Promise<Response> {
  if (res.status === 422) {
    const text = await res.text();
    let errors: WorkOSFieldError[] | undefined;
    try {
      errors = parseFieldErrors(JSON.parse(text));
    } catch {
      errors = undefined;
    }
    let requestId = res.headers.get('x-request-id') ?? '';
    const set: Record<string, string> = {};
    if (errors) {
      if (!requestId) {
        requestId = `gatehouse_${crypto.randomUUID()}`;
        set['X-Request-ID'] = requestId;
      }
      remember(requestId, errors);
    }
    return withHeaders(res, text, set);
  }
  const retryAfter = res.headers.get('retry-after');
  if (retryAfter !== null && !/^\s*\d+\s*$/.test(retryAfter)) {
    const seconds = retryAfterSeconds(retryAfter);
    if (seconds === undefined) {
      const headers = new Headers(res.headers);
      headers.delete('retry-after');
      return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
    }
    return withHeaders(res, res.body, { 'Retry-After': String(seconds) });
  }
  return res;
}

function backoffMs(retry: number): number {
  return Math.min(250 * 2 ** retry, 2_000) * (0.5 + Math.random());
}

/** Waits `ms`, or rejects when `signal` aborts (the default wait of workosFetch). */
export function sleep(ms: number, signal: AbortSignal | null | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A fetch with Gatehouse's bounded retry policy, for `new WorkOS({ fetchFn, maxRetries: 0 })`. */
export function workosFetch(policy: RetryPolicy = {}, base: typeof fetch = fetch): typeof fetch {
  const maxRetries = policy.maxRetries ?? DEFAULT_MAX_RETRIES;
  const budgetMs = policy.budgetMs ?? DEFAULT_RETRY_BUDGET_MS;
  const pause = policy.sleep ?? sleep;
  const retrying = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let options = init;
    if (maxRetries > 0 && (init?.method ?? 'GET').toUpperCase() === 'POST') {
      const headers = new Headers(init?.headers);
      if (!headers.has('idempotency-key')) headers.set('Idempotency-Key', `retry-${crypto.randomUUID()}`);
      options = { ...init, headers };
    }
    let waited = 0;
    for (let retry = 0; ; retry++) {
      let res: Response;
      try {
        res = await base(input, options);
      } catch (e) {
        // Network failure (fetch's TypeError), never an abort: the deadline is the SDK's to report.
        const wait = backoffMs(retry);
        if (!(e instanceof TypeError) || options?.signal?.aborted || retry >= maxRetries) throw e;
        if (waited + wait > budgetMs) throw e;
        waited += wait;
        await pause(wait, options?.signal);
        continue;
      }
      if (!RETRY_STATUSES.has(res.status) || retry >= maxRetries) return normalise(res);
      const after = retryAfterSeconds(res.headers.get('retry-after'));
      const wait = after !== undefined ? after * 1000 : backoffMs(retry);
      if (waited + wait > budgetMs) return normalise(res);
      waited += wait;
      await res.body?.cancel().catch(() => {});
      await pause(wait, options?.signal);
    }
  };
  return Object.assign(retrying, { preconnect: base.preconnect }) as typeof fetch;
}
