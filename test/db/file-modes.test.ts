/**
 * The data directory is 0700 and every file in it 0600 (issue 18: today's 0644 database in a 0755
 * directory let any local user read emails, tool arguments and grant bodies): for a fresh data
 * dir, and for one an older version left readable, which is tightened at start.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigError, loadConfig } from '../../src/config/index.ts';
import { forgetPostgres, onPostgres } from '../support/pg.ts';
import { startTestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

const mode = (path: string) => statSync(path).mode & 0o777;
const octal = (n: number) => `0${n.toString(8)}`;

/** Every file in the data dir with its mode, e.g. `gatehouse.db 0600`. */
function modes(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isFile())
    .sort()
    .map((n) => `${n} ${octal(mode(join(dir, n)))}`);
}

describe('data directory modes', () => {
  test('fresh data dir — 0700, and the database, its WAL, the secrets, the audit key and head 0600', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'gatehouse-modes-'));
    const dataDir = join(parent, 'data');
    try {
      const gh = await startTestGatehouse({ dataDir, keepDataDir: true });
      const running = modes(dataDir);
      await gh.stop();
      expect(octal(mode(dataDir))).toBe('0700');
      const names = running.map((l) => l.split(' ')[0]);
      // On PostgreSQL the database and the head live in the server, the secrets and the audit
      // key come from the environment (DATABASE_URL requires them): whatever the data dir does
      // hold is still checked below.
      const expected = onPostgres
        ? []
        : [
            'gatehouse.db',
            'gatehouse.db-wal',
            'gatehouse.db-shm',
            'cookie.secret',
            'environments.secret',
            'audit-ed25519.key',
            'audit-ed25519.pub',
            'audit-head.json',
          ];
      for (const f of expected) expect(names).toContain(f);
      expect(running.filter((l) => !l.endsWith(' 0600'))).toEqual([]);
      expect(modes(dataDir).filter((l) => !l.endsWith(' 0600'))).toEqual([]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
      await forgetPostgres(dataDir);
    }
  });

  test('a data dir an older version left 0755 / 0644 — tightened at the next start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-modes-'));
    try {
      const first = await startTestGatehouse({ dataDir, keepDataDir: true });
      await first.stop();
      chmodSync(dataDir, 0o755);
      for (const n of readdirSync(dataDir)) chmodSync(join(dataDir, n), 0o644);
      expect(modes(dataDir).every((l) => l.endsWith(' 0644'))).toBe(true);

      const again = await startTestGatehouse({ dataDir, keepDataDir: true });
      const running = modes(dataDir);
      await again.stop();
      expect(octal(mode(dataDir))).toBe('0700');
      expect(running.filter((l) => !l.endsWith(' 0600'))).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await forgetPostgres(dataDir);
    }
  });
});

describe('a data dir that is not Gatehouse’s', () => {
  test('files of someone else’s and none of Gatehouse’s — refused at start naming them, nothing changed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-foreign-'));
    try {
      writeFileSync(join(dir, 'tool.sh'), '#!/bin/sh\n', { mode: 0o755 });
      writeFileSync(join(dir, 'notes.txt'), 'n\n', { mode: 0o644 });
      chmodSync(dir, 0o755);
      let problems: string[] = [];
      try {
        loadConfig({ GATEHOUSE_DATA_DIR: dir });
      } catch (e) {
        problems = (e as ConfigError).problems;
      }
      expect(problems).toContain(
        `GATEHOUSE_DATA_DIR '${dir}' holds files Gatehouse never writes and none of its own ("notes.txt", "tool.sh"): is it the right directory? Gatehouse makes its data dir private (0700, its files 0600), so it starts only in an empty or new one. Point GATEHOUSE_DATA_DIR at one`,
      );
      expect([
        octal(mode(dir)),
        octal(mode(join(dir, 'tool.sh'))),
        octal(mode(join(dir, 'notes.txt'))),
      ]).toEqual(['0755', '0755', '0644']);
      expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'tool.sh']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('dot files alone (.gitkeep in a bind-mounted ./data) — the first start is not refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-dotfiles-'));
    try {
      writeFileSync(join(dir, '.gitkeep'), '');
      writeFileSync(join(dir, '.DS_Store'), 'x');
      expect(() => loadConfig({ GATEHOUSE_DATA_DIR: dir })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an operator’s file beside Gatehouse’s — left as it is when the data dir is tightened', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-modes-'));
    try {
      const first = await startTestGatehouse({ dataDir, keepDataDir: true });
      await first.stop();
      writeFileSync(join(dataDir, 'README.operator'), 'ours\n', { mode: 0o644 });
      const again = await startTestGatehouse({ dataDir, keepDataDir: true });
      await again.stop();
      expect(octal(mode(join(dataDir, 'README.operator')))).toBe('0644');
      expect(octal(mode(dataDir))).toBe('0700');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await forgetPostgres(dataDir);
    }
  });
});
