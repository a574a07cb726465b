import { expect, test } from 'bun:test';
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { openPostgres } from '../../src/db/pg/open.ts';

const COOKIE = 'c'.repeat(40);
const KEY = generateKeyPairSync('ed25519')
  .privateKey.export({ type: 'pkcs8', format: 'der' })
  .toString('base64');
const shared = { WORKOS_COOKIE_PASSWORD: COOKIE, GATEHOUSE_AUDIT_SIGNING_KEY: KEY };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

test('DATABASE_URL — unset: SQLite in the data dir, nothing more required', () => {
  const c = loadConfig({});
  expect(c.database).toBeUndefined();
  expect(c.auditSigningKey).toBeUndefined();
});

test('DATABASE_URL — a PostgreSQL URL with the shared secrets is taken; the password never shows', () => {
  const c = loadConfig({ DATABASE_URL: 'postgres://gh:s3cr3t@db.internal:5432/gatehouse', ...shared });
  expect(c.database?.url).toBe('postgres://gh:s3cr3t@db.internal:5432/gatehouse');
  expect(c.database?.display).toBe('postgres://gh:****@db.internal:5432/gatehouse');
  expect(c.auditSigningKey?.asymmetricKeyType).toBe('ed25519');
});

test('DATABASE_URL — malformed values are refused with a message naming what is wrong, password masked', () => {
  expect(problems({ DATABASE_URL: 'not a url', ...shared })[0]).toContain(
    'must be a PostgreSQL URL like postgres://',
  );
  const mysql = problems({ DATABASE_URL: 'mysql://u:hunter2@h/db', ...shared });
  expect(mysql[0]).toContain('must start with postgres:// or postgresql://');
  expect(mysql.join('\n')).not.toContain('hunter2');
  expect(problems({ DATABASE_URL: 'postgres://u@h', ...shared })[0]).toContain('must name one database');
  expect(problems({ DATABASE_URL: 'postgres://u@h/a/b', ...shared })[0]).toContain('must name one database');
});

test('DATABASE_URL — without the secrets every replica must share, the start is refused naming both', () => {
  const p = problems({ DATABASE_URL: 'postgres://u@h/db' });
  expect(p.some((m) => m.startsWith('WORKOS_COOKIE_PASSWORD is required with DATABASE_URL'))).toBe(true);
  expect(p.some((m) => m.startsWith('GATEHOUSE_AUDIT_SIGNING_KEY is required with DATABASE_URL'))).toBe(true);
});

test('GATEHOUSE_AUDIT_SIGNING_KEY — PEM or base64 DER of an Ed25519 key; anything else is refused', () => {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  expect(loadConfig({ GATEHOUSE_AUDIT_SIGNING_KEY: pem }).auditSigningKey?.asymmetricKeyType).toBe('ed25519');
  expect(problems({ GATEHOUSE_AUDIT_SIGNING_KEY: 'garbage' })[0]).toContain('must be an Ed25519 private key');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs8', format: 'der' })
    .toString('base64');
  expect(problems({ GATEHOUSE_AUDIT_SIGNING_KEY: rsa })[0]).toContain(
    'must be an Ed25519 key, got a rsa key',
  );
});

test('openPostgres — a server that does not answer is a configuration error naming the URL, password masked', () => {
  // Loopback port 1 (tcpmux, privileged) is served by nothing on a test machine: the connection is
  // refused. A port free a moment ago could be taken by another test's server by now.
  const port = 1;
  const url = `postgres://gh:topsecret@127.0.0.1:${port}/gatehouse`;
  let err: unknown;
  try {
    openPostgres({ url, display: `postgres://gh:****@127.0.0.1:${port}/gatehouse` });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const message = (err as ConfigError).problems.join('\n');
  expect(message).toContain('cannot connect to the PostgreSQL server');
  expect(message).toContain(`127.0.0.1:${port}`);
  expect(message).not.toContain('topsecret');
});

test('openPostgres — a URL parameter the driver refuses is a configuration error naming it, not a hang', () => {
  for (const [query, named] of [
    ['sslmode=bogus', "'sslmode' must be one of: disable, allow, prefer, require, verify-ca, verify-full"],
    ['sslmode=disable&sslmode=require', "Received 'disable,require'"],
    ['connect_timeout=abc', 'connection_timeout'],
  ] as const) {
    let err: unknown;
    try {
      // Port 1: were the URL taken, nothing would answer there (see above); it is refused first.
      openPostgres({ url: `postgres://gh:topsecret@127.0.0.1:1/gatehouse?${query}`, display: 'the URL' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as ConfigError).problems.join('\n');
    expect(message).toContain('DATABASE_URL the URL: a parameter of the URL is not valid');
    expect(message).toContain(named);
    expect(message).not.toContain('topsecret');
  }
});

test('openPostgres — the refused value is quoted with any password in the URL masked', () => {
  let err: unknown;
  try {
    openPostgres({
      url: 'postgres://gh:hunter22@127.0.0.1:1/gatehouse?sslmode=hunter22',
      display: 'the URL',
    });
  } catch (e) {
    err = e;
  }
  const message = (err as ConfigError).problems.join('\n');
  expect(message).toContain("Received '****'");
  expect(message).not.toContain('hunter22');
});

test('DATABASE_URL — a % not followed by two hex digits (password, user, database) is refused by part, not a "URI error"', () => {
  for (const [url, part] of [
    ['postgres://u:%ZZpw@h/db', 'password'],
    ['postgres://u%G1:p@h/db', 'user name'],
    ['postgres://u:p@h/%ZZ', 'database name'],
  ] as const) {
    const p = problems({ DATABASE_URL: url, ...shared });
    expect(p.join('\n')).toContain(
      `DATABASE_URL's ${part} holds a % that is not followed by two hex digits: write a literal % as %25`,
    );
    expect(p.join('\n')).not.toContain('%ZZpw');
  }
});
