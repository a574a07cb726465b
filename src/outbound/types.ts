import type { Resolver } from './resolve.ts';

/** Default time limit for one outbound call, DNS resolution to last body byte. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default cap on a response body, counted after decompression. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

export interface GuardedFetchInit {
  /** HTTP method; GET by default. */
  method?: string;
  headers?: HeadersInit;
  body?: string | Uint8Array;
  /** Whole-call limit (resolution, connection, headers, body); 10 000 ms by default. */
  timeoutMs?: number;
  /** Largest accepted response body in bytes; 1 MiB by default. */
  maxResponseBytes?: number;
  /** When given, the URL's hostname must pass it (e.g. a provider's API host only). */
  allowedHosts?: (host: string) => boolean;
  /** Ports other than 443 the caller accepts. */
  allowedPorts?: readonly number[];
  /** Replaces system DNS (tests). */
  resolver?: Resolver;
  /**
   * Called once the destination passed every check (URL, DNS, addresses), right before the
   * request goes out; if it throws, nothing is sent. An exact-call approval is spent here.
   */
  beforeSend?: () => void;
}

/** A fully read response. Redirects are returned as they are: check `status` and `location`. */
export interface GuardedResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** The body decoded as UTF-8. */
  text(): string;
  /** The URL that was requested (never a redirect target: redirects are not followed). */
  url: string;
}

export type OutboundFetch = (url: string, init?: GuardedFetchInit) => Promise<GuardedResponse>;
