/**
 * Command-line arguments an operator gets wrong: each is a usage error (exit 2) naming what is
 * wrong, never a value silently replaced by another or rolled over into a different one.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { gatehouse, tempDir } from './run.ts';

setDefaultTimeout(30_000);

const dirs: string[] = [];
const env = () => {
  const d = tempDir('gatehouse-arguments-');
  dirs.push(d);
  return { env: { GATEHOUSE_DATA_DIR: d } };
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('command-line arguments', () => {
  test('an unknown command with a terminal escape, or 100,000 characters long — escaped, cut, written whole', async () => {
    const escaped = await gatehouse(['x\u001b[2Jy'], env());
    expect(escaped.stderr).toBe("Unknown command 'x\\u001b[2Jy'. Run gatehouse --help for the commands.\n");
    expect(escaped.code).toBe(2);
    const long = await gatehouse(['a'.repeat(100_000)], env());
    expect(long.stderr).toBe(
      `Unknown command '${'a'.repeat(200)}… (100000 characters)'. Run gatehouse --help for the commands.\n`,
    );
    expect(long.code).toBe(2);
  });

  test('version with an argument, restore with an empty name, export with --until before --since — usage errors', async () => {
    for (const args of [
      ['--version', 'extra'],
      ['-v', 'foo'],
      ['version', 'x'],
    ]) {
      const r = await gatehouse(args, env());
      expect(r.stderr).toContain(`'gatehouse ${args[0]}' takes no arguments, got '${args[1]}'`);
      expect(r.code).toBe(2);
    }
    const blank = await gatehouse(['restore', ''], env());
    expect(blank.stderr).toContain('gatehouse restore needs one backup file.');
    expect(blank.code).toBe(2);
    const swapped = await gatehouse(
      ['audit', 'export', '--since', '2030-01-01', '--until', '2020-01-01'],
      env(),
    );
    expect(swapped.stderr).toContain(
      '--until (2020-01-01T00:00:00.000Z) must be after --since (2030-01-01T00:00:00.000Z): no entry is in that range. Were they swapped?',
    );
    expect(swapped.code).toBe(2);
  });

  test('serve with a misspelt GATEHOUSE_ variable — warned by name before anything else', async () => {
    const r = await gatehouse(['serve'], {
      env: { ...env().env, GATEHOUSE_DATADIR: '/x', GATEHOUSE_DOMAIN: 'gatehouse.example.com', HOST: '[x' },
    });
    expect(r.stderr).toStartWith(
      "Warning: 'GATEHOUSE_DATADIR' is not a Gatehouse variable (a typo?): ignored. gatehouse config check lists the ones it reads.\n",
    );
    expect(r.code).toBe(2);
  });

  test('a configuration value 100,000 characters long — named, cut in the message', async () => {
    const r = await gatehouse(['config', 'check'], { env: { ...env().env, PORT: '9'.repeat(100_000) } });
    expect(r.stdout.length + r.stderr.length).toBeLessThan(5_000);
    expect(`${r.stdout}${r.stderr}`).toContain(`${'9'.repeat(200)}… (100000 characters)`);
  });

  test('an option given twice — usage error naming it and both values, not the last one winning', async () => {
    for (const [args, message] of [
      [
        ['audit', 'export', '--format', 'csv', '--format', 'jsonl'],
        "--format is given more than once ('csv', 'jsonl')",
      ],
      [['audit', 'verify', '--head', 'a', '--head=b'], "--head is given more than once ('a', 'b')"],
      [['emulator', '--port', '1', '--port', '2'], "--port is given more than once ('1', '2')"],
    ] as const) {
      const r = await gatehouse([...args], env());
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(`${message}: give it once.`);
      expect(r.stdout).toBe('');
    }
  });

  test('audit export --since/--until a day or hour no calendar has — usage error naming it (Date rolled it over)', async () => {
    const run = env();
    expect((await gatehouse(['migrate'], run)).code).toBe(0);
    for (const [flag, value] of [
      ['--since', '2026-02-30'],
      ['--since', '2026-02-29T10:00:00Z'],
      ['--until', '2026-13-01'],
      ['--until', '2026-04-31'],
      ['--until', '2026-03-01T24:00:00Z'],
    ] as const) {
      const r = await gatehouse(['audit', 'export', flag, value], run);
      expect({ flag, value, code: r.code }).toEqual({ flag, value, code: 2 });
      expect(r.stderr).toContain(`${flag} must be an ISO date`);
      expect(r.stderr).toContain(`got '${value}'`);
    }
    // The forms the help lists still select.
    for (const value of [
      '2024-02-29',
      '2026-02-28T23:59:59Z',
      '2026-02-28T12:00:00.5+01:00',
      '30m',
      '24h',
      '7d',
    ]) {
      const r = await gatehouse(['audit', 'export', '--since', value, '--until', '2026-12-31'], run);
      expect({ value, code: r.code, stderr: r.stderr }).toEqual({ value, code: 0, stderr: '' });
    }
  });
});
