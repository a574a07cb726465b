import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/server.ts';
import { spawnGatehouse } from '../support/subprocess.ts';
import { gatehouse, isRoot, tempDir } from './run.ts';

// Each case is a subprocess; a few start the embedded WorkOS before they fail.
setDefaultTimeout(60_000);

const dirs: string[] = [];
const dir = () => {
  const d = tempDir('gatehouse-startup-');
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** `gatehouse serve` must fail at once: exit 2, one message naming the variable, no stack trace. */
async function refused(env: Record<string, string>, unprivileged = false) {
  const r = await gatehouse(['serve'], {
    env: { HOST: '127.0.0.1', PORT: String(freePort()), ...env },
    unprivileged,
  });
  expect(r.code).toBe(2);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toContain('unable to open database file');
  return r.stderr;
}

describe('start-up errors — each names the variable and its value', () => {
  test('a data dir whose parent is a file — GATEHOUSE_DATA_DIR and the path, not ENOTDIR', async () => {
    const file = join(dir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const stderr = await refused({ GATEHOUSE_DATA_DIR: join(file, 'data') });
    expect(stderr).toContain(`GATEHOUSE_DATA_DIR '${join(file, 'data')}'`);
    expect(stderr).toContain('a parent of it is a file');
  });

  test('a data dir that is a file — named as such', async () => {
    const file = join(dir(), 'data');
    writeFileSync(file, 'x');
    expect(await refused({ GATEHOUSE_DATA_DIR: file })).toContain(
      `GATEHOUSE_DATA_DIR '${file}' is not a directory`,
    );
  });

  test('a data dir that cannot be created (its parent is not writable) — not a raw ENOENT/EACCES', async () => {
    const parent = join(dir(), 'locked');
    mkdirSync(parent, { mode: 0o555 });
    if (isRoot()) chownSync(parent, 0, 0);
    const data = join(parent, 'data');
    const stderr = await refused({ GATEHOUSE_DATA_DIR: data }, true);
    expect(stderr).toContain(`GATEHOUSE_DATA_DIR '${data}' does not exist and cannot be created`);
    expect(stderr).toContain(`its parent '${parent}' is not writable by uid`);
  });

  test('a missing data dir under a writable parent — created, not an error', async () => {
    const data = join(dir(), 'a', 'b');
    const r = await gatehouse(['migrate'], { env: { GATEHOUSE_DATA_DIR: data }, unprivileged: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('an unwritable data dir — named, with the user it must be writable by', async () => {
    const data = join(dir(), 'data');
    mkdirSync(data, { mode: 0o755 });
    if (isRoot()) chownSync(data, 0, 0);
    else chmodSync(data, 0o555);
    const stderr = await refused({ GATEHOUSE_DATA_DIR: data }, true);
    expect(stderr).toContain(`GATEHOUSE_DATA_DIR '${data}' is not writable by uid`);
  });

  test('a read-only database — names the file, its owner and mode', async () => {
    const data = join(dir(), 'data');
    const ok = await gatehouse(['migrate'], { env: { GATEHOUSE_DATA_DIR: data }, unprivileged: true });
    expect(ok.code).toBe(0);
    chmodSync(join(data, 'gatehouse.db'), 0o400);
    const stderr = await refused({ GATEHOUSE_DATA_DIR: data }, true);
    expect(stderr).toContain(
      `GATEHOUSE_DATA_DIR '${data}': the database file '${join(data, 'gatehouse.db')}' is read-only`,
    );
    expect(stderr).toContain('mode 0400');
  });

  test('a database owned by another user (restored as root) — read-only, named', async () => {
    if (!isRoot()) return; // only root can hand a file to another user
    const data = join(dir(), 'data');
    expect(
      (await gatehouse(['migrate'], { env: { GATEHOUSE_DATA_DIR: data }, unprivileged: true })).code,
    ).toBe(0);
    chownSync(join(data, 'gatehouse.db'), 0, 0);
    const stderr = await refused({ GATEHOUSE_DATA_DIR: data }, true);
    expect(stderr).toContain('is read-only');
    expect(stderr).toContain('owner uid 0');
  });

  test('HOST that is no IPv4 address — named with its value, not EINVAL', async () => {
    expect(await refused({ HOST: '999.1.1.1', GATEHOUSE_DATA_DIR: dir() })).toContain(
      "HOST must be a valid IPv4 address or a hostname, got '999.1.1.1'",
    );
  });

  test('HOST that does not resolve — named, before anything starts', async () => {
    const stderr = await refused({
      HOST: 'gatehouse-nowhere.invalid',
      GATEHOUSE_DEMO_PUBLIC: '1',
      GATEHOUSE_DATA_DIR: dir(),
    });
    expect(stderr).toContain("HOST 'gatehouse-nowhere.invalid' does not resolve to an address");
    expect(stderr).not.toContain('EINVAL: invalid argument');
  });

  test('HOST that is not an address of this machine — named, not EADDRNOTAVAIL', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    const stderr = await refused({
      HOST: '192.0.2.123',
      GATEHOUSE_DEMO_PUBLIC: '1',
      GATEHOUSE_DATA_DIR: dir(),
    });
    expect(stderr).toContain("HOST '192.0.2.123' is not an address of this machine");
  });

  test('WORKOS_CLIENT_ID without a WorkOS API key — refused, not a silent local mode', async () => {
    const stderr = await refused({ WORKOS_CLIENT_ID: 'client_01ABCDEF', GATEHOUSE_DATA_DIR: dir() });
    expect(stderr).toContain("WORKOS_CLIENT_ID is set ('client_01ABCDEF') but no WorkOS API key is");
  });

  test('PORT already in use — names PORT and HOST, not EADDRINUSE', async () => {
    const port = freePort();
    const blocker = Bun.serve({ hostname: '127.0.0.1', port, fetch: () => new Response('x') });
    try {
      const r = await gatehouse(['serve'], {
        env: { HOST: '127.0.0.1', PORT: String(port), GATEHOUSE_DATA_DIR: dir() },
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`PORT ${port} is already in use on HOST '127.0.0.1'`);
    } finally {
      await blocker.stop(true);
    }
  });

  test('a second server on a running server’s data dir — refused, names GATEHOUSE_DATA_DIR', async () => {
    const gh = await spawnGatehouse();
    try {
      const stderr = await refused({ GATEHOUSE_DATA_DIR: gh.dataDir });
      expect(stderr).toContain(
        `GATEHOUSE_DATA_DIR '${gh.dataDir}' is in use by another running Gatehouse server`,
      );
      // The first one is untouched.
      expect((await fetch(`${gh.url}/readyz`)).status).toBe(200);
    } finally {
      await gh.stop();
    }
  });

  test('migrate with an unreachable DATABASE_URL — exit 2 at once, the message serve gives (was exit 1)', async () => {
    const env = {
      GATEHOUSE_DATA_DIR: dir(),
      // Nothing listens on port 1 of loopback: refused at once.
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x',
      WORKOS_COOKIE_PASSWORD: 'test-cookie-password-for-postgres-runs-0123456789',
      GATEHOUSE_AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'der' })
        .toString('base64'),
    };
    const serve = await refused(env);
    expect(serve).toContain(
      'DATABASE_URL postgres://postgres@127.0.0.1:1/x: cannot connect to the PostgreSQL server',
    );
    const started = performance.now();
    const migrate = await gatehouse(['migrate'], { env });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect({ code: migrate.code, stderr: migrate.stderr }).toEqual({ code: 2, stderr: serve });
  });

  test('several problems — all reported at once, each with its variable', async () => {
    const stderr = await refused({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      WORKOS_COOKIE_PASSWORD: 'short',
      GATEHOUSE_DATA_DIR: dir(),
    });
    expect(stderr).toContain("PORT must be a port number, got 'abc'");
    expect(stderr).toContain("LOG_LEVEL must be one of debug, info, warn, error, got 'loud'");
    expect(stderr).toContain('WORKOS_COOKIE_PASSWORD must be at least 32 characters, got 5');
  });

  test('a data dir an interrupted restore left half moved — refused, naming where the rest is and how to finish', async () => {
    const data = dir();
    const aside = join(data, 'replaced-20261207T000000Z');
    writeFileSync(
      join(data, 'gatehouse.lock-restoring'),
      JSON.stringify({ replacedTo: aside, backup: '/backups/b.tar.gz', at: '2026-12-07T00:00:00.000Z' }),
    );
    const stderr = await refused({ GATEHOUSE_DATA_DIR: data });
    expect(stderr).toContain(`GATEHOUSE_DATA_DIR '${data}': a restore into it was interrupted`);
    expect(stderr).toContain(`(the rest of that is in ${aside})`);
    expect(stderr).toContain('Run gatehouse restore --force with the backup again to finish it');
    // Nor does any other command start a new database there.
    const teams = await gatehouse(['teams', 'list'], { env: { GATEHOUSE_DATA_DIR: data } });
    expect(teams.code).toBe(2);
    expect(teams.stderr).toContain('a restore into it was interrupted');
    expect(existsSync(join(data, 'gatehouse.db'))).toBe(false);
  });
});
