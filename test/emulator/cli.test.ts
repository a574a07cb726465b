/**
 * `gatehouse emulator` as a child process: it prints where the embedded WorkOS answers (one
 * JSON line with --json, nothing else on stdout), answers through its key router, and stops
 * cleanly on SIGTERM.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import type { EmulatorDescription } from '../../src/emulator/index.ts';
import { onFreePort } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const ROOT = join(import.meta.dir, '..', '..');
const MAIN = join(ROOT, 'src', 'main.ts');

/** Only what Bun needs: the developer's WORKOS_* variables must not leak in. */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'BUN_INSTALL']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

function spawnEmulator(
  args: string[],
  env: Record<string, string> = {},
): Subprocess<'ignore', 'pipe', 'pipe'> {
  const proc = Bun.spawn([process.execPath, MAIN, 'emulator', ...args], {
    cwd: ROOT,
    env: { ...childEnv(), ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  // Never outlive the test process.
  const guard = () => proc.kill('SIGKILL');
  process.once('exit', guard);
  void proc.exited.then(() => process.off('exit', guard));
  return proc;
}

/** Reads stdout until the output contains `until`; returns everything read so far. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  until: string,
  stderr: () => Promise<string>,
): Promise<string> {
  const decoder = new TextDecoder();
  let out = '';
  while (!out.includes(until)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`emulator exited before printing; stdout: ${out}\nstderr: ${await stderr()}`);
    out += decoder.decode(value, { stream: true });
  }
  return out;
}

async function rest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let out = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    out += decoder.decode(value, { stream: true });
  }
}

test('gatehouse emulator --json — one JSON line describing it, answers through its router, stops on SIGTERM', async () => {
  const proc = spawnEmulator(['--json']);
  try {
    const reader = proc.stdout.getReader();
    const first = await readUntil(reader, '\n', () => new Response(proc.stderr).text());
    const [line = '', after = ''] = first.split('\n');
    expect(after).toBe('');
    const d = JSON.parse(line) as EmulatorDescription;
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(d.identity).toMatchObject({
      apiKey: 'sk_test_gatehouse_identity_1a11',
      clientId: 'client_gatehouse_local',
      jwksUrl: `${d.url}/sso/jwks/client_gatehouse_local`,
      impersonationsUrl: `${d.url}/x/gatehouse/impersonations`,
    });
    expect(d.identity.issuer).toMatch(/^http:\/\/localhost:\d+$/);
    expect(d.staffOrganizations.map((o) => o.name)).toEqual(['Gatehouse Demo Team', 'Gatehouse Labs']);
    expect(d.teams.map((t) => [t.seedKey, t.sandbox.apiKey, t.production.apiKey])).toEqual([
      [
        'gatehouse-demo-team',
        'sk_test_gatehouse_demo_sandbox_2d5b',
        'sk_test_gatehouse_demo_production_3d9c',
      ],
      ['gatehouse-labs', 'sk_test_gatehouse_labs_sandbox_4a5b', 'sk_test_gatehouse_labs_production_5a9c'],
    ]);
    expect(d.accounts.map((a) => [a.email, a.kind, a.note ?? null])).toEqual([
      ['admin@demo.test', 'staff', null],
      ['member@demo.test', 'staff', null],
      ['viewer@demo.test', 'staff', null],
      ['alice@acme.test', 'customer', 'customer: Gatehouse refuses'],
    ]);
    expect(d.env.GATEHOUSE_TEAMS).toBe(d.staffOrganizations.map((o) => o.id).join(','));

    const list = async (key: string) => {
      const res = await fetch(`${d.url}/organizations?limit=100`, {
        headers: { authorization: `Bearer ${key}` },
      });
      return ((await res.json()) as { data: { id: string; name: string }[] }).data;
    };
    const identity = await list(d.identity.apiKey);
    for (const staff of d.staffOrganizations) {
      expect(identity.find((o) => o.id === staff.id)?.name).toBe(staff.name);
    }
    expect((await list(d.teams[1]?.sandbox.apiKey ?? '')).map((o) => o.name).sort()).toEqual([
      'Hooli',
      'Pied Piper',
    ]);

    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(await rest(reader)).toBe('');
  } finally {
    proc.kill('SIGKILL');
  }
});

/** The emulator started with `--port` on a free port (another one if it is taken meanwhile). */
function emulatorOnFreePort() {
  return onFreePort(async (port) => {
    const proc = spawnEmulator(['--port', String(port)]);
    const reader = proc.stdout.getReader();
    try {
      const text = await readUntil(reader, 'gatehouse serve\n', () => new Response(proc.stderr).text());
      return { proc, port, text };
    } catch (e) {
      proc.kill('SIGKILL');
      throw e;
    }
  });
}

test('gatehouse emulator --port — the text names the URL, the keys and who can sign in', async () => {
  const { proc, port, text } = await emulatorOnFreePort();
  try {
    expect(text).toContain(`Embedded WorkOS at http://127.0.0.1:${port}`);
    for (const key of [
      'sk_test_gatehouse_identity_1a11',
      'sk_test_gatehouse_demo_sandbox_2d5b',
      'sk_test_gatehouse_demo_production_3d9c',
      'sk_test_gatehouse_labs_sandbox_4a5b',
      'sk_test_gatehouse_labs_production_5a9c',
    ]) {
      expect(text).toContain(key);
    }
    expect(text).toMatch(/org_\w+\s+Gatehouse Demo Team/);
    expect(text).toMatch(
      /alice@acme\.test\s+Alice Anders\s+admin of Acme Corp\s+\(customer: Gatehouse refuses\)/,
    );
    const res = await fetch(`http://127.0.0.1:${port}/organizations`, {
      headers: { authorization: 'Bearer sk_test_gatehouse_demo_production_3d9c' },
    });
    expect(res.status).toBe(200);
    proc.kill('SIGINT');
    expect(await proc.exited).toBe(0);
  } finally {
    proc.kill('SIGKILL');
  }
});

test('gatehouse emulator — a removed or unknown option is refused with exit 2 and says why', async () => {
  for (const [args, message] of [
    [['--environment', 'sandbox'], '--environment is gone'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--port', 'x'], "--port must be a port number, got 'x'"],
  ] as const) {
    const proc = spawnEmulator([...args]);
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toContain(message);
  }
});

test('gatehouse emulator — GATEHOUSE_EMBEDDED_RATE_LIMITS sets its limits; a value it cannot read is refused with exit 2', async () => {
  const bad = spawnEmulator(['--json'], { GATEHOUSE_EMBEDDED_RATE_LIMITS: 'sometimes' });
  const [stdout, stderr, code] = await Promise.all([
    new Response(bad.stdout).text(),
    new Response(bad.stderr).text(),
    bad.exited,
  ]);
  expect([code, stdout]).toEqual([2, '']);
  expect(stderr).toContain("GATEHOUSE_EMBEDDED_RATE_LIMITS must be 'workos'");
  expect(stderr).toContain("got 'sometimes'");

  const proc = spawnEmulator(['--json'], { GATEHOUSE_EMBEDDED_RATE_LIMITS: '2/60s' });
  try {
    const reader = proc.stdout.getReader();
    const line = (await readUntil(reader, '\n', () => new Response(proc.stderr).text())).split('\n')[0] ?? '';
    const d = JSON.parse(line) as EmulatorDescription;
    const key = d.teams[0]?.sandbox.apiKey ?? '';
    const get = () => fetch(`${d.url}/organizations`, { headers: { authorization: `Bearer ${key}` } });
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ message: 'Too Many Requests', code: 'rate_limit_exceeded' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('2');
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  } finally {
    proc.kill('SIGKILL');
  }
});
