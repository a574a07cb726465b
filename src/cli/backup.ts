/**
 * `gatehouse backup <file>`: an online, consistent copy of a data dir, taken while the server
 * runs and writes. One gzipped tar (standard tools open it) holding the database as one
 * consistent snapshot (SQLite's VACUUM INTO, inside a read transaction), every key and secret
 * beside it (the audit signing key, environments.secret that seals the linked WorkOS keys,
 * cookie.secret, the signed audit head), and a manifest with their SHA-256.
 */
import { Database } from 'bun:sqlite';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

import { migrations } from '../../db/migrations/index.ts';
import { PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from '../audit/keys.ts';
import { isInside } from '../config/checks.ts';
import { isGatehouseName } from '../config/data-dir.ts';
import type { Config } from '../config/index.ts';
import { DATA_FILE_MODE } from '../crypto/secret-files.ts';
import { DATABASE_FILE, isNotADatabase } from '../db/client.ts';
import { MIGRATION_BACKUP_DIR } from '../db/migrate.ts';
import { CliUsageError, parseOptions } from './args.ts';
import { VERSION } from './help.ts';
import { LOCK_FILE } from './server-lock.ts';

export const MANIFEST_FILE = 'gatehouse-backup.json';
export const BACKUP_FORMAT = 1;

export interface BackupManifest {
  format: number;
  gatehouseVersion: string;
  createdAt: string;
  /** Migrations the database had applied (restore refuses a database newer than its binary). */
  migrationsApplied: number;
  newestMigrationAt: number | null;
  auditEntries: number;
  files: { name: string; bytes: number; sha256: string }[];
}

/** Files of the data dir that are not copied as they are: the live database (snapshotted), its WAL, the lock. */
export function isSkipped(name: string): boolean {
  return name.startsWith(DATABASE_FILE) || name.startsWith(LOCK_FILE) || name.endsWith('.tmp');
}

/** A name Gatehouse may have written in the data dir. */
export function isDataDirName(name: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(name) && name !== LOCK_FILE;
}

/**
 * A name backup copies and restore writes into the data dir: the database, or a file of
 * Gatehouse's own (the audit key, the secrets, the signed head). Never the database's WAL or
 * shared memory (SQLite would replay a WAL into the restored database, past every check made on
 * it), a temporary, a lock, a dot name, or one of the data dir's folders.
 */
export function isRestorableName(name: string): boolean {
  if (name === DATABASE_FILE) return true;
  return (
    isDataDirName(name) &&
    !isSkipped(name) &&
    !name.startsWith('.') &&
    name !== MIGRATION_BACKUP_DIR &&
    !name.startsWith('replaced-')
  );
}

/**
 * Backup and restore copy the SQLite file of the data dir: with DATABASE_URL the database is
 * PostgreSQL's, and its own tools take a consistent copy (docs/postgresql.md, "Audit on
 * PostgreSQL"). A usage error, so the operator is told which tools, and nothing is written.
 */
export function refuseOnPostgres(config: Pick<Config, 'database'>, command: 'backup' | 'restore'): void {
  if (!config.database) return;
  const how =
    command === 'backup'
      ? 'pg_dump --format=custom --file=<file> <database URL>'
      : 'pg_restore --clean --if-exists --dbname=<database URL> <file>';
  throw new CliUsageError(
    `gatehouse ${command} copies the SQLite database of GATEHOUSE_DATA_DIR, but DATABASE_URL (${config.database.display}) puts the database on PostgreSQL: ${command} it with PostgreSQL's tools (${how}), and keep GATEHOUSE_AUDIT_SIGNING_KEY, WORKOS_COOKIE_PASSWORD and the rest of the configuration with it.`,
  );
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** `--help` for backup. */
export const BACKUP_HELP = `Usage: gatehouse backup <file | directory | ->

Writes an online, consistent copy of GATEHOUSE_DATA_DIR while the server runs: the database as one
snapshot (SQLite VACUUM INTO), the audit signing key, the secrets (environments.secret seals the
teams' linked WorkOS keys; cookie.secret signs sessions) and the signed audit head, as one gzipped
tar with a manifest of SHA-256 sums (tar -tzf lists it). Given a directory, the file is named
gatehouse-backup-<UTC time>.tar.gz inside it; given -, the archive goes to stdout (docker exec …
gatehouse backup - > file). An existing file is never overwritten. The file is created 0600: it
holds the keys, so store it as carefully as the data dir itself. Restore it with gatehouse restore.
With DATABASE_URL (PostgreSQL) it refuses: back the database up with pg_dump.`;

/**
 * The most a backup may hold once gunzipped: 4 GiB, the largest buffer Bun holds. `gatehouse
 * backup` reads the database into one and restore the whole tar, so backup refuses a data dir (its
 * database and a few KiB of keys) past it, rather than write what restore could not take back. A
 * small file that inflates past it (a gzip bomb) is refused as soon as it does, never held.
 */
export const MAX_BACKUP_BYTES = 4 * 1024 ** 3;

export interface BackupIo {
  /** Messages for the operator (stderr when the archive itself goes to stdout). */
  say(s: string): void;
  /** A refusal (stderr). */
  refuse(s: string): void;
  /** The archive, when the target is `-`. */
  stdout(bytes: Uint8Array): Promise<void>;
}

/** Writes the backup; returns the exit code. */
export async function backupCommand(
  config: Config,
  args: string[],
  io: BackupIo,
  /** Tests lower it; the CLI never passes it. */
  maxBytes = MAX_BACKUP_BYTES,
): Promise<number> {
  const { positionals } = parseOptions({ args, allowPositionals: true, strict: true });
  refuseOnPostgres(config, 'backup');
  if (positionals.length !== 1 || positionals[0] === '')
    throw new CliUsageError(`gatehouse backup needs one file name (or -).\n\n${BACKUP_HELP}`);
  const dbPath = join(config.dataDir, DATABASE_FILE);
  if (!existsSync(dbPath))
    throw new CliUsageError(
      `GATEHOUSE_DATA_DIR '${config.dataDir}' holds no ${DATABASE_FILE}: nothing to back up (is GATEHOUSE_DATA_DIR the server's?).`,
    );
  const file = positionals[0] === '-' ? '-' : targetFile(positionals[0]!, config.dataDir);
  const built = await buildArchive(config.dataDir, dbPath, maxBytes);
  if ('refused' in built) {
    io.refuse(`Refused: ${built.refused} Nothing was written.\n`);
    return 1;
  }
  const { bytes, facts, files, foreign } = built;
  if (file === '-') await io.stdout(bytes);
  else {
    // Written beside the target under another name, then renamed: never a half-written backup.
    const partial = join(dirname(file), `.${basename(file)}.partial-${process.pid}`);
    let created = false;
    try {
      const fd = openSync(partial, 'wx', DATA_FILE_MODE);
      created = true;
      try {
        writeSync(fd, bytes);
      } finally {
        closeSync(fd);
      }
      renameSync(partial, file);
    } catch (e) {
      // A disk that filled, a name too long, a directory that refuses: nothing half written stays.
      if (created) rmSync(partial, { force: true });
      io.refuse(
        `Refused: the backup cannot be written to ${file.slice(0, 200)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Nothing was written.\n`,
      );
      return 1;
    }
  }
  io.say(
    `Backed up GATEHOUSE_DATA_DIR '${config.dataDir}' to ${file === '-' ? 'stdout' : file} (${bytes.length} bytes): the database (${facts.auditEntries} audit entries, ${facts.migrationsApplied} migrations applied) and ${files - 1} key and secret files. It holds the keys: keep it as safe as the data dir.\n`,
  );
  if (foreign.length > 0)
    io.say(
      `Left out ${foreign.length} file(s) Gatehouse never writes: ${foreign
        .map((f) => JSON.stringify(f))
        .join(', ')
        .slice(0, 500)}.\n`,
    );
  return 0;
}

/** The file to write: a directory gets a timestamped name inside it; an existing file is refused. */
function targetFile(arg: string, dataDir: string): string {
  let file = resolve(arg);
  // Into the data dir itself, a backup would be what the next backup carries (and restore writes
  // back): kept beside what it protects, it is lost with it.
  if (isInside(dataDir, file))
    throw new CliUsageError(
      `${file} is inside GATEHOUSE_DATA_DIR '${dataDir}': a backup kept with the data it protects is lost with it. Write it to another directory, better another volume.`,
    );
  if (existsSync(file) && statSync(file).isDirectory()) {
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    file = join(file, `gatehouse-backup-${stamp}.tar.gz`);
  }
  if (existsSync(file)) throw new CliUsageError(`${file} already exists: backup never overwrites a file.`);
  let parent: ReturnType<typeof statSync> | undefined;
  try {
    parent = statSync(dirname(file), { throwIfNoEntry: false });
  } catch (e) {
    throw new CliUsageError(
      `The backup cannot be written to ${file.slice(0, 200)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
    );
  }
  if (!parent) throw new CliUsageError(`The directory ${dirname(file)} does not exist.`);
  if (!parent.isDirectory()) throw new CliUsageError(`${dirname(file)} is not a directory.`);
  return file;
}

const mib = (bytes: number) => Math.ceil(bytes / 2 ** 20).toLocaleString('en-US');

/** What a file takes in a tar: its 512-byte header and its content padded to 512 bytes. */
const tarBytes = (size: number) => 512 + Math.ceil(size / 512) * 512;

/**
 * The archive, or why there is none (`refused`): a database that is not Gatehouse's, or a tar
 * past what restore takes back (measured from the files' sizes before any is read).
 */
async function buildArchive(
  dataDir: string,
  dbPath: string,
  maxBytes: number,
): Promise<
  | { refused: string }
  | { bytes: Uint8Array; facts: ReturnType<typeof snapshotDatabase>; files: number; foreign: string[] }
> {
  // Keys and the audit head (audit-head.json) first, then the database: a head written meanwhile
  // only makes the snapshot's trail longer than the head vouches for, which `audit verify` accepts.
  const entries: Record<string, Uint8Array> = {};
  const foreign: string[] = [];
  const owner = statSync(dataDir).uid;
  for (const name of readdirSync(dataDir).sort()) {
    const path = join(dataDir, name);
    const link = lstatSync(path).isSymbolicLink();
    // The audit key behind a link (kept on another volume) is backed up as its file: restoring it
    // without the key would sign with a new one. Only the key, and only a regular file of the
    // data dir's owner: a backup run as root never reads what that owner could not.
    if (link && !(name === PRIVATE_KEY_FILE || name === PUBLIC_KEY_FILE)) {
      if (!isSkipped(name)) foreign.push(name);
      continue;
    }
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st?.isFile() || isSkipped(name)) continue;
    if (link && st.uid !== owner) {
      foreign.push(name);
      continue;
    }
    // A file no Gatehouse writes (notes left by someone, a dot file, an earlier backup) is left
    // out: some would make the backup one restore refuses, and earlier backups would nest.
    if (!isRestorableName(name) || !isGatehouseName(name)) {
      foreign.push(name);
      continue;
    }
    entries[name] = readFileSync(join(dataDir, name));
  }
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-backup-'));
  try {
    const snapshot = join(work, DATABASE_FILE);
    let facts: ReturnType<typeof snapshotDatabase>;
    try {
      facts = snapshotDatabase(dbPath, snapshot);
    } catch (e) {
      if (!isNotADatabase(e)) throw e;
      return {
        refused: `${dbPath} is not a SQLite database (file is not a database): it is another program's file, or it was damaged.`,
      };
    }
    // What restore would refuse is not written: a database without Gatehouse's migrations.
    if (facts.migrationsApplied === 0)
      return {
        refused: `${dbPath} is not a Gatehouse database (its migrations journal is empty): is GATEHOUSE_DATA_DIR the server's?`,
      };
    // The manifest (a few hundred bytes a file, counted as 64 KiB) and the tar's closing blocks.
    const unpacked =
      Object.values(entries).reduce((n, bytes) => n + tarBytes(bytes.length), 0) +
      tarBytes(statSync(snapshot).size) +
      tarBytes(64 * 1024) +
      1024;
    if (unpacked > maxBytes)
      return {
        refused: `the backup of GATEHOUSE_DATA_DIR '${dataDir}' would unpack to ${mib(unpacked)} MiB, more than the ${mib(maxBytes)} MiB gatehouse restore takes back (the most it holds in memory). Back this data dir up with the server stopped, as a copy of the whole directory (cp -a, or a volume snapshot); restore that copy the same way.`,
      };
    entries[DATABASE_FILE] = readFileSync(snapshot);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      gatehouseVersion: VERSION,
      createdAt: new Date().toISOString(),
      ...facts,
      files: Object.entries(entries).map(([name, bytes]) => ({
        name,
        bytes: bytes.length,
        sha256: sha256(bytes),
      })),
    };
    const archive = new Bun.Archive(
      { [MANIFEST_FILE]: `${JSON.stringify(manifest, null, 2)}\n`, ...entries },
      { compress: 'gzip' },
    );
    return {
      bytes: new Uint8Array(await archive.bytes()),
      facts,
      files: Object.keys(entries).length,
      foreign,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** VACUUM INTO from a read-only connection: one consistent snapshot, whatever the server writes meanwhile. */
function snapshotDatabase(
  dbPath: string,
  into: string,
): Pick<BackupManifest, 'migrationsApplied' | 'newestMigrationAt' | 'auditEntries'> {
  // Read-write, though it only reads: a read-only connection to a WAL database leaves a -wal and
  // -shm behind, owned by whoever ran the backup, which a server running as another user then
  // cannot open. This one, when it is the last, removes them on close as the server would.
  const source = new Database(dbPath, { readwrite: true, create: false });
  try {
    source.exec('PRAGMA busy_timeout = 5000');
    source.run('VACUUM INTO ?', [into]);
  } finally {
    source.close();
  }
  const copy = new Database(into, { readonly: true });
  try {
    const check = copy.query<{ quick_check: string }, []>('PRAGMA quick_check').get()?.quick_check;
    if (check !== 'ok') throw new Error(`the snapshot failed SQLite's quick_check: ${check}`);
    return describeDatabase(copy);
  } finally {
    copy.close();
  }
}

export const hasTable = (db: Database, name: string) =>
  db
    .query<{ n: number }, [string]>("SELECT count(*) AS n FROM sqlite_master WHERE type='table' AND name=?")
    .get(name)?.n === 1;

/** The facts a manifest records about a database (and restore checks). */
export function describeDatabase(
  db: Database,
): Pick<BackupManifest, 'migrationsApplied' | 'newestMigrationAt' | 'auditEntries'> {
  const has = (t: string) => hasTable(db, t);
  const m = has('__drizzle_migrations')
    ? db
        .query<{ n: number; at: number | null }, []>(
          'SELECT count(*) AS n, max(created_at) AS at FROM __drizzle_migrations',
        )
        .get()
    : undefined;
  const audit = has('audit_entries')
    ? (db.query<{ n: number }, []>('SELECT count(*) AS n FROM audit_entries').get()?.n ?? 0)
    : 0;
  return {
    migrationsApplied: m?.n ?? 0,
    newestMigrationAt: m?.at == null ? null : Number(m.at),
    auditEntries: audit,
  };
}

/** The newest migration this binary knows (restore refuses a backup from a newer schema). */
export const NEWEST_KNOWN_MIGRATION_AT = migrations[migrations.length - 1]!.when;
