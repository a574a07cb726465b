import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetPostgres, onPostgres, PG_ADMIN_URL, postgresFor, withSql } from '../support/pg.ts';
import { spawnGatehouse } from '../support/subprocess.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const MAIN = join(import.meta.dir, '..', '..', 'src', 'main.ts');

async function run(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawn(['bun', MAIN, ...args], {
    env: { ...process.env, ...env },
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

/** One statement on the PostgreSQL pass's admin database. */
async function adminSql(statement: string): Promise<void> {
  await withSql((sql) => sql.unsafe(statement));
}

describe('cli', () => {
  test('--help — explains every subcommand', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['serve', 'emulator', 'migrate', 'audit', 'teams']) expect(r.stdout).toContain(cmd);
  });

  test('help serve — explains the command', async () => {
    const r = await run(['help', 'serve']);
    expect(r.stdout).toContain('Usage: gatehouse serve');
  });

  test('unknown command — exits 2 with the usage', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown command 'frobnicate'");
  });

  test('serve, migrate, version with arguments — refused (exit 2), never silently ignored', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-args-'));
    try {
      for (const args of [
        ['serve', '--port', '9000', '--bogus'],
        ['migrate', 'extra'],
        ['version', 'extra'],
      ]) {
        const r = await run(args, { GATEHOUSE_DATA_DIR: dataDir });
        expect({ args, code: r.code }).toEqual({ args, code: 2 });
        expect(r.stderr).toContain(`'gatehouse ${args[0]}' takes no arguments`);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('serve with PORT=abc — fails fast naming the variable, no stack trace', async () => {
    const r = await run(['serve'], { PORT: 'abc' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("PORT must be a port number, got 'abc'");
    expect(r.stderr).not.toContain(' at ');
  });

  test('migrate — creates the data dir and applies migrations idempotently', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    const dataDir = join(dir, 'nested');
    // On PostgreSQL: an empty database (the suite's per-test ones are already migrated), named
    // by DATABASE_URL beside the shared secrets it requires; migrate reports it by its URL.
    const db = onPostgres ? `gh_migrate_${process.pid}` : undefined;
    let env: Record<string, string> = { GATEHOUSE_DATA_DIR: dataDir };
    if (db) {
      const url = new URL(PG_ADMIN_URL!);
      url.pathname = `/${db}`;
      await adminSql(`CREATE DATABASE "${db}"`);
      env = { ...(await postgresFor(dataDir)).env, ...env, DATABASE_URL: url.toString() };
    }
    try {
      const first = await run(['migrate'], env);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/[1-9]\d* migration\(s\) applied/);
      expect(first.stdout).toContain(db ? `/${db}:` : `${join(dataDir, 'gatehouse.db')}:`);
      const second = await run(['migrate'], env);
      expect(second.stdout).toContain('0 migration(s) applied');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (db) {
        await forgetPostgres(dataDir);
        await adminSql(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
      }
    }
  });

  test('emulator --port bad — refused with a clear message', async () => {
    const r = await run(['emulator', '--port', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--port must be a port number, got 'x'");
  });

  test('serve from another working directory — pages still render as HTML', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'gatehouse-cwd-'));
    const gh = await spawnGatehouse({ cwd: elsewhere });
    try {
      for (const path of ['/login', '/no-such-page']) {
        const html = await (await fetch(`${gh.url}${path}`)).text();
        expect(html).toContain('</html>');
        expect(html).not.toContain('[object Object]');
      }
    } finally {
      await gh.stop();
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('every view declares its JSX runtime — rendering never depends on the working directory', async () => {
    const root = join(import.meta.dir, '..', '..');
    for await (const file of new Bun.Glob('{views,src}/**/*.tsx').scan(root)) {
      const first = (await Bun.file(join(root, file)).text()).split('\n', 1)[0];
      expect(`${file}: ${first}`).toBe(`${file}: /** @jsxImportSource @kitajs/html */`);
    }
  });
});
