/**
 * The one place a `@workos-inc/node` client is built, for live WorkOS and for the embedded one
 * alike: both modes run the same SDK over HTTP (docs/architecture.md "Modes").
 */
import { WorkOS } from '@workos-inc/node';
import { WORKOS_REQUEST_TIMEOUT_MS } from '../config/constants.ts';
import type { EmbeddedWorkOS } from '../emulator/index.ts';
import { tracedFetch } from '../telemetry/index.ts';
import { type RetryPolicy, workosFetch } from './fetch.ts';
import { guardOrganizations, type StaffMarks } from './staff-guard.ts';

/** Where a client points and with which credentials. */
export interface WorkOSTarget {
  apiKey: string;
  clientId: string;
  /** Default api.workos.com. */
  apiHostname?: string;
  port?: number;
  /** Default true; the embedded WorkOS speaks plain http on loopback. */
  https?: boolean;
}

export interface WorkOSClientOptions {
  /** Retries on network errors, 408, 429 and 5xx (default DEFAULT_MAX_RETRIES). */
  maxRetries?: number;
  /** Most time one request may spend waiting to retry (default DEFAULT_RETRY_BUDGET_MS). */
  retryBudgetMs?: number;
  /** How retry waits are spent (tests: recorded, not slept). */
  sleep?: RetryPolicy['sleep'];
  /** Per-request deadline, retries included (default WORKOS_REQUEST_TIMEOUT_MS). */
  timeoutMs?: number;
  /** What this client must never read or touch: the staff teams (see staff-guard.ts). */
  protect?: () => StaffMarks | Promise<StaffMarks>;
}

/**
 * A real WorkOS SDK client for `target`. Retries are Gatehouse's (see workosFetch), not the
 * SDK's: the SDK would wait out a `Retry-After` of up to a minute per attempt inside a tool call.
 * The SDK's deadline spans one fetchFn call, so it bounds the retries and their waits too.
 */
export function createWorkOSClient(target: WorkOSTarget, options: WorkOSClientOptions = {}): WorkOS {
  const retrying = workosFetch({
    ...(options.maxRetries !== undefined && { maxRetries: options.maxRetries }),
    ...(options.retryBudgetMs !== undefined && { budgetMs: options.retryBudgetMs }),
    ...(options.sleep !== undefined && { sleep: options.sleep }),
  });
  return new WorkOS({
    apiKey: target.apiKey,
    clientId: target.clientId,
    ...(target.apiHostname !== undefined && { apiHostname: target.apiHostname }),
    ...(target.port !== undefined && { port: target.port }),
    ...(target.https !== undefined && { https: target.https }),
    maxRetries: 0,
    // A child span of the current tool call per request, when traces are on (src/telemetry).
    fetchFn: tracedFetch(options.protect ? guardOrganizations(retrying, options.protect) : retrying),
    timeout: options.timeoutMs ?? WORKOS_REQUEST_TIMEOUT_MS,
  });
}

/** The target of an embedded (local mode) WorkOS: its fixture front, over http. */
export function targetForEmbedded(embedded: EmbeddedWorkOS): WorkOSTarget {
  return {
    apiKey: embedded.apiKey,
    clientId: embedded.clientId,
    apiHostname: embedded.host,
    port: embedded.port,
    https: false,
  };
}
