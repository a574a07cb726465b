/**
 * DATABASE_URL and the secrets every replica must share when it is set (docs/postgresql.md,
 * "Configuration"). Unset: SQLite in the data dir, and the secrets may be generated there.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { quote } from './checks.ts';

export interface DatabaseConfig {
  /** The connection URL, password included: never logged (use `display`). */
  url: string;
  /** The URL without its password, for messages and logs. */
  display: string;
}

/** A URL as messages show it: the password replaced. */
export function displayDatabaseUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '****';
    // libpq's URI form also takes the password as a parameter (`?password=…`, `sslpassword`).
    for (const k of [...u.searchParams.keys()]) if (/password/i.test(k)) u.searchParams.set(k, '****');
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/** DATABASE_URL, checked for shape (reachability and privileges are checked when it is opened). */
export function databaseFrom(raw: string | undefined, problems: string[]): DatabaseConfig | undefined {
  if (raw === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    problems.push(
      'DATABASE_URL must be a PostgreSQL URL like postgres://user:password@host:5432/database (a password with @, : or / must be percent-encoded)',
    );
    return undefined;
  }
  const display = displayDatabaseUrl(raw);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    problems.push(
      `DATABASE_URL must start with postgres:// or postgresql:// (unset it to use SQLite in the data dir), got ${quote(display)}`,
    );
    return undefined;
  }
  if (!u.hostname) problems.push(`DATABASE_URL names no host, got ${quote(display)}`);
  // A `%` not followed by two hex digits (a generated password holding one as is) cannot be
  // decoded: the driver would fail with a bare "URI error".
  const decoded = (part: string, what: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      problems.push(
        `DATABASE_URL's ${what} holds a % that is not followed by two hex digits: write a literal % as %25, got ${quote(display)}`,
      );
      return undefined;
    }
  };
  decoded(u.username, 'user name');
  decoded(u.password, 'password');
  const name = decoded(u.pathname.replace(/^\//, ''), 'database name');
  if (name === undefined) return undefined;
  if (!name || name.includes('/'))
    problems.push(
      `DATABASE_URL must name one database after the host (…:5432/gatehouse), got ${quote(display)}`,
    );
  if (u.port && !(Number(u.port) >= 1 && Number(u.port) <= 65535))
    problems.push(`DATABASE_URL's port must be 1–65535, got ${quote(u.port)}`);
  return { url: raw, display };
}

/**
 * GATEHOUSE_AUDIT_SIGNING_KEY: an Ed25519 private key, as a PKCS#8 PEM or the base64 of its
 * DER on one line (what fits an environment variable).
 */
export function auditSigningKeyFrom(raw: string | undefined, problems: string[]): KeyObject | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  let key: KeyObject;
  try {
    key = text.startsWith('-----BEGIN')
      ? createPrivateKey(text.replace(/\\n/g, '\n'))
      : createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    problems.push(
      'GATEHOUSE_AUDIT_SIGNING_KEY must be an Ed25519 private key: a PKCS#8 PEM, or its DER in base64 on one line (`openssl genpkey -algorithm ed25519 -outform DER | base64 -w0`)',
    );
    return undefined;
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    problems.push(
      `GATEHOUSE_AUDIT_SIGNING_KEY must be an Ed25519 key, got a ${key.asymmetricKeyType ?? 'different'} key`,
    );
    return undefined;
  }
  return key;
}

/** With several replicas, a secret generated in one replica's data dir would differ on the next. */
export function sharedSecretProblems(
  database: DatabaseConfig | undefined,
  secrets: { cookiePassword: string | undefined; auditSigningKey: KeyObject | undefined },
): string[] {
  if (!database) return [];
  const out: string[] = [];
  if (!secrets.cookiePassword)
    out.push(
      'WORKOS_COOKIE_PASSWORD is required with DATABASE_URL: every replica must seal and sign with the same secret (≥ 32 characters, e.g. `openssl rand -base64 32`)',
    );
  if (!secrets.auditSigningKey)
    out.push(
      'GATEHOUSE_AUDIT_SIGNING_KEY is required with DATABASE_URL: every replica must sign the one audit trail with the same key (`openssl genpkey -algorithm ed25519 -outform DER | base64 -w0`)',
    );
  return out;
}
