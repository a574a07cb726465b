import { afterAll, describe, expect, test } from 'bun:test';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateAuditKey } from '../../src/audit/keys.ts';
import { ConfigError } from '../../src/config/index.ts';
import {
  createFileOnce,
  ensureOwnFile,
  loadOrCreateSecret,
  replaceFile,
} from '../../src/crypto/secret-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-data-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const temporaries = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('data dir files written by several processes', () => {
  test('createFileOnce — the first writer wins; a later one is told so and changes nothing', () => {
    const path = join(dir, 'once');
    expect(createFileOnce(path, 'first\n')).toBe(true);
    expect(createFileOnce(path, 'second\n')).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('first\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(temporaries()).toEqual([]);
  });

  test('replaceFile — the new content replaces the old whole, 0600, no temporary left', () => {
    const path = join(dir, 'replaced');
    writeFileSync(path, 'old\n', { mode: 0o644 });
    replaceFile(path, 'new\n');
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(temporaries()).toEqual([]);
  });

  test('replaceFile — a target it cannot replace throws and leaves no temporary behind', () => {
    // A file cannot take a directory's place.
    const target = join(dir, 'a-directory');
    mkdirSync(target);
    expect(() => replaceFile(target, 'x')).toThrow();
    expect(temporaries()).toEqual([]);
  });

  test('loadOrCreateSecret — a secret another process created first is the one answered', () => {
    const sub = mkdtempSync(join(dir, 'secret-'));
    writeFileSync(join(sub, 'cookie.secret'), `${'w'.repeat(48)}\n`, { mode: 0o600 });
    expect(loadOrCreateSecret(sub, 'cookie')).toBe('w'.repeat(48));
    const created = loadOrCreateSecret(sub, 'csrf');
    expect(loadOrCreateSecret(sub, 'csrf')).toBe(created);
  });

  test('loadOrCreateAuditKey — a second load of a fresh data dir signs with the same key', () => {
    const sub = mkdtempSync(join(dir, 'key-'));
    const a = loadOrCreateAuditKey(sub);
    const b = loadOrCreateAuditKey(sub);
    expect(b.keyId).toBe(a.keyId);
    expect(readdirSync(sub).sort()).toEqual(['audit-ed25519.key', 'audit-ed25519.pub']);
  });

  test('loadOrCreateAuditKey — a link to a key not there yet (another volume) gets the key where it points', () => {
    const sub = mkdtempSync(join(dir, 'linked-'));
    const volume = mkdtempSync(join(dir, 'volume-'));
    symlinkSync(join(volume, 'audit.key'), join(sub, 'audit-ed25519.key'));
    const a = loadOrCreateAuditKey(sub);
    expect(readFileSync(join(volume, 'audit.key'), 'utf8')).toContain('PRIVATE KEY');
    expect(loadOrCreateAuditKey(sub).keyId).toBe(a.keyId);
    expect(readdirSync(volume)).toEqual(['audit.key']);
  });

  test('loadOrCreateSecret — one emptied or cut short: refused naming the file and what a new one costs, never replaced', () => {
    const sub = mkdtempSync(join(dir, 'short-'));
    for (const [name, content] of [
      ['environments', ''],
      ['cookie', 'short\n'],
    ] as const) {
      const path = join(sub, `${name}.secret`);
      writeFileSync(path, content);
      expect(() => loadOrCreateSecret(sub, name)).toThrow(ConfigError);
      expect(readFileSync(path, 'utf8')).toBe(content);
    }
    let message = '';
    try {
      loadOrCreateSecret(sub, 'environments');
    } catch (e) {
      message = (e as ConfigError).problems.join('\n');
    }
    expect(message).toBe(
      `${join(sub, 'environments.secret')} holds 0 characters, not a secret (Gatehouse writes 64): it was emptied or damaged. Put it back from a backup (gatehouse restore); if it is lost, remove it and Gatehouse makes a new one (every team links its WorkOS environments again)`,
    );
  });

  test('loadOrCreateAuditKey — the public key without its private key: refused, no new key made', () => {
    const sub = mkdtempSync(join(dir, 'pub-only-'));
    loadOrCreateAuditKey(sub);
    rmSync(join(sub, 'audit-ed25519.key'));
    expect(() => loadOrCreateAuditKey(sub)).toThrow(ConfigError);
    expect(() => loadOrCreateAuditKey(sub)).toThrow(
      /holds audit-ed25519\.pub \(key [0-9a-f]{16}\) but not its private key/,
    );
    expect(readdirSync(sub)).toEqual(['audit-ed25519.pub']);
  });

  test('ensureOwnFile — a link placed at a lock file’s name is refused, and what it points to is never created', () => {
    const sub = mkdtempSync(join(dir, 'own-'));
    const target = join(dir, 'not-to-be-created');
    symlinkSync(target, join(sub, 'gatehouse.lock-head'));
    expect(() => ensureOwnFile(join(sub, 'gatehouse.lock-head'))).toThrow('is a symbolic link');
    expect(existsSync(target)).toBe(false);
    ensureOwnFile(join(sub, 'gatehouse.lock'));
    expect(statSync(join(sub, 'gatehouse.lock')).mode & 0o777).toBe(0o600);
  });
});
