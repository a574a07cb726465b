/**
 * The tool call a WorkOS request belongs to. The pipeline runs each call's work inside its
 * CallTrace (CallTrace.run); the fetch every WorkOS client uses (tracedFetch) finds it here and
 * opens a child span for the request. Outside a traced call (traces off, sign-in, start-up) the
 * fetch is the plain one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallTrace, WorkOSRequest } from './types.ts';

/**
 * Created by the first traced call only: with traces off no AsyncLocalStorage exists, so the
 * runtime tracks no async context for Gatehouse, and tracedFetch is one comparison.
 */
let current: AsyncLocalStorage<CallTrace> | undefined;

/** Runs `work` with `trace` as the current call's (for CallTrace implementations). */
export function runInCall<T>(trace: CallTrace, work: () => Promise<T>): Promise<T> {
  current ??= new AsyncLocalStorage<CallTrace>();
  return current.run(trace, work);
}

/** A path segment kept as it is: a lowercase resource word (`organizations`, `user_management`). */
const WORD = /^[a-z]+(?:_[a-z]+)*$/;

/**
 * The path of a WorkOS request as a span may show it (`/organizations/{id}/domains`): every
 * segment that is not a lowercase resource word — ids (`org_01H…`), emails, tokens in a path —
 * becomes `{id}`; the query string is dropped whole (it carries filters such as emails).
 */
export function pathTemplate(pathname: string): string {
  const segments = pathname
    .split('/')
    .map((s) => (s === '' || (s.length <= 40 && WORD.test(s)) ? s : '{id}'));
  return segments.join('/') || '/';
}

function describe(input: string | URL | Request, init: RequestInit | undefined): WorkOSRequest | undefined {
  let url: URL;
  try {
    url = new URL(input instanceof Request ? input.url : String(input));
  } catch {
    return undefined;
  }
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  return {
    method,
    template: pathTemplate(url.pathname),
    host: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    scheme: url.protocol === 'http:' ? 'http' : 'https',
  };
}

/**
 * `base`, with a child span of the current tool call around each request (the WorkOS SDK's
 * `fetchFn`). Retries inside `base` belong to the one span; its status is the final answer's.
 */
export function tracedFetch(base: typeof fetch): typeof fetch {
  const traced = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const trace = current?.getStore();
    const request = trace && describe(input, init);
    if (!trace || !request) return base(input, init);
    const span = trace.workos(request);
    try {
      const res = await base(input, init);
      span.end(res.status);
      return res;
    } catch (e) {
      span.fail(e);
      throw e;
    }
  };
  return Object.assign(traced, { preconnect: base.preconnect }) as typeof fetch;
}
