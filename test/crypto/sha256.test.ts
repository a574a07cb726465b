import { expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { sha256 } from '../../src/crypto/random.ts';

/**
 * Stored hashes (tokens, approved request bodies, audit records) were written with node:crypto's
 * createHash; the helper now uses Bun's one-shot hasher and must give the same digest for every
 * input it is handed, lone surrogates and bytes included.
 */
test('sha256 — the same hex digest as createHash for text (lone surrogates too), Uint8Array and Buffer', () => {
  const inputs: (string | Uint8Array)[] = [
    '',
    'gatehouse_at_Xcjrfb2xDlygebkPb6nLOiFn7pkwG9JA8ab2shN0dWA',
    'h\u00e9llo \u{1F600}',
    '\ud800',
    'a\udc00b',
    new Uint8Array([0, 1, 2, 255]),
    Buffer.from('{"limit":5}'),
  ];
  for (const input of inputs) expect(sha256(input)).toBe(createHash('sha256').update(input).digest('hex'));
});
