import { hkdfSync } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
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
  chmodSync(dataDir, DATA_DIR_MODE);
  for (const name of readdirSync(dataDir)) {
    const path = join(dataDir, name);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st?.isFile() && (st.mode & 0o777) !== DATA_FILE_MODE) chmodSync(path, DATA_FILE_MODE);
  }
}

/**
 * A secret generated once and kept in the data dir (mode 0600), used when the operator did not
 * configure one (e.g. WORKOS_COOKIE_PASSWORD). Losing the file signs everybody out.
 */
export function loadOrCreateSecret(dataDir: string, name: string): string {
  ensurePrivateDir(dataDir);
  const path = join(dataDir, `${name}.secret`);
  if (existsSync(path)) {
    const value = readFileSync(path, 'utf8').trim();
    if (value.length >= 32) return value;
  }
  const value = randomToken(48);
  writeFileSync(path, `${value}\n`, { mode: DATA_FILE_MODE });
  chmodSync(path, DATA_FILE_MODE);
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
