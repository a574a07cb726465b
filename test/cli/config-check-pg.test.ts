/**
 * `gatehouse config check` with DATABASE_URL: it reports the PostgreSQL database (reached, how far
 * migrated) instead of a data-dir file, and a database it cannot reach is a problem, not a crash.
 * Runs on the suite's PostgreSQL pass (test/support/pg.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configCheck } from '../../src/cli/config-check.ts';
import { onPostgres, postgresEnv } from '../support/pg.ts';

describe.skipIf(!onPostgres)('config check on PostgreSQL', () => {
  let env: Record<string, string> = {};
  let drop = async () => {};
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-check-'));
  beforeAll(async () => {
    ({ env, drop } = await postgresEnv({ GATEHOUSE_DATA_DIR: dir }));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await drop();
  });

  const run = async (e: Record<string, string>) => {
    let out = '';
    const code = await configCheck(e, (s) => {
      out += s;
    });
    return { code, out };
  };

  test('config check — names the PostgreSQL database, password masked, migrated and counted', async () => {
    const u = new URL(env.DATABASE_URL!);
    u.password = 'pw-never-shown';
    const { code, out } = await run({ ...env, DATABASE_URL: u.toString() });
    expect(out).toMatch(
      /Database: +PostgreSQL postgres:\/\/[^ ]*\*{4}@[^ ]+: \d+ migrations applied, up to date; \d+ audit entries/,
    );
    expect(out).not.toContain('pw-never-shown');
    expect(out).not.toContain('none yet');
    expect(code).toBe(0);
  });

  test('config check — a database that does not exist is a problem naming it, exit 1', async () => {
    const u = new URL(env.DATABASE_URL!);
    u.pathname = '/gatehouse_no_such_database';
    const { code, out } = await run({ ...env, DATABASE_URL: u.toString() });
    expect(out).toContain('Database:       unreachable');
    expect(out).toContain('the database does not exist');
    expect(code).toBe(1);
  });
});
