import {
  BadRequestException,
  ConflictException,
  GenericServerException,
  NotFoundException,
  RateLimitExceededException,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@workos-inc/node';
import { AppError } from '../errors/app-error.ts';
import { retryAfterSeconds, takeFieldErrors } from './fetch.ts';

/** What to tell the agent when WorkOS rate-limits without a usable Retry-After. */
const DEFAULT_RETRY_AFTER_SECONDS = 30;

/**
 * Turns anything the WorkOS SDK throws into an AppError that says what failed and what to do
 * (docs/architecture.md "The MCP surface and the policy pipeline" step 6). `action` names the operation, e.g. "get organization org_123".
 */
export function fromWorkOSError(e: unknown, action: string): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof NotFoundException) {
    return new AppError('not_found', `WorkOS could not ${action}: not found.`, {
      hint: 'Check the id; the matching list tool shows the ids that exist in this environment.',
      cause: e,
    });
  }
  if (e instanceof UnprocessableEntityException) {
    // The SDK keeps only the codes in its message; the fields come from workosFetch.
    const errors = takeFieldErrors(e.requestID);
    if (!errors) {
      return new AppError(
        'invalid_input',
        `WorkOS refused to ${action}: ${e.message.replace(/\s+/g, ' ').trim()}`,
        { hint: 'Fix the arguments and try again.', cause: e },
      );
    }
    const list = errors.map((f) => `${f.field} (${f.code})`).join(', ');
    return new AppError(
      'invalid_input',
      `WorkOS refused to ${action}: invalid ${errors.length === 1 ? 'field' : 'fields'} ${list}.`,
      {
        hint: 'Fix the fields named above and try again.',
        fields: errors.map((f) => ({ field: f.field, message: f.code })),
        cause: e,
      },
    );
  }
  if (e instanceof RateLimitExceededException) {
    // workosFetch turns an HTTP-date into seconds; anything still unusable gets a sensible default.
    const wait = Math.max(1, retryAfterSeconds(e.retryAfter) ?? DEFAULT_RETRY_AFTER_SECONDS);
    return new AppError('rate_limited', `WorkOS rate-limited the request to ${action}.`, {
      hint: `Wait ${wait} ${wait === 1 ? 'second' : 'seconds'} before retrying.`,
      retryAfterSeconds: wait,
      cause: e,
    });
  }
  if (e instanceof UnauthorizedException) {
    return new AppError('upstream_failed', `WorkOS rejected Gatehouse's API key while trying to ${action}.`, {
      hint: 'This is a server configuration problem: ask your Gatehouse admin to check the WorkOS API keys.',
      cause: e,
    });
  }
  if (e instanceof ConflictException) {
    return new AppError('conflict', `WorkOS could not ${action}: ${e.message}`, {
      hint: 'It may already exist or be in use.',
      cause: e,
    });
  }
  if (e instanceof BadRequestException || (e instanceof GenericServerException && e.status < 500)) {
    return new AppError('invalid_input', `WorkOS refused to ${action}: ${e.message}`, { cause: e });
  }
  if (e instanceof GenericServerException) {
    return new AppError('upstream_failed', `WorkOS failed (HTTP ${e.status}) while trying to ${action}.`, {
      hint: 'This is usually temporary: try again in a moment.',
      cause: e,
    });
  }
  const msg = e instanceof Error ? e.message : String(e);
  if (/abort|timeout|timed out/i.test(msg)) {
    return new AppError('upstream_failed', `WorkOS did not answer in time while trying to ${action}.`, {
      hint: 'Try again in a moment.',
      cause: e,
    });
  }
  return new AppError('upstream_failed', `Could not reach WorkOS to ${action}.`, {
    hint: 'WorkOS may be unreachable from Gatehouse; try again in a moment.',
    cause: e,
  });
}

/** Runs a WorkOS call, converting its failures. */
export async function workosCall<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromWorkOSError(e, action);
  }
}
