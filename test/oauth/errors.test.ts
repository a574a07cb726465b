import { expect, test } from 'bun:test';
import { AppError } from '../../src/errors/app-error.ts';
import { createLogger } from '../../src/log/logger.ts';
import { toOAuthError } from '../../src/oauth/errors.ts';

const lines: string[] = [];
const log = createLogger('debug', (l) => lines.push(l));

test('toOAuthError — an AppError keeps its status and message as an RFC 6749 §5.2 body, no-store', async () => {
  const res = toOAuthError(
    new AppError('rate_limited', 'Too many registrations.', { retryAfterSeconds: 7 }),
    log,
  );
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe('7');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(await res.json()).toEqual({
    error: 'temporarily_unavailable',
    error_description: 'Too many registrations.',
  });
  const bad = toOAuthError(new AppError('invalid_input', 'The form is not valid UTF-8.'), log);
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: string }).error).toBe('invalid_request');
});

test('toOAuthError — anything else is a logged server_error 500 that says nothing about it', async () => {
  const res = toOAuthError(new Error('SQLITE_BUSY at /data/gatehouse.db'), log);
  expect(res.status).toBe(500);
  const body = await res.text();
  expect(body).toContain('server_error');
  expect(body).not.toContain('SQLITE_BUSY');
  expect(lines.some((l) => l.includes('oauth endpoint failed') && l.includes('SQLITE_BUSY'))).toBe(true);
});
