import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELP, VERSION } from '../../src/cli/help.ts';
import { loadConfig } from '../../src/config/index.ts';
import { VARIABLES } from '../../src/config/variables.ts';
import { gatehouse, ROOT } from './run.ts';

setDefaultTimeout(30_000);

/** The variables loadConfig reads, found by handing it an environment that records every read. */
function variablesRead(values: Record<string, string>): Set<string> {
  const seen = new Set<string>();
  const env = new Proxy(values, {
    get(target, key) {
      if (typeof key === 'string') seen.add(key);
      return target[key as string];
    },
  });
  try {
    loadConfig(env);
  } catch {
    // Only the reads matter here.
  }
  return seen;
}

describe('version and help', () => {
  test('--version, -v and version — print the version and exit 0 (was "Unknown command")', async () => {
    for (const arg of ['--version', '-v', 'version']) {
      const r = await gatehouse([arg]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`gatehouse ${VERSION}\n`);
    }
  });

  test('the version — is package.json’s, and CHANGELOG.md has its release', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain(`## [${VERSION}]`);
    expect(changelog).toContain('## [Unreleased]');
  });

  test('--help — every command and every variable, without README', async () => {
    const r = await gatehouse(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of [
      'serve',
      'config check',
      'migrate',
      'backup',
      'restore',
      'teams',
      'audit',
      'healthcheck',
      'emulator',
      'version',
    ])
      expect(r.stdout).toContain(`  ${cmd}`);
    for (const v of VARIABLES) expect(r.stdout).toContain(v.name);
    expect(r.stdout).toContain('forward-only');
  });

  test('every variable loadConfig reads — is listed in --help and config check', () => {
    const listed = new Set(VARIABLES.map((v) => v.name));
    const read = new Set([
      ...variablesRead({}),
      ...variablesRead({
        WORKOS_API_KEY: 'sk_test_aaaaaaaaaaaaaaaaaaaa',
        WORKOS_CLIENT_ID: 'client_x',
        WORKOS_PRODUCTION_API_KEY: 'sk_test_bbbbbbbbbbbbbbbbbbbbbb',
      }),
    ]);
    expect([...read].filter((name) => !listed.has(name)).sort()).toEqual([]);
    expect(read.size).toBeGreaterThan(15);
  });

  test('help <command> — each command has its own page', async () => {
    for (const cmd of ['serve', 'migrate', 'config', 'healthcheck', 'audit'])
      expect(HELP[cmd]).toContain(`Usage: gatehouse ${cmd}`);
    // The pages kept beside their commands, through the CLI.
    for (const cmd of ['backup', 'restore', 'teams']) {
      const r = await gatehouse(['help', cmd]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: gatehouse ${cmd}`);
    }
    expect(HELP.migrate).toContain('forward-only');
  });

  test('help <not a command> — exit 2, names it and lists the commands (was the overview, exit 0)', async () => {
    const commands = ['serve', 'emulator', 'audit', 'migrate', 'config', 'healthcheck', 'version'];
    for (const topic of ['frob', 'toString']) {
      const r = await gatehouse(['help', topic]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toStartWith(`No help for '${topic}': it is not a command. The commands: `);
      for (const cmd of [...commands, 'teams', 'backup', 'restore']) expect(r.stderr).toContain(cmd);
    }
    // Without a topic, the overview; with a command, its page.
    const overview = await gatehouse(['help']);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toBe(`${HELP.main}\n`);
    for (const cmd of commands) {
      const r = await gatehouse(['help', cmd]);
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 0 });
      expect(r.stdout).toBe(`${HELP[cmd]}\n`);
    }
  });

  test('an unknown command — exit 2, points at --help, with --help too (was the overview, exit 0)', async () => {
    for (const args of [['frobnicate'], ['frobnicate', '--help'], ['frobnicate', '-h']]) {
      const r = await gatehouse(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("Unknown command 'frobnicate'. Run gatehouse --help");
    }
  });

  test('help — --help as its topic is the overview; two topics are a usage error', async () => {
    for (const args of [
      ['help', '--help'],
      ['-h', '-h'],
      ['help', '-h'],
    ]) {
      const r = await gatehouse(args);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.stdout).toBe(`${HELP.main}\n`);
    }
    for (const args of [
      ['--version', '--help'],
      ['-v', '-h'],
      ['--help', '--version'],
      ['-h', '-V'],
    ]) {
      const r = await gatehouse(args);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({
        args,
        code: 0,
        stdout: `${HELP.version}\n`,
      });
    }
    const audit = await gatehouse(['help', 'audit', '--help']);
    expect(audit.stdout).toBe(`${HELP.audit}\n`);
    const two = await gatehouse(['help', 'serve', 'extra']);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain("gatehouse help takes one command, got 'serve extra'.");
  });
});
