/**
 * Reading a backup for `gatehouse restore` (src/cli/restore.ts): the file or stdin, unpacked and
 * checked before anything in the data dir is touched. Every way a file can be wrong is a refusal
 * naming it: too large, not a gzipped tar of Gatehouse's, a malformed manifest, a name `gatehouse
 * backup` never writes.
 */
import { statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { BACKUP_FORMAT, type BackupManifest } from './backup.ts';

/** Why a backup cannot be restored: the refusal's words, after "Refused: <file> ". */
export class BackupProblem extends Error {}

const tooLarge = (maxBytes: number) =>
  new BackupProblem(`unpacks to more than ${maxBytes / 2 ** 20} MiB, the most a Gatehouse backup can hold`);

/**
 * The backup's bytes: a file is measured before it is read, stdin is read up to the bound (a
 * stream past it is refused as it arrives, never held whole).
 */
export async function readBackup(file: string | undefined, maxBytes: number): Promise<Uint8Array> {
  if (file !== undefined) {
    if (statSync(file).size > maxBytes) throw tooLarge(maxBytes);
    return Bun.file(file).bytes();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of Bun.stdin.stream()) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const isGzip = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b;
/** POSIX ustar: "ustar" at byte 257 of the first header, as `gatehouse backup` writes. */
const isTar = (b: Uint8Array) => Buffer.from(b.subarray(257, 262)).toString('latin1') === 'ustar';

/**
 * The files of a backup: a gzipped (or plain) ustar archive. Gunzipped here, bounded, and never
 * twice: Bun.Archive would inflate a gzip inside the gzip without any bound.
 */
export async function unpackBackup(bytes: Uint8Array, maxBytes: number): Promise<Map<string, File>> {
  let tar: Uint8Array;
  try {
    tar = isGzip(bytes) ? gunzipSync(bytes, { maxOutputLength: maxBytes }) : bytes;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes);
    throw new BackupProblem(`is not a Gatehouse backup (${e instanceof Error ? e.message : String(e)})`);
  }
  // A gzip inside: Bun.Archive would inflate it without any bound, even one whose first block,
  // stored, puts "ustar" where a tar's would be.
  if (isGzip(tar)) throw new BackupProblem('is not a Gatehouse backup (a gzip inside the gzip)');
  if (!isTar(tar)) throw new BackupProblem('is not a Gatehouse backup (not a tar archive)');
  try {
    return await new Bun.Archive(tar).files();
  } catch (e) {
    throw new BackupProblem(`is not a Gatehouse backup (${e instanceof Error ? e.message : String(e)})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** What is wrong with one value, quoting it as JSON (on one line, cut short). */
const wrong = (what: string, v: unknown, expected: string) =>
  v === undefined ? `${what} is missing` : `${what} is ${JSON.stringify(v).slice(0, 40)}, not ${expected}`;
const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
/** Printable on one line: the version and time are quoted in restore's messages. */
const text = (v: unknown) => typeof v === 'string' && v !== '' && !/\p{Cc}/u.test(v);

/** The manifest's `format` when it is a number other than this version's (an older or newer backup). */
export function otherFormat(m: unknown): number | undefined {
  const format = isObject(m) ? m.format : undefined;
  return typeof format === 'number' && format !== BACKUP_FORMAT ? format : undefined;
}

/**
 * What in a parsed manifest is not what `gatehouse backup` writes, in a few words (undefined when
 * nothing is): a file crafted by hand gets a refusal naming the field, not a TypeError.
 */
export function manifestProblem(m: unknown): string | undefined {
  if (!isObject(m)) return wrong('it', m, 'a JSON object');
  const fields: [keyof BackupManifest, (v: unknown) => boolean, string][] = [
    ['format', (v) => v === BACKUP_FORMAT, `backup format ${BACKUP_FORMAT}`],
    ['gatehouseVersion', text, 'a version'],
    ['createdAt', (v) => text(v) && !Number.isNaN(Date.parse(v as string)), 'a time'],
    ['migrationsApplied', count, 'a count'],
    ['newestMigrationAt', (v) => v === null || count(v), 'a time in milliseconds or null'],
    ['auditEntries', count, 'a count'],
    ['files', Array.isArray, 'a list of files'],
  ];
  for (const [key, ok, what] of fields) if (!ok(m[key])) return wrong(`"${key}"`, m[key], what);
  const seen = new Set<string>();
  for (const [i, f] of (m.files as unknown[]).entries()) {
    if (!isObject(f)) return wrong(`files[${i}]`, f, "a file's name, bytes and sha256");
    if (typeof f.name !== 'string') return wrong(`files[${i}].name`, f.name, 'a file name');
    if (seen.has(f.name)) return `files[${i}].name ${JSON.stringify(f.name.slice(0, 80))} is listed twice`;
    seen.add(f.name);
    if (!count(f.bytes)) return wrong(`files[${i}].bytes`, f.bytes, 'a count');
    if (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256))
      return wrong(`files[${i}].sha256`, f.sha256, 'a SHA-256 (64 hex digits)');
  }
  return undefined;
}
