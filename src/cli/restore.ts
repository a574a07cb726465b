/**
 * `gatehouse restore <file> [--force]`: puts a `gatehouse backup` back into GATEHOUSE_DATA_DIR.
 * It refuses while a server runs on that data dir (it takes the server's lock for the whole
 * restore, so none can start meanwhile), refuses a damaged or foreign file and a database newer
 * than this binary (migrations are forward-only), and replaces an existing database only with
 * --force, after moving the current files aside.
 */
import { Database } from 'bun:sqlite';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { interruptedRestore, interruptedRestoreProblem, RESTORE_MARKER, whoAmI } from '../config/data-dir.ts';
import type { Config } from '../config/index.ts';
import {
  DATA_DIR_MODE,
  DATA_FILE_MODE,
  ensurePrivateDir,
  temporaryBeside,
  writeNewFile,
} from '../crypto/secret-files.ts';
import { DATABASE_FILE } from '../db/client.ts';
import { CliUsageError, parseOptions } from './args.ts';
import {
  BACKUP_FORMAT,
  type BackupManifest,
  describeDatabase,
  hasTable,
  isRestorableName,
  isSkipped,
  MANIFEST_FILE,
  MAX_BACKUP_BYTES,
  NEWEST_KNOWN_MIGRATION_AT,
  refuseOnPostgres,
} from './backup.ts';
import { BackupProblem, manifestProblem, otherFormat, readBackup, unpackBackup } from './restore-archive.ts';
import { acquireServerLock, LOCK_FILE } from './server-lock.ts';

export const RESTORE_HELP = `Usage: gatehouse restore <file | -> [--force]

Puts a backup made by gatehouse backup back into GATEHOUSE_DATA_DIR: the database, the audit
signing key, the secrets and the audit head, each checked against the backup's SHA-256 sums (-
reads the backup from stdin).
Refuses while a Gatehouse server runs on that data dir (stop it first), refuses a damaged or foreign
file (a sum that does not match, a malformed manifest, a database that is not Gatehouse's, more than
4 GiB once unpacked) and a backup whose database is newer than this version (migrations are
forward-only: restore it with the version that made it, or newer), and replaces a data dir that
already holds a database only with --force: the current files are then moved to
GATEHOUSE_DATA_DIR/replaced-<UTC time>/ first (replaced-<UTC time>-2/ when that name is taken).
Start the server afterwards; it applies any migrations the backup lacks (after copying it to
backups/).
With DATABASE_URL (PostgreSQL) it refuses: restore the database with pg_restore.`;

/** Exit code of a refusal that is not a usage mistake (a running server, a damaged file). */
const REFUSED = 1;

