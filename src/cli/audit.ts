import { existsSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHECKPOINT_FILE,
  checkpointTargetProblem,
  readCheckpoint,
  writeCheckpoint,
} from '../audit/checkpoint.ts';
import { EXPORT_FORMATS, type ExportFormat, exportEntries, parseSince } from '../audit/export.ts';
import { readHead, readStoredHead } from '../audit/head.ts';
import {
  type AuditKey,
  configuredAuditKey,
  loadAuditPrivateKey,
  loadAuditPublicKey,
  PUBLIC_KEY_FILE,
} from '../audit/keys.ts';
import { describeResult, type VerifiedPoint, verifyChain } from '../audit/verify.ts';
import { snapshotWitness } from '../audit/witness.ts';
import { type Config, ConfigError } from '../config/index.ts';
import { DATABASE_FILE, openDatabase } from '../db/client.ts';
import { openConfiguredDatabase } from '../db/open.ts';
import { CliUsageError, parseOptions } from './args.ts';

/** Characters written to stdout at once by `audit export`. */
const EXPORT_CHUNK_CHARS = 64 * 1024;

/** One buffer for every chunk (a chunk's UTF-8 is at most 3 bytes a character). */
const stdoutBuffer = Buffer.allocUnsafe(EXPORT_CHUNK_CHARS * 3 + 16);

/**
 * Writes to stdout and returns once the bytes are written: a pipe read slowly holds the export
 * back instead of the export piling up in memory (process.stdout.write buffers whatever the
 * reader has not taken yet). Chunks are encoded into one reused buffer, not one each.
 */
export function writeStdoutSync(s: string): void {
  writeAllSync(1, s);
}

