import { expect, test } from 'bun:test';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { BackupProblem, unpackBackup } from '../../src/cli/restore-archive.ts';

/**
 * Backups unpacked by restore (src/cli/restore-archive.ts): one gzip layer, bounded, and a tar.
 */

/** A tar header (ustar) for one regular file; `at242` is written into the linkname field at byte 242. */
function tarHeader(name: string, size: number, at242: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000600\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('0', 156);
  h.write(at242, 242);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

test('a gzip inside the gzip whose deflate bytes read "ustar" at 257 — still refused, never inflated past the bound', async () => {
  const maxBytes = 1024 * 1024; // the bound restore is given
  const size = 64 * 1024 * 1024; // what the inner layer inflates to
  const header = tarHeader('gatehouse.db', size, 'ustar');
  const body = Buffer.alloc(size + 1024); // the file's zeros, then the tar's end
  const whole = Buffer.concat([header, body]);
  const trailer = gzipSync(whole).subarray(-8); // CRC32 and ISIZE of the inner content
  // The inner gzip: a stored (uncompressed) block first, so the tar header's bytes sit as they are
  // from byte 15, putting its "ustar" (linkname byte 242) at byte 257; then the zeros, compressed.
  const stored = Buffer.alloc(5);
  stored[0] = 0x00; // BFINAL 0, BTYPE 00
  stored.writeUInt16LE(512, 1);
  stored.writeUInt16LE(~512 & 0xffff, 3);
  const inner = Buffer.concat([
    Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]),
    stored,
    header,
    deflateRawSync(body),
    trailer,
  ]);
  expect(inner.subarray(257, 262).toString('latin1')).toBe('ustar');
  const outer = gzipSync(inner);
  const refusal = await unpackBackup(outer, maxBytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(refusal).toBeInstanceOf(BackupProblem);
  expect((refusal as Error).message).toBe('is not a Gatehouse backup (a gzip inside the gzip)');
});

test('a plain ustar archive, or one gzip layer of it — unpacked', async () => {
  const tar = Buffer.concat([
    tarHeader('notes', 5, ''),
    Buffer.from('hello'.padEnd(512, '\0')),
    Buffer.alloc(1024),
  ]);
  for (const bytes of [tar, gzipSync(tar)]) {
    const files = await unpackBackup(bytes, 1024 * 1024);
    expect(await files.get('notes')?.text()).toBe('hello');
  }
});
