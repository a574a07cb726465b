/**
 * The data directory is 0700 and every file in it 0600 (issue 18: today's 0644 database in a 0755
 * directory let any local user read emails, tool arguments and grant bodies): for a fresh data
 * dir, and for one an older version left readable, which is tightened at start.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
