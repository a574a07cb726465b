/**
 * An audit entry's fields as they are stored (src/audit/service.ts): text every engine holds,
 * values encoded with secrets stripped and large ones out of line, and ids that sort by time.
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '../crypto/random.ts';
import { filterValue } from '../secrets/filter.ts';

/** Larger `args` / `details` values are kept whole out of line, with a preview in the entry. */
export const INLINE_MAX_CHARS = 16_384;
/** Characters of an out-of-line value kept in the entry itself (shown in lists). */
export const PREVIEW_CHARS = 2_048;

export interface Encoded {
  /** What the entry's column holds: the whole JSON, or a preview of it. */
  text: string | null;
  /** The whole JSON when it is kept out of line, with its SHA-256 and UTF-8 byte length. */
  record?: { content: string; sha256: string; bytes: number };
}

/** The first `n` characters, never ending inside a surrogate pair. */
function prefix(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/**
 * A text field as every engine stores it: PostgreSQL's text holds neither NUL nor a lone UTF-16
 * surrogate (SQLite holds both), and one such value would fail the whole group-commit batch,
 * other people's entries with it. Each becomes U+FFFD; JSON fields (args, details) escape them
 * and keep the exact text (an unknown tool's name goes there too: src/policy/outcome.ts).
 */
export function storable(v: string | null | undefined): string | null {
  if (v === undefined || v === null) return null;
  return v.includes('\0') || !v.isWellFormed() ? v.replaceAll('\0', '\ufffd').toWellFormed() : v;
}

/**
 * The JSON of a value with secrets stripped, whole: nothing is cut. A large value goes out of
 * line; the entry keeps its first characters and the chain covers its hash and length.
 */
export function encode(v: unknown): Encoded {
  if (v === undefined || v === null) return { text: null };
  const s = JSON.stringify(filterValue(v, { pii: false })) as string | undefined;
  if (s === undefined) return { text: null };
  if (s.length <= INLINE_MAX_CHARS) return { text: s };
  return {
    text: prefix(s, PREVIEW_CHARS),
    record: { content: s, sha256: sha256(s), bytes: Buffer.byteLength(s, 'utf8') },
  };
}

/**
 * An entry's id: `aud_`, the time in base 36 (fixed width, so ids sort by time), then 72 random
 * bits. Ids that grow keep the unique index's inserts at its right edge: random ids touched a
 * different index page for nearly every entry, one 4 KiB WAL frame each.
 */
let pool = Buffer.alloc(0);
let used = 0;
export function entryId(now: number): string {
  if (used + 9 > pool.length) {
    pool = randomBytes(9 * 512);
    used = 0;
  }
  const random = pool.toString('base64url', used, used + 9);
  used += 9;
  return `aud_${now.toString(36).padStart(9, '0')}${random}`;
}
