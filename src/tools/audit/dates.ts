import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';

/** A calendar date, or a date-time with an explicit offset (a bare local time would be ambiguous). */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export const isoInstant = z
  .string()
  .max(40)
  .refine((s) => ISO_8601.test(s) && !Number.isNaN(Date.parse(s)), {
    message: 'must be an ISO 8601 date (2026-01-31) or date-time with offset (2026-01-31T12:00:00Z)',
  });

const DAY_MS = 24 * 60 * 60 * 1000;

/** A checked time range: start strictly before end, at most `maxDays` long when given. */
export function parseRange(
  start: string | undefined,
  end: string | undefined,
  maxDays?: number,
): { start: Date | undefined; end: Date | undefined } {
  const s = start === undefined ? undefined : new Date(start);
  const e = end === undefined ? undefined : new Date(end);
  if (s && e && s.getTime() >= e.getTime()) {
    throw new AppError('invalid_input', `range_start (${start}) must be before range_end (${end}).`, {
      fields: [{ field: 'range_start', message: 'must be before range_end' }],
      hint: 'Swap them, or widen the range.',
    });
  }
  if (s && e && maxDays !== undefined && e.getTime() - s.getTime() > maxDays * DAY_MS) {
    throw new AppError('invalid_input', `The range from ${start} to ${end} is longer than ${maxDays} days.`, {
      fields: [{ field: 'range_end', message: `at most ${maxDays} days after range_start` }],
      hint: 'Ask for several shorter ranges.',
    });
  }
  return { start: s, end: e };
}