/** Writes all of `s` to `fd` before returning, waiting out a full pipe (EAGAIN) as it drains. */
export function writeAllSync(fd: number, s: string): void {
  const fits = Buffer.byteLength(s, 'utf8') <= stdoutBuffer.length;
  const bytes = fits ? stdoutBuffer : Buffer.from(s, 'utf8');
  const length = fits ? stdoutBuffer.write(s, 'utf8') : bytes.length;
  let off = 0;
  while (off < length) {
    try {
      off += writeSync(fd, bytes, off, length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Bun.sleepSync(1);
    }
  }
}

function open(config: Config) {
  if (config.database) return openConfiguredDatabase(config);
  const path = join(config.dataDir, DATABASE_FILE);
  if (!existsSync(path))
    throw new CliUsageError(`No Gatehouse database at ${path} (GATEHOUSE_DATA_DIR=${config.dataDir}).`);
  return openDatabase(path);
}

/**
 * The key verify checks with: `--public-key`, else the configured signing key
 * (GATEHOUSE_AUDIT_SIGNING_KEY: with PostgreSQL every replica signs with it, and the data dir
 * may hold no key at all), else the data dir's public key.
 */
function verifyingKey(config: Config, publicKeyPath: string | undefined): AuditKey {
  if (publicKeyPath === undefined && config.auditSigningKey) return configuredAuditKey(config);
  return publicKeyAt(publicKeyPath ?? join(config.dataDir, PUBLIC_KEY_FILE), 'audit public key');
}

function publicKeyAt(keyPath: string, what: string): AuditKey {
  if (!existsSync(keyPath)) throw new CliUsageError(`No ${what} at ${keyPath}.`);
  if (!statSync(keyPath).isFile()) throw new CliUsageError(`${keyPath} is not a regular file.`);
  try {
    return loadAuditPublicKey(keyPath);
  } catch (e) {
    throw new CliUsageError(`${keyPath} is not an ${what} (PEM): ${(e as Error).message}`);
  }
}

/**
 * `--replaced-key`: public halves of keys the trail declared lost (README "Losing the audit
 * key"), so that what they signed is checked against their own signatures too. One that is the
 * audit key itself, or given twice, is a mistake said as one.
 */
function replacedKeys(paths: readonly string[], key: AuditKey): AuditKey[] {
  const keys: AuditKey[] = [];
  for (const path of paths) {
    const k = publicKeyAt(path, 'audit public key');
    if (k.keyId === key.keyId)
      throw new CliUsageError(
        `--replaced-key ${path} is the audit key itself (key ${k.keyId}): give the public half of the key the trail declared replaced.`,
      );
    if (keys.some((o) => o.keyId === k.keyId))
      throw new CliUsageError(`--replaced-key ${path} gives key ${k.keyId} a second time.`);
    keys.push(k);
  }
  return keys;
}

/**
 * `gatehouse audit verify [--public-key <pem>] [--replaced-key <pem>]… [--head <json>] [--witness <file>] [--since <checkpoint>]
 * [--checkpoint <file>]`: exit 0 when intact, 1 at the first bad entry (its out-of-line record
 * included), when entries were cut off the end (the signed head says how far it went), or when the
 * witness (GATEHOUSE_AUDIT_WITNESS unless --witness is given) saw a head the trail or the head file
 * no longer reaches: a rollback. An intact trail leaves a signed checkpoint (when this machine
 * has the audit key) that `--since` starts from, walking only the entries after it; a checkpoint
 * that is not signed by the audit key, or whose entry the trail no longer holds, is refused (2).
 * The signed head is read from the data dir on SQLite and from the database on PostgreSQL
 * (src/audit/head.ts), unless --head names a file.
 */
export function auditVerify(
  config: Config,
  args: string[],
  out: (s: string) => void,
  now = Date.now(),
): number {
  const { values } = parseOptions({
    args,
    options: {
      'public-key': { type: 'string' },
      'replaced-key': { type: 'string', multiple: true },
      head: { type: 'string' },
      witness: { type: 'string' },
      since: { type: 'string' },
      checkpoint: { type: 'string' },
    },
    strict: true,
  });
  // Files read must be files (a FIFO would hang the command); the checkpoint never replaces
  // anything but a checkpoint (the database, a key…), refused before any work.
  for (const flag of ['public-key', 'head', 'witness', 'since'] as const) {
    const path = values[flag];
    if (path !== undefined && existsSync(path) && !statSync(path).isFile())
      throw new CliUsageError(`--${flag} must name a file: ${path} is not a regular file.`);
  }
  const checkpointPath = values.checkpoint ?? join(config.dataDir, CHECKPOINT_FILE);
  // The default path is Gatehouse's own checkpoint file, replaced even when damaged.
  const problem = values.checkpoint === undefined ? undefined : checkpointTargetProblem(checkpointPath);
  if (problem !== undefined) throw new CliUsageError(`--checkpoint refused: ${problem}.`);
  const key = verifyingKey(config, values['public-key']);
  const replaced = replacedKeys(values['replaced-key'] ?? [], key);
  let since: VerifiedPoint | undefined;
  if (values.since !== undefined) {
    const read = readCheckpoint(values.since, key);
    if (read.kind === 'refused') throw new CliUsageError(`--since refused: ${read.why}.`);
    since = read.checkpoint;
  }
  const db = open(config);
  try {
    // The witness, then the head, before the chain: entries and heads written meanwhile only
    // make the chain longer than what the head and the witness vouch for.
    const witnessPath = values.witness ?? config.auditWitness;
    const witness = witnessPath === undefined ? undefined : snapshotWitness(witnessPath);
    const head =
      values.head !== undefined ? readHead(values.head) : readStoredHead(db.$client, config.dataDir);
    const result = verifyChain(db.$client, key, head, witness, { replaced, ...(since ? { since } : {}) });
    out(`${describeResult(result)}\n`);
    if (result.ok && result.last) {
      // The trail is intact whatever becomes of the checkpoint: a private key this user cannot
      // read (verify run as another user than the server's) only means none is written.
      let signer: AuditKey | undefined;
      let keyProblem: string | undefined;
      try {
        signer = config.auditSigningKey ? configuredAuditKey(config) : loadAuditPrivateKey(config.dataDir);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        keyProblem = e.problems.join('; ');
      }
      const path = checkpointPath;
      if (keyProblem) out(`No checkpoint written: ${keyProblem}.\n`);
      else if (signer && signer.keyId === key.keyId) {
        try {
          writeCheckpoint(path, signer, result.last, now);
        } catch (e) {
          // The trail is intact; what was asked besides could not be done (exit 2, not 1).
          out(`No checkpoint written: ${path} could not be written (${(e as Error).message}).\n`);
          return 2;
        }
        out(
          `Checkpoint: entry #${result.last.seq}, signed, in ${path} (\`gatehouse audit verify --since ${path}\` verifies only what comes after).\n`,
        );
      } else if (values.checkpoint !== undefined) {
        out(`No checkpoint written: the audit key that signs checkpoints is not in ${config.dataDir}.\n`);
      }
    }
    return result.ok ? 0 : 1;
  } finally {
    db.$client.close();
  }
}

/**
 * `gatehouse audit export [--since <iso|30m|24h|7d>] [--until <iso>] [--after-seq <n>]
 * [--format jsonl|csv]` to stdout.
 */
export function auditExport(
  config: Config,
  args: string[],
  out: (s: string) => void,
  now = Date.now(),
): number {
  const { values } = parseOptions({
    args,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      'after-seq': { type: 'string' },
      format: { type: 'string', default: 'jsonl' },
    },
    strict: true,
  });
  const format = values.format as ExportFormat;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new CliUsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got '${values.format}'`);
  }
  const since = values.since === undefined ? undefined : parseSince(values.since, now);
  if (values.since !== undefined && since === undefined) {
    throw new CliUsageError(
      `--since must be an ISO date (2026-11-01, 2026-11-01T12:00:00Z) or a duration (30m, 24h, 7d), got '${values.since}'`,
    );
  }
  const until = values.until === undefined ? undefined : parseSince(values.until, now);
  if (values.until !== undefined && until === undefined)
    throw new CliUsageError(`--until must be an ISO date, got '${values.until}'`);
  // An empty range is a mistake (the two swapped), not a request for nothing.
  if (since !== undefined && until !== undefined && until <= since)
    throw new CliUsageError(
      `--until (${new Date(until).toISOString()}) must be after --since (${new Date(since).toISOString()}): no entry is in that range. Were they swapped?`,
    );
  const rawAfter = values['after-seq'];
  if (rawAfter !== undefined && !/^\d{1,15}$/.test(rawAfter))
    throw new CliUsageError(`--after-seq must be an entry's seq (a whole number ≥ 0), got '${rawAfter}'`);
  const afterSeq = rawAfter === undefined ? undefined : Number(rawAfter);
  const db = open(config);
  try {
    // Lines go out in chunks of about 64 KiB, each written before the next rows are read.
    let chunk = '';
    let chunks = 0;
    for (const line of exportEntries(db.$client, format, {
      since,
      until,
      ...(afterSeq === undefined ? {} : { afterSeq }),
    })) {
      chunk += line;
      if (chunk.length >= EXPORT_CHUNK_CHARS) {
        out(chunk);
        chunk = '';
        // Collected every 16 MiB written: left to itself the collector lets the garbage of the
        // lines grow with the export (100k entries 122 MiB, 1M 141 MiB; so 125 MiB for both).
        if (++chunks % 256 === 0) Bun.gc(true);
      }
    }
    if (chunk) out(chunk);
    return 0;
  } finally {
    db.$client.close();
  }
}
