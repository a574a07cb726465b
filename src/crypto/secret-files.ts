import { hkdfSync, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { foreignBeforeFirstStart, isGatehouseName } from '../config/data-dir.ts';
import { ConfigError } from '../config/index.ts';
import { randomToken } from './random.ts';

/** The data directory: only Gatehouse's own user may list or enter it. */
export const DATA_DIR_MODE = 0o700;
/** Every file in it (database, WAL, secrets, keys, audit head): only that user may read them. */
export const DATA_FILE_MODE = 0o600;

/** Creates `dir` (and any missing parents) 0700 if it does not exist; an existing one is left as it is. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
}

/**
 * Makes the data directory 0700 and every regular file directly in it 0600, including files an
 * older version left 0644 (the database holds emails, tool arguments and grant bodies; the
 * secrets and the audit key speak for the server). Symbolic links are left alone.
 */
export function restrictDataDir(dataDir: string): void {
  ensurePrivateDir(dataDir);
  // A directory holding nothing of Gatehouse's but others' files (with DATABASE_URL, where the
  // first-start check does not apply) is not made private: nothing of Gatehouse's is in it.
  if (foreignBeforeFirstStart(dataDir).length === 0) chmodSync(dataDir, DATA_DIR_MODE);
  for (const name of readdirSync(dataDir)) {
    // Only Gatehouse's own files: whatever else an operator keeps there stays as it is.
    if (!isGatehouseName(name)) continue;
    const path = join(dataDir, name);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st?.isFile() && (st.mode & 0o777) !== DATA_FILE_MODE) chmodSync(path, DATA_FILE_MODE);
  }
}

/** What a new secret of each name costs, for the refusal of a damaged one. */
const SECRET_LOST: Record<string, string> = {
  cookie: 'everyone signs in again',
  environments: 'every team links its WorkOS environments again',
  'request-state': 'questions an agent was asked are asked again',
};

function damagedSecret(path: string, name: string, current: string): string {
  return `${path} holds ${current.length} characters, not a secret (Gatehouse writes 64): it was emptied or damaged. Put it back from a backup (gatehouse restore); if it is lost, remove it and Gatehouse makes a new one (${SECRET_LOST[name] ?? 'what it protected is lost'})`;
}

/** Why the data dir's secret `name` cannot be used as it is (`config check`), if it cannot. */
export function secretFileProblem(dataDir: string, name: string): string | undefined {
  const path = join(dataDir, `${name}.secret`);
  let current: string;
  try {
    current = readFileSync(path, 'utf8').trim();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? undefined : `${path} cannot be read (${code ?? (e as Error).message})`;
  }
  return current.length >= 32 ? undefined : damagedSecret(path, name, current);
}

/**
 * A secret generated once and kept in the data dir (mode 0600), used when the operator did not
 * configure one (e.g. WORKOS_COOKIE_PASSWORD). Losing the file signs everybody out.
 */
export function loadOrCreateSecret(dataDir: string, name: string): string {
  ensurePrivateDir(dataDir);
  const path = join(dataDir, `${name}.secret`);
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (current !== undefined && current.length >= 32) return current;
  // Without hard links another process creates the file and then writes it (createFileOnce's
  // fallback): one created this very moment may be read empty. Read again for up to a second.
  for (let i = 0; current === '' && i < 20 && Date.now() - statSync(path).mtimeMs < 2_000; i++) {
    Bun.sleepSync(50);
    current = readFileSync(path, 'utf8').trim();
  }
  if (current !== undefined && current.length >= 32) return current;
  // One that is there but too short to be a secret (emptied, cut off) is never replaced: what it
  // sealed (environments.secret: the teams' linked WorkOS keys) would be lost without a word.
  if (current !== undefined) throw new ConfigError([damagedSecret(path, name, current)]);
  // A missing secret is created once, whoever races to create it (each then reads the winner's).
  const value = randomToken(48);
  if (!createFileOnce(path, `${value}\n`)) return readFileSync(path, 'utf8').trim();
  return value;
}

/**
 * A secret every replica must hold alike. With DATABASE_URL (several replicas on one database,
 * docs/postgresql.md "Configuration") it is derived from WORKOS_COOKIE_PASSWORD, which that mode
 * requires, with HKDF-SHA256 (RFC 5869) and the secret's name as `info`, so each purpose gets its
 * own key and none reveals another; otherwise it is kept in the data dir as before.
 */