export async function restoreCommand(
  config: Config,
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
  /** Tests lower it; the CLI never passes it. */
  maxBytes = MAX_BACKUP_BYTES,
): Promise<number> {
  const { values, positionals } = parseOptions({
    args,
    options: { force: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  refuseOnPostgres(config, 'restore');
  if (positionals.length !== 1 || positionals[0] === '')
    throw new CliUsageError(`gatehouse restore needs one backup file.\n\n${RESTORE_HELP}`);
  const fromStdin = positionals[0] === '-';
  const file = fromStdin ? 'stdin' : resolve(positionals[0]!);
  if (!fromStdin && (!existsSync(file) || !statSync(file).isFile()))
    throw new CliUsageError(`No backup file at ${file}.`);
  const dataDir = config.dataDir;
  const refuse = (message: string) => {
    err(`${message}\n`);
    return REFUSED;
  };

  const lock = acquireServerLock(dataDir);
  if (!lock)
    return refuse(
      `Refused: a Gatehouse server is running on GATEHOUSE_DATA_DIR '${dataDir}', and restore never replaces a running server's data. Stop it (systemctl stop gatehouse, docker compose stop gatehouse), then run gatehouse restore again. Nothing was changed.`,
    );
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-restore-'));
  try {
    let files: Map<string, File>;
    try {
      files = await unpackBackup(await readBackup(fromStdin ? undefined : file, maxBytes), maxBytes);
    } catch (e) {
      if (e instanceof BackupProblem) return refuse(`Refused: ${file} ${e.message}. Nothing was changed.`);
      return refuse(
        `Refused: ${file} cannot be read by ${whoAmI()} (${(e as NodeJS.ErrnoException).code ?? e}).`,
      );
    }
    const manifestFile = files.get(MANIFEST_FILE);
    if (!manifestFile)
      return refuse(`Refused: ${file} is not a Gatehouse backup (no ${MANIFEST_FILE} in it).`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await manifestFile.text());
    } catch {
      return refuse(`Refused: ${file} has an unreadable ${MANIFEST_FILE}.`);
    }
    const format = otherFormat(parsed);
    if (format !== undefined)
      return refuse(
        `Refused: ${file} is backup format ${format}; this version reads format ${BACKUP_FORMAT}.`,
      );
    const problem = manifestProblem(parsed);
    if (problem)
      return refuse(`Refused: ${file} has a malformed ${MANIFEST_FILE}: ${problem}. Nothing was changed.`);
    const manifest = parsed as BackupManifest;

    const contents = new Map<string, Uint8Array>();
    for (const f of manifest.files) {
      if (!isRestorableName(f.name))
        return refuse(`Refused: ${file} names a file Gatehouse never writes: ${JSON.stringify(f.name)}.`);
      const entry = files.get(f.name);
      if (!entry) return refuse(`Refused: ${file} is incomplete: ${f.name} is missing. Nothing was changed.`);
      const bytes = await entry.bytes();
      if (createHash('sha256').update(bytes).digest('hex') !== f.sha256)
        return refuse(
          `Refused: ${file} is damaged: ${f.name} does not match its SHA-256. Nothing was changed.`,
        );
      contents.set(f.name, bytes);
    }
    const db = contents.get(DATABASE_FILE);
    if (!db) return refuse(`Refused: ${file} holds no database. Nothing was changed.`);

    // The database itself: intact, Gatehouse's, and not from a newer schema than this binary knows.
    // SQLite takes an empty file for an empty database, which quick_check passes.
    if (db.length === 0)
      return refuse(
        `Refused: the database in ${file} is empty (0 bytes), not a Gatehouse database. Nothing was changed.`,
      );
    const checked = join(work, DATABASE_FILE);
    writeFileSync(checked, db, { mode: DATA_FILE_MODE });
    let copy: Database | undefined;
    let facts: ReturnType<typeof describeDatabase>;
    try {
      copy = new Database(checked, { readonly: true });
      const check = copy.query<{ quick_check: string }, []>('PRAGMA quick_check').get()?.quick_check;
      if (check !== 'ok')
        return refuse(`Refused: the database in ${file} fails SQLite's quick_check (${check}).`);
      // Every Gatehouse database has its migrations journal and its audit trail from the first migration.
      const missing = ['__drizzle_migrations', 'audit_entries'].filter((t) => !hasTable(copy!, t));
      if (missing.length > 0)
        return refuse(
          `Refused: the database in ${file} is not a Gatehouse database (no ${missing.join(' or ')} table). Nothing was changed.`,
        );
      facts = describeDatabase(copy);
    } catch (e) {
      return refuse(
        `Refused: the database in ${file} cannot be read (${e instanceof Error ? e.message : String(e)}), so it is not a Gatehouse database. Nothing was changed.`,
      );
    } finally {
      copy?.close();
    }
    if (facts.migrationsApplied === 0)
      return refuse(
        `Refused: the database in ${file} is not a Gatehouse database (its migrations journal is empty). Nothing was changed.`,
      );
    if (facts.newestMigrationAt !== null && facts.newestMigrationAt > NEWEST_KNOWN_MIGRATION_AT)
      return refuse(
        `Refused: ${file} was made by a newer Gatehouse (${manifest.gatehouseVersion}) whose database has migrations this version does not know. Migrations are forward-only: restore it with that version or a newer one. Nothing was changed.`,
      );

    ensurePrivateDir(dataDir);
    // A name the backup restores must be free or a regular file: a folder or a link there would
    // fail the rename half way, or be written through.
    for (const name of contents.keys()) {
      const st = lstatSync(join(dataDir, name), { throwIfNoEntry: false });
      if (st && !st.isFile())
        return refuse(
          `Refused: GATEHOUSE_DATA_DIR '${dataDir}' holds ${name}, which is not a regular file; restore would replace it. Move it away first. Nothing was changed.`,
        );
    }
    const present = readdirSync(dataDir).filter(
      (name) =>
        // The locks stay: the server's (this restore holds it) and the head writers'.
        !name.startsWith(LOCK_FILE) &&
        lstatSync(join(dataDir, name)).isFile() &&
        (isSkipped(name) || contents.has(name)),
    );
    let movedTo: string | undefined;
    const holdsDatabase = [DATABASE_FILE, `${DATABASE_FILE}-wal`].some((n) => present.includes(n));
    const interrupted = interruptedRestoreProblem(dataDir);
    if (holdsDatabase && !values.force && interrupted)
      return refuse(`Refused: ${interrupted} Nothing was changed.`);
    if (holdsDatabase && !values.force)
      return refuse(
        `Refused: GATEHOUSE_DATA_DIR '${dataDir}' already holds a database. Restore replaces it only with --force (the current files are then moved to ${join(dataDir, 'replaced-<UTC time>')}/). Nothing was changed.`,
      );
    // Restored as root into a service's data dir (systemd's /var/lib/gatehouse, a volume owned by
    // the image's user): everything written belongs to the directory's owner, or the service
    // could not open it.
    const owner = statSync(dataDir);
    const asRoot = process.getuid?.() === 0 && owner.uid !== 0;
    const giveAway = (path: string) => {
      if (asRoot) chownSync(path, owner.uid, owner.gid);
    };
    // Everything is written beside its place first, under names of this run's own (created
    // exclusively: never through a link placed there), so a write that fails (a full disk)
    // leaves the data dir as it was; what follows only renames.
    const cannotWrite = (e: unknown) =>
      refuse(
        `Refused: the restored files cannot be written into GATEHOUSE_DATA_DIR '${dataDir}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Nothing was changed.`,
      );
    /** Writes `bytes` under a temporary name of this run's own beside `name`; answers that path. */
    const stage = (name: string, bytes: Uint8Array): string => {
      const tmp = temporaryBeside(join(dataDir, name));
      writeNewFile(tmp, bytes, asRoot ? owner : undefined);
      return tmp;
    };
    const staged = new Map<string, string>();
    try {
      for (const [name, bytes] of contents) staged.set(name, stage(name, bytes));
    } catch (e) {
      for (const tmp of staged.values()) removeIfCan(tmp);
      return cannotWrite(e);
    }
    if (present.length > 0) {
      const stamp = new Date()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      // A second restore within the same second takes the next free name: an earlier copy set
      // aside is never merged into or refused over.
      for (let n = 1; !movedTo; n++) {
        const name = join(dataDir, n === 1 ? `replaced-${stamp}` : `replaced-${stamp}-${n}`);
        try {
          mkdirSync(name, { mode: DATA_DIR_MODE });
          // The service's at once: a restore interrupted from here on leaves it to its owner.
          giveAway(name);
          movedTo = name;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      }
    }
    // Until every file is in place (or put back), a server refuses this data dir.
    const earlier = interruptedRestore(dataDir);
    const marker = join(dataDir, RESTORE_MARKER);
    const restoring = { replacedTo: movedTo, backup: file, at: new Date().toISOString() };
    // An earlier interruption's marker is only ever replaced whole, and removed on success alone.
    const dropMarker = () => {
      if (!earlier) removeIfCan(marker);
    };
    try {
      const tmp = stage(RESTORE_MARKER, new TextEncoder().encode(JSON.stringify(restoring)));
      renameSync(tmp, marker);
      syncDirectory(dataDir);
    } catch (e) {
      for (const path of [...staged.values(), ...(movedTo ? [movedTo] : [])]) removeIfCan(path);
      return cannotWrite(e);
    }
    // The WAL and shared memory go with the database they belong to: left behind, SQLite would
    // replay the old WAL into the restored database. A rename that fails puts everything back.
    const moved: string[] = [];
    const placed: string[] = [];
    try {
      for (const name of present) {
        renameSync(join(dataDir, name), join(movedTo!, name));
        moved.push(name);
      }
      for (const [name, tmp] of staged) {
        renameSync(tmp, join(dataDir, name));
        placed.push(name);
      }
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      // Put back what was moved; what is left over after that (a temporary) is best effort.
      const notBack: string[] = [];
      for (const name of placed) removeIfCan(join(dataDir, name));
      for (const name of moved) {
        try {
          renameSync(join(movedTo!, name), join(dataDir, name));
        } catch {
          notBack.push(name);
        }
      }
      for (const tmp of staged.values()) removeIfCan(tmp);
      if (notBack.length > 0)
        return refuse(
          `Restore failed while putting the files in place (${reason}), and ${notBack.join(', ')} could not be put back: they are in ${movedTo}. Move them back into GATEHOUSE_DATA_DIR before starting the server.`,
        );
      if (movedTo) removeIfCan(movedTo);
      dropMarker();
      return refuse(
        `Refused: the restored files cannot be put in place in GATEHOUSE_DATA_DIR '${dataDir}' (${reason}). Nothing was changed.`,
      );
    }
    // The renames themselves survive a power loss only once the directory is synced.
    syncDirectory(dataDir);
    rmSync(marker, { force: true });
    chmodSync(dataDir, DATA_DIR_MODE);
    if (movedTo) for (const name of readdirSync(movedTo)) giveAway(join(movedTo, name));

    out(
      `Restored ${file} (made ${manifest.createdAt} by Gatehouse ${manifest.gatehouseVersion}) into GATEHOUSE_DATA_DIR '${dataDir}': the database (${facts.auditEntries} audit entries) and ${contents.size - 1} key and secret files.\n`,
    );
    if (movedTo) out(`The files it replaced are in ${movedTo}.\n`);
    if (earlier?.replacedTo)
      out(`An earlier restore was interrupted: the files it had set aside are in ${earlier.replacedTo}.\n`);
    if (config.auditWitness)
      out(
        `GATEHOUSE_AUDIT_WITNESS is set: the witness saw heads newer than this backup, so gatehouse audit verify reports a rollback until you move ${config.auditWitness} aside (a new witness starts with the next head).\n`,
      );
    out('Start the server: it applies any migrations the backup lacks.\n');
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
    lock.release();
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Removes what restore wrote, when it can (an append-only directory refuses it): best effort. */
function removeIfCan(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // Left over: a temporary name backups leave out, or an empty folder.
  }
}
