import { Database } from 'bun:sqlite';
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onPostgres, postgresFor } from '../support/pg.ts';
import { spawnGatehouse } from '../support/subprocess.ts';
import { gatehouse, tempDir } from './run.ts';

setDefaultTimeout(60_000);

const dirs: string[] = [];
const dir = () => {
  const d = tempDir('gatehouse-config-');
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const IDENTITY_KEY = 'sk_test_identitySECRETvalue0001WXYZ';
const PRODUCTION_KEY = 'sk_live_productionSECRETvalue02ABCD';
const COOKIE = 'a-cookie-password-of-forty-characters-xx';
const METRICS = 'metrics-token-secret-1234';

const live = (extra: Record<string, string> = {}) => ({
  WORKOS_IDENTITY_API_KEY: IDENTITY_KEY,
  WORKOS_IDENTITY_CLIENT_ID: 'client_01IDENTITY',
  WORKOS_PRODUCTION_API_KEY: PRODUCTION_KEY,
  WORKOS_COOKIE_PASSWORD: COOKIE,
  METRICS_TOKEN: METRICS,
  GATEHOUSE_TEAMS: 'org_01ABCDEFGHJK',
  PUBLIC_URL: 'https://gatehouse.example.com',
  HOST: '127.0.0.1',
  ...extra,
});

describe('gatehouse config check', () => {
  test('live mode — every variable shown, secrets masked to their kind and last four, exit 0', async () => {
    const data = dir();
    const r = await gatehouse(['config', 'check'], { env: live({ GATEHOUSE_DATA_DIR: data }) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Mode: live (WORKOS_IDENTITY_API_KEY is set');
    for (const secret of [IDENTITY_KEY, PRODUCTION_KEY, COOKIE, METRICS])
      expect(r.stdout).not.toContain(secret);
    expect(r.stdout).toMatch(/WORKOS_IDENTITY_API_KEY\s+sk_test_…WXYZ \(masked\)/);
    expect(r.stdout).toMatch(/WORKOS_PRODUCTION_API_KEY\s+sk_live_…ABCD \(masked\)/);
    expect(r.stdout).toMatch(/WORKOS_COOKIE_PASSWORD\s+\*+ \(40 characters, masked\)/);
    expect(r.stdout).toMatch(/METRICS_TOKEN\s+\*+ \(25 characters, masked\)/);
    // Not secrets: shown as they are.
    expect(r.stdout).toMatch(/WORKOS_IDENTITY_CLIENT_ID\s+client_01IDENTITY/);
    expect(r.stdout).toMatch(/PORT\s+\(unset\) → 8788/);
    // The effective configuration.
    expect(r.stdout).toContain('MCP endpoint:   https://gatehouse.example.com/mcp');
    expect(r.stdout).toContain('Cookies:        Secure, __Host- prefix (https)');
    expect(r.stdout).toContain('Teams at start: org_01ABCDEFGHJK');
    expect(r.stdout).toContain(`Data dir:       ${data}`);
    expect(r.stdout).toContain('Server:         none running on this data dir');
    expect(r.stdout).toContain('No problems found.');
  });

  test('local mode by default — says why, and what local mode means', async () => {
    const r = await gatehouse(['config', 'check'], { env: { GATEHOUSE_DATA_DIR: dir() } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Mode: local (no WorkOS API key');
    expect(r.stdout).toContain('Database:       none yet');
  });

  test('several problems — every one at once, exit 1, secrets still masked', async () => {
    const r = await gatehouse(['config', 'check'], {
      env: {
        PORT: 'abc',
        HOST: '192.0.2.123',
        WORKOS_CLIENT_ID: 'client_01ORPHAN',
        WORKOS_COOKIE_PASSWORD: 'shortsecret',
        PUBLIC_URL: 'http://gatehouse.example.com',
        WORKOS_API_URL: 'https://user:apis3cret@api.example/x?k=querys3cret',
        GATEHOUSE_DATA_DIR: join(dir(), 'data'),
        GATEHOUSE_DATADIR: '/typo',
      },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('shortsecret');
    expect(r.stdout).not.toContain('apis3cret');
    expect(r.stdout).not.toContain('querys3cret');
    expect(r.stdout).toContain('Mode: local');
    expect(r.stdout).toMatch(/\d+ problems:/);
    for (const p of [
      "PORT must be a port number, got 'abc'",
      "WORKOS_CLIENT_ID is set ('client_01ORPHAN') but no WorkOS API key is",
      'WORKOS_COOKIE_PASSWORD must be at least 32 characters, got 11',
      "PUBLIC_URL must use https unless it is a loopback address, got 'http://gatehouse.example.com'",
      "HOST '192.0.2.123' is not an address of this machine",
    ])
      expect(r.stdout).toContain(p);
    expect(r.stdout).toContain('Not Gatehouse variables (a typo?): GATEHOUSE_DATADIR');
  });

  test('a URL on port 0 — a problem naming the variable and the value, exit 1 (was accepted)', async () => {
    const r = await gatehouse(['config', 'check'], {
      env: live({
        GATEHOUSE_DATA_DIR: dir(),
        PUBLIC_URL: 'http://localhost:0',
        WORKOS_API_URL: 'https://api.example.com:0',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:0/otlp',
      }),
    });
    expect(r.code).toBe(1);
    for (const [name, value] of [
      ['PUBLIC_URL', 'http://localhost:0'],
      ['WORKOS_API_URL', 'https://api.example.com:0'],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'http://localhost:0/otlp'],
    ])
      expect(r.stdout).toContain(
        `  - ${name} must not use port 0: no one can reach a URL on it, got '${value}'`,
      );
  });

  test('a running server and its database — reported, nothing changed', async () => {
    const gh = await spawnGatehouse();
    try {
      // The server's own configuration (on PostgreSQL, its DATABASE_URL and shared secrets).
      const { env } = await postgresFor(gh.dataDir);
      const r = await gatehouse(['config', 'check'], { env: { ...env, GATEHOUSE_DATA_DIR: gh.dataDir } });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Server:         a Gatehouse server is running on this data dir');
      // On PostgreSQL the database is named by its URL (password masked) before what it holds.
      const line = /^ {2}Database: {7}(.*)$/m.exec(r.stdout)?.[1] ?? '';
      const facts = onPostgres ? line.replace(`PostgreSQL ${env.DATABASE_URL}: `, '') : line;
      expect(facts).toMatch(/^\d+ migrations applied, up to date; \d+ audit entries$/);
    } finally {
      await gh.stop();
    }
  });

  test.skipIf(onPostgres)(
    'what serve would refuse in the data dir — a damaged secret, a key not the trail’s, another program’s database — reported, nothing changed',
    async () => {
      const data = dir();
      expect(
        (await gatehouse(['teams', 'admit', 'org_0000000001'], { env: { GATEHOUSE_DATA_DIR: data } })).code,
      ).toBe(0);
      writeFileSync(join(data, 'environments.secret'), 'cut\n');
      rmSync(join(data, 'audit-ed25519.key'));
      rmSync(join(data, 'audit-ed25519.pub'));
      writeFileSync(
        join(data, 'audit-ed25519.key'),
        generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
      );
      const r = await gatehouse(['config', 'check'], { env: { GATEHOUSE_DATA_DIR: data } });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`${join(data, 'environments.secret')} holds 3 characters, not a secret`);
      expect(r.stdout).toMatch(
        /The audit trail is signed with key [0-9a-f]{16}, but audit-ed25519\.key in GATEHOUSE_DATA_DIR/,
      );
      expect(readFileSync(join(data, 'environments.secret'), 'utf8')).toBe('cut\n');
      expect(existsSync(join(data, 'audit-ed25519.pub'))).toBe(false);

      const other = dir();
      const db = new Database(join(other, 'gatehouse.db'), { create: true });
      db.exec('CREATE TABLE users (id INTEGER)');
      db.close();
      const o = await gatehouse(['config', 'check'], { env: { GATEHOUSE_DATA_DIR: other } });
      expect(o.code).toBe(1);
      expect(o.stdout).toContain(`GATEHOUSE_DATA_DIR '${other}': gatehouse.db is not a Gatehouse database`);
    },
  );

  test.skipIf(onPostgres)(
    'an empty database file (not migrated yet) with the key in the data dir — no problem, as serve finds none',
    async () => {
      const data = dir();
      expect((await gatehouse(['teams', 'list'], { env: { GATEHOUSE_DATA_DIR: data } })).code).toBe(0);
      rmSync(join(data, 'gatehouse.db'));
      writeFileSync(join(data, 'gatehouse.db'), '');
      const r = await gatehouse(['config', 'check'], { env: { GATEHOUSE_DATA_DIR: data } });
      expect(r.stdout).toContain('No problems found');
      expect(r.code).toBe(0);
    },
  );

  test('config with another subcommand — usage error, exit 2', async () => {
    const r = await gatehouse(['config', 'show']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown config command 'show'");
    expect(r.stderr).toContain('Usage: gatehouse config check');
  });
});
