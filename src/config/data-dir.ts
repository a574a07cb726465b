/**
 * Whether GATEHOUSE_DATA_DIR can hold Gatehouse's files, checked before anything is opened so a
 * wrong data dir is reported with the variable and its value, not as SQLite's "unable to open
 * database file" or a raw ENOENT.
 */
import {
  accessSync,
  existsSync,
  constants as fsConstants,
  readdirSync,
  readFileSync,
  type Stats,
  statSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { quote } from './checks.ts';

/** The database file's name inside the data directory (db/client.ts opens it). */
export const DATABASE_FILE = 'gatehouse.db';

const NAME = 'GATEHOUSE_DATA_DIR';

/** Who this process runs as, for messages about permissions. */
export function whoAmI(): string {
  return typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'this user';
}

function writable(path: string): NodeJS.ErrnoException | undefined {
  try {
    accessSync(path, fsConstants.W_OK);
    return undefined;
  } catch (e) {
    return e as NodeJS.ErrnoException;
  }
}

function stat(path: string): Stats | NodeJS.ErrnoException | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    return e as NodeJS.ErrnoException;
  }
}

const why = (e: NodeJS.ErrnoException) =>
  e.code === 'EROFS'
    ? 'it is on a read-only file system'
    : `not writable by ${whoAmI()} (${e.code ?? e.message})`;

