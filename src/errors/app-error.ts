/** The fixed set of failure kinds every caller maps (src/README.md). */
export const ERROR_CODES = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  rate_limited: 429,
  upstream_failed: 502,
  unavailable: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  /** What the caller can do about it, in one sentence. */
  hint?: string;
  /** Per-field problems, for forms and tool arguments. */
  fields?: { field: string; message: string }[];
  /** Seconds to wait before retrying (rate limits). */
  retryAfterSeconds?: number;
  /**
   * For a `forbidden` refusal a tool makes itself (no approval covers the call, say): the reason
   * the audit trail and the denial metrics record. A tool's `forbidden` is always a denial.
   */
  denial?: string;
  /** An outbound call that failed before its request was written (connection refused, TLS). */
  notSent?: boolean;
  cause?: unknown;
}

/** The one error type services throw; each adapter maps it with its one mapper: toHtml (pages), toToolResult (MCP tools), toOAuthError (OAuth endpoints). */
export class AppError extends Error {
  readonly hint: string | undefined;
  readonly fields: { field: string; message: string }[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly denial: string | undefined;
  readonly notSent: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.hint = options.hint;
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.denial = options.denial;
    this.notSent = options.notSent ?? false;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
