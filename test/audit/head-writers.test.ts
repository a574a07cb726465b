/**
 * Several processes writing the signed head at once: commands run together (or beside a server)
 * each append to the trail and move the head. With a witness, every head it saw must keep a
 * counter that only grows, or `audit verify` reports a rollback that never happened.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetPostgres, postgresFor } from '../support/pg.ts';

setDefaultTimeout(30_000);

const MAIN = join(import.meta.dir, '..', '..', 'src', 'main.ts');
const root = mkdtempSync(join(tmpdir(), 'gatehouse-head-writers-'));
const dataDir = join(root, 'data');
const witness = join(root, 'witness', 'heads.jsonl');

afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await forgetPostgres(dataDir);
});

async function cli(...args: string[]) {
  const p = Bun.spawn(['bun', MAIN, ...args], {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_AUDIT_WITNESS: witness,
      ...(await postgresFor(dataDir)).env,
    },
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

describe('signed head writers in several processes', () => {
  test('six commands at once, with a witness — every head a new counter, and the trail verifies', async () => {
    mkdirSync(join(root, 'witness'));
    // On PostgreSQL nothing else creates it: the checkpoint is written there.
    mkdirSync(dataDir);
    const orgs = Array.from({ length: 6 }, (_, i) => `org_01JABCDEFGHJKMNPQRSTVWXW${i}0`);
    const runs = await Promise.all(orgs.map((org) => cli('teams', 'admit', org)));
    for (const r of runs) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const counters = readFileSync(witness, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { counter: number }).counter);
    expect(counters.length).toBeGreaterThan(0);
    for (let i = 1; i < counters.length; i++) expect(counters[i]!).toBeGreaterThan(counters[i - 1]!);
    const verify = await cli('audit', 'verify');
    expect(verify.stdout).toContain('Audit trail intact: 6 entries verified');
    expect(verify.code).toBe(0);
  });
});
