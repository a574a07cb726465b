import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_FILE } from '../../src/audit/checkpoint.ts';
import { AuditHeadWriter } from '../../src/audit/head.ts';
import { configuredAuditKey, signHash } from '../../src/audit/keys.ts';
import { AuditService } from '../../src/audit/service.ts';
import { loadConfig } from '../../src/config/index.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { openConfiguredDatabase } from '../../src/db/open.ts';
import { forgetPostgres, postgresFor } from '../support/pg.ts';
import { runCli } from '../support/subprocess.ts';

/**
 * `gatehouse audit verify` leaves a signed checkpoint; `--since <checkpoint>` walks only the
 * entries after it, and refuses a checkpoint the audit key did not sign or whose entry the
 * trail no longer holds.
 */
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) {
    rmSync(d, { recursive: true, force: true });
    await forgetPostgres(d);
  }
});

/** `gatehouse audit …` on a data dir (on PostgreSQL, with that data dir's database). */
const cli = (dataDir: string, ...args: string[]) => runCli(dataDir, 'audit', ...args);

/**
 * A data dir with a trail of `n` entries (batches of 4) and its signed head, opened as the server
 * would: the data dir's SQLite file and key, or its PostgreSQL database and the shared key.
 */
async function dataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-checkpoint-'));
  dirs.push(dir);
  const config = loadConfig({ GATEHOUSE_DATA_DIR: dir, ...(await postgresFor(dir)).env });
  const db = openConfiguredDatabase(config);
  applyMigrations(db);
  const key = configuredAuditKey(config);
  const audit = new AuditService(db, { now: () => 1_800_000_000_000 }, (h) => signHash(key, h));
  const head = new AuditHeadWriter(db.$client, key, dir, () => 1_800_000_000_000);
  const add = async (n: number) => {
    for (let i = 0; i < n; i += 4)
      await Promise.all(
        Array.from({ length: Math.min(4, n - i) }, (_, j) =>
          audit.record({
            event: 'tool.call',
            outcome: 'allowed',
            teamId: 't',
            tool: 'whoami',
            args: { i: i + j },
          }),
        ),
      );
    head.flush();
  };
  return { dir, db, add, close: () => db.$client.close() };
}

describe('audit verify --since', () => {
  test('verify — writes a signed checkpoint; --since it verifies only the entries added after', async () => {
    const d = await dataDir();
    await d.add(10);
    const full = await cli(d.dir, 'verify');
    expect(full.code).toBe(0);
    expect(full.stdout).toContain('10 entries verified');
    const path = join(d.dir, CHECKPOINT_FILE);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ seq: 10 });
    await d.add(6);
    d.close();
    const next = await cli(d.dir, 'verify', '--since', path);
    expect(next.stdout).toContain('6 entries verified after the verified checkpoint at #10');
    expect(next.code).toBe(0);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ seq: 16 });
  });

  test('verify --since — a checkpoint not signed by the audit key is refused (exit 2)', async () => {
    const d = await dataDir();
    await d.add(8);
    d.close();
    expect((await cli(d.dir, 'verify')).code).toBe(0);
    const path = join(d.dir, CHECKPOINT_FILE);
    const forged = { ...JSON.parse(readFileSync(path, 'utf8')), seq: 4 };
    const other = join(d.dir, 'forged.json');
    writeFileSync(other, JSON.stringify(forged));
    const r = await cli(d.dir, 'verify', '--since', other);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not signed by the audit key');
    const missing = await cli(d.dir, 'verify', '--since', join(d.dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('there is no checkpoint');
  });

  test('verify --since — a checkpoint whose entry was altered since is refused: run a full verify', async () => {
    const d = await dataDir();
    await d.add(8);
    expect((await cli(d.dir, 'verify')).code).toBe(0);
    // Its first hex digit changed (setting it to '0' changed nothing when it already was one).
    d.db.$client.run(
      "UPDATE audit_entries SET hash = (CASE substr(hash, 1, 1) WHEN '0' THEN '1' ELSE '0' END) || substr(hash, 2) WHERE seq = 8",
    );
    d.close();
    const r = await cli(d.dir, 'verify', '--since', join(d.dir, CHECKPOINT_FILE));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("no longer holds the checkpoint's entry #8");
  });

  test('verify --checkpoint — never overwrites what is not a checkpoint (the database, the key), exit 2', async () => {
    const d = await dataDir();
    await d.add(4);
    d.close();
    const files = readdirSync(d.dir).filter((f) => !f.startsWith('.'));
    for (const f of files) {
      const path = join(d.dir, f);
      if (!statSync(path).isFile() || f === CHECKPOINT_FILE) continue;
      const before = readFileSync(path);
      const r = await cli(d.dir, 'verify', '--checkpoint', path);
      expect({ f, code: r.code }).toEqual({ f, code: 2 });
      expect(r.stderr).toContain('is not a checkpoint');
      expect(readFileSync(path).equals(before)).toBe(true);
    }
    // The database still answers, and a checkpoint may still replace a checkpoint; the default
    // one is Gatehouse's own, replaced even when damaged.
    writeFileSync(join(d.dir, CHECKPOINT_FILE), 'damaged');
    expect((await cli(d.dir, 'verify')).code).toBe(0);
    expect(JSON.parse(readFileSync(join(d.dir, CHECKPOINT_FILE), 'utf8'))).toMatchObject({ seq: 4 });
    const again = await cli(d.dir, 'verify', '--checkpoint', join(d.dir, CHECKPOINT_FILE));
    expect(again.code).toBe(0);
  });

  test('verify — a FIFO given as a file is refused at once (exit 2), never read', async () => {
    const d = await dataDir();
    await d.add(4);
    d.close();
    const fifo = join(d.dir, 'fifo');
    expect(Bun.spawnSync(['mkfifo', fifo]).exitCode).toBe(0);
    for (const flag of ['--since', '--head', '--witness', '--public-key', '--checkpoint']) {
      const r = await cli(d.dir, 'verify', flag, fifo);
      expect({ flag, code: r.code }).toEqual({ flag, code: 2 });
      expect(r.stderr).toContain('not a regular file');
    }
  });
});