/** Every reason the data dir cannot be used as it is; empty when it can (or can be created). */
export function dataDirProblems(dataDir: string, options = { firstStartCheck: true }): string[] {
  const dir = quote(dataDir);
  const s = stat(dataDir);
  if (s instanceof Error)
    return [
      s.code === 'ENOTDIR'
        ? `${NAME} ${dir} cannot be a directory: a parent of it is a file`
        : `${NAME} ${dir} cannot be reached: ${s.code ?? s.message}`,
    ];
  if (s === undefined) {
    // Missing: it is created at start, so its nearest existing parent must allow that.
    let parent = dirname(resolve(dataDir));
    for (;;) {
      const p = stat(parent);
      if (p instanceof Error)
        return [`${NAME} ${dir} does not exist and cannot be created: ${quote(parent)} is ${p.code}`];
      if (p?.isDirectory()) {
        const e = writable(parent);
        return e
          ? [
              `${NAME} ${dir} does not exist and cannot be created: its parent ${quote(parent)} is ${why(e)}. Create it (mkdir -p) and give it to the user Gatehouse runs as, or point ${NAME} elsewhere`,
            ]
          : [];
      }
      if (p) return [`${NAME} ${dir} cannot be created: ${quote(parent)} is a file, not a directory`];
      if (parent === dirname(parent)) return [`${NAME} ${dir} cannot be created`];
      parent = dirname(parent);
    }
  }
  if (!s.isDirectory()) return [`${NAME} ${dir} is not a directory`];
  const e = writable(dataDir);
  if (e)
    return [
      `${NAME} ${dir} is ${why(e)}: Gatehouse writes its database, WAL and secrets there. Give the directory to the user Gatehouse runs as, or point ${NAME} at a writable one`,
    ];
  const foreign = options.firstStartCheck ? foreignBeforeFirstStart(dataDir) : [];
  if (foreign.length > 0)
    return [
      `${NAME} ${dir} holds files Gatehouse never writes and none of its own (${foreign
        .slice(0, 5)
        .map((n) => JSON.stringify(n))
        .join(
          ', ',
        )}${foreign.length > 5 ? `, and ${foreign.length - 5} more` : ''}): is it the right directory? Gatehouse makes its data dir private (0700, its files 0600), so it starts only in an empty or new one. Point ${NAME} at one`,
    ];
  const problems: string[] = [];
  for (const name of [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`]) {
    const path = join(dataDir, name);
    const f = stat(path);
    if (!f || f instanceof Error) continue;
    const fe = writable(path);
    if (fe)
      problems.push(
        `${NAME} ${dir}: the database file ${quote(path)} is read-only (${why(fe)}; owner uid ${f.uid}, mode ${(f.mode & 0o777).toString(8).padStart(4, '0')}). Gatehouse must write it: chown it to the user Gatehouse runs as and make it writable (chmod 600)`,
      );
  }
  return problems;
}

/**
 * A name Gatehouse writes in its data dir, or leaves there: the database (`gatehouse.db`, its WAL,
 * shared memory and restore's temporaries) and the locks (`gatehouse.lock*`); the audit key pair,
 * signed head and verify checkpoint (`audit-*`); the secrets (`*.secret`); any temporary (`*.tmp`);
 * the copies taken before migrations (`backups/`) and by restore (`replaced-*`).
 */
export function isGatehouseName(name: string): boolean {
  return (
    name.startsWith('gatehouse.') ||
    name.startsWith('audit-') ||
    /\.secret(\.|$)/.test(name) ||
    name.endsWith('.tmp') ||
    name === 'backups' ||
    name.startsWith('replaced-')
  );
}

/**
 * What a data dir none of whose entries is Gatehouse's holds, when it holds anything: pointed at
 * the wrong directory ($HOME, a folder of tools), the first start would make it private. Empty
 * once Gatehouse has written there (the operator's notes beside its files are theirs, and left
 * alone), and when it cannot be listed (the other checks say why).
 */
export function foreignBeforeFirstStart(dataDir: string): string[] {
  let names: string[];
  try {
    // `lost+found` is the file system's own, at the root of a volume mounted as the data dir; a
    // dot file (`.gitkeep` in a bind-mounted ./data, `.DS_Store`) is nobody's data to protect.
    names = readdirSync(dataDir).filter((name) => name !== 'lost+found' && !name.startsWith('.'));
  } catch {
    return [];
  }
  // Its locks alone do not make it Gatehouse's: serve takes gatehouse.lock before tightening (and,
  // with DATABASE_URL, may write nothing else there).
  return names.some((name) => isGatehouseName(name) && !name.startsWith('gatehouse.lock'))
    ? []
    : names.filter((name) => !name.startsWith('gatehouse.lock')).sort();
}

/**
 * Left by `gatehouse restore` while it moves files (JSON: where the replaced files went, from
 * which backup, when), removed once every file is in place or put back. While it is there every
 * command that opens the database refuses (src/db/client.ts openDatabase), `serve` included: on a
 * data dir half moved it would begin a new database. Its name starts with
 * the server lock's (gatehouse.lock), so backups leave it out and restore never moves it aside.
 */
export const RESTORE_MARKER = 'gatehouse.lock-restoring';

/** What an interrupted restore left (RESTORE_MARKER), when it did. */
export function interruptedRestore(
  dataDir: string,
): { replacedTo?: string; backup?: string; at?: string } | undefined {
  const path = join(dataDir, RESTORE_MARKER);
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
  // Whatever the marker holds (cut short, `null`, another shape), the data dir stays refused:
  // only what is a string is repeated.
  const field = (k: string) => {
    const v = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>)[k] : undefined;
    return typeof v === 'string' ? v : undefined;
  };
  return { replacedTo: field('replacedTo'), backup: field('backup'), at: field('at') };
}

/** The sentence a command refuses a data dir an interrupted restore left with. */
export function interruptedRestoreProblem(dataDir: string): string | undefined {
  const r = interruptedRestore(dataDir);
  if (!r) return undefined;
  return `GATEHOUSE_DATA_DIR '${dataDir}': a restore into it was interrupted${r.at ? ` (${r.at})` : ''}, so it holds part of ${r.backup ?? 'a backup'} and part of what it replaced${r.replacedTo ? ` (the rest of that is in ${r.replacedTo})` : ''}. Run gatehouse restore --force with the backup again to finish it, or move those files back and remove ${RESTORE_MARKER}.`;
}
