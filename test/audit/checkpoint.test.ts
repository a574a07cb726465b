import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_FILE } from '../../src/audit/checkpoint.ts';
import { AuditHeadWriter } from '../../src/audit/head.ts';
import { loadOrCreateAuditKey, signHash } from '../../src/audit/keys.ts';
import { AuditService } from '../../src/audit/service.ts';
import { openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';

/**
 * `gatehouse audit verify` leaves a signed checkpoint; `--since <checkpoint>` walks only the
 * entries after it, and refuses a checkpoint the audit key did not sign or whose entry the
 * trail no longer holds.
 */
const MAIN = join(import.meta.dir, '..', '..', 'src', 'main.ts');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function cli(dataDir: string, ...args: string[]) {
  const p = Bun.spawn(['bun', MAIN, 'audit', ...args], {
    env: { ...process.env, GATEHOUSE_DATA_DIR: dataDir },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { stdout, stderr, code };
}

/** A data dir with a trail of `n` entries (batches of 4) and its signed head. */
function dataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-checkpoint-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'gatehouse.db'));
  applyMigrations(db);
  const key = loadOrCreateAuditKey(dir);
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
    const d = dataDir();
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
    const d = dataDir();
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
    const d = dataDir();
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
});