export function sharedSecret(
  config: { dataDir: string; database: unknown; cookiePassword: string | undefined },
  name: string,
): string {
  if (!config.database || !config.cookiePassword) return loadOrCreateSecret(config.dataDir, name);
  const key = hkdfSync('sha256', config.cookiePassword, 'gatehouse', `gatehouse/${name}`, 36);
  return Buffer.from(key).toString('base64url');
}

/**
 * Files of the data dir that several processes may write at once: a server and a command run
 * beside it (`gatehouse teams admit` moves the signed head too), or commands run in parallel on a
 * fresh data dir, each creating the audit key. Every writer writes its own temporary file (a name
 * no other process picks), synced, then puts it in place in one step, so a reader sees the old
 * file or a new one whole, never half of one, and never a file two writers wrote into.
 *
 * This is a temporary name beside `path`, this process's alone; it ends in `.tmp` (backups leave
 * those out).
 */
export function temporaryBeside(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * Writes a new file, 0600 and synced, given to `owner` when one is named (a command run as root
 * in a service's data dir). 'wx': a file already there under that name, or a link, is never
 * written through. A write that fails removes what it created.
 */
export function writeNewFile(
  path: string,
  content: string | Uint8Array,
  owner?: { uid: number; gid: number },
): void {
  const fd = openSync(path, 'wx', DATA_FILE_MODE);
  let written = false;
  try {
    writeFileSync(fd, content);
    fchmodSync(fd, DATA_FILE_MODE);
    if (owner) fchownSync(fd, owner.uid, owner.gid);
    fsyncSync(fd);
    written = true;
  } finally {
    closeSync(fd);
    if (!written) rmSync(path, { force: true });
  }
}

/**
 * Creates `path` with `content` unless it exists, atomically: of processes racing to create it,
 * exactly one wins (a hard link never replaces a file), and every one of them then reads the
 * winner's. Answers whether this call created it.
 */
export function createFileOnce(path: string, content: string): boolean {
  const where = linkedTarget(path);
  if (where !== path) {
    // A link to a file not there yet (the key kept on another volume): created where it points.
    if (existsSync(where)) return false;
    path = where;
  }
  const tmp = temporaryBeside(path);
  writeNewFile(tmp, content);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    // A file system without hard links: an exclusive create, which one process alone wins too.
    try {
      writeNewFile(path, content);
      return true;
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw again;
    }
  } finally {
    unlinkSync(tmp);
  }
}

/** Replaces `path` with `content` in one step (rename): the last writer's file wins whole. */
export function replaceFile(path: string, content: string): void {
  const tmp = temporaryBeside(path);
  try {
    writeNewFile(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // Never written, or already renamed: nothing to clean up.
    }
    throw e;
  }
}

/** Where a symbolic link at `path` points (resolved beside it), or `path` itself. */
function linkedTarget(path: string): string {
  const st = lstatSync(path, { throwIfNoEntry: false });
  return st?.isSymbolicLink() ? resolve(dirname(path), readlinkSync(path)) : path;
}

/**
 * Creates `path` (0600) if missing and makes sure it is a regular file of the data dir's owner: a
 * lock file Gatehouse opens by name. A link placed there by whoever owns the data dir is refused,
 * never followed (a command run as root would otherwise create or hand over the file it points
 * to); created by root in a service's data dir, the file is given to the directory's owner.
 */
export function ensureOwnFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, DATA_FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP')
      throw Object.assign(
        new Error(`${path} is a symbolic link: Gatehouse creates this file itself. Remove the link`),
        {
          code: 'ELOOP',
          path,
          syscall: 'open',
        },
      );
    throw e;
  }
  try {
    if (!fstatSync(fd).isFile())
      throw Object.assign(
        new Error(`${path} is not a regular file: Gatehouse creates this file itself. Remove it`),
        {
          code: 'EINVAL',
          path,
          syscall: 'open',
        },
      );
    const owner = statSync(dirname(path));
    if (process.getuid?.() === 0 && owner.uid !== 0) fchownSync(fd, owner.uid, owner.gid);
  } finally {
    closeSync(fd);
  }
}
