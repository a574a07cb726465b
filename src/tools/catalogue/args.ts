/** Parameter building blocks shared by the catalogue's declarations (WorkOS wire names, snake_case). */
import { z } from 'zod';
import { ascii, idArg } from '../organizations/args.ts';

export { domainArg } from '../organizations/args.ts';

/** A WorkOS id (a path segment: id characters only, so it can never address another endpoint). */
export const id = (prefix: string, what: string) => idArg(prefix, what);

/**
 * A parameter that fills a path segment and may contain dots (an external id, an audit-log
 * action): "." or ".." alone would climb out of the operation's path (URLs resolve them, encoded
 * or not), so they are refused as input rather than sent.
 */
export const notDotSegment = (s: string) => !/^\.{1,2}$/.test(s);
export const DOT_SEGMENT = 'may not be "." or ".." (it would address another path)';

/** A role or permission slug (a path segment too). */
export const slug = (what: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9:_-]+$/, `must be a ${what} slug: lowercase letters, digits, ":", "_" and "-"`)
    .describe(`The ${what} slug.`);

/** WorkOS list pagination (https://workos.com/docs/reference/pagination). */
export const page = {
  limit: z.number().int().min(1).max(100).optional().describe('Page size, 1–100 (WorkOS default 10).'),
  before: z.string().min(1).max(200).optional().describe('Cursor: the page before this id.'),
  after: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Cursor: the page after this id (list_metadata.after).'),
  order: z.enum(['asc', 'desc']).optional().describe('Sort by creation time (default desc).'),
};

/** As WorkOS limits it (https://workos.com/docs/authkit/metadata): 10 pairs, ASCII, 40 / 600. */
export const metadata = z
  .record(
    z.string().min(1).max(40).refine(ascii, 'keys are ASCII only'),
    z.string().max(600).refine(ascii, 'values are ASCII only'),
  )
  .refine((m) => Object.keys(m).length <= 10, 'at most 10 keys')
  .describe('Key–value metadata (ASCII strings; up to 10 keys, keys ≤ 40 characters, values ≤ 600).');

/** Whether a string has no line break or other control character (C0, DEL, C1). */
export function withoutControlCharacters(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false;
  }
  return true;
}
export const CONTROL_CHARACTERS = 'may not contain line breaks or other control characters';

/** A name: quoted in what a human confirms, so no line breaks or other control characters. */
export const name = (what: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine(withoutControlCharacters, CONTROL_CHARACTERS)
    .describe(`The ${what}'s name.`);
