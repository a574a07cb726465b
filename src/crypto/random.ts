import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A URL-safe random string with `bytes` bytes of entropy (default 32 = 256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A prefixed identifier (not a secret): `team_…`, `usr_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** SHA-256 in hex (Bun's one-shot hasher: about half node:crypto's createHash for a token). */
export function sha256(input: string | Uint8Array): string {
  return Bun.CryptoHasher.hash('sha256', input, 'hex');
}

export function sha256Base64Url(input: string): string {
  return createHash('sha256').update(input).digest('base64url');
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
