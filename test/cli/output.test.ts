/**
 * Output that cannot be written: a full disk fails the command (exit 1, one line saying why), and
 * a reader that stopped reading (`| head`) ends it quietly, never as a success.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, rmSync } from 'node:fs';
import { gatehouse, MAIN, tempDir } from './run.ts';

setDefaultTimeout(30_000);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('output that cannot be written', () => {
  test.skipIf(!existsSync('/dev/full'))(
    '> /dev/full — exit 1 with one line naming ENOSPC (was 0, or a stack trace)',
    async () => {
      const data = tempDir('gatehouse-output-');
      dirs.push(data);
      for (const args of [['version'], ['config', 'check'], ['help', 'serve'], ['--help']]) {
        const r = await gatehouse(args, { env: { GATEHOUSE_DATA_DIR: data }, stdoutFile: '/dev/full' });
        expect({ args, code: r.code }).toEqual({ args, code: 1 });
        expect(r.stderr).toBe(
          'gatehouse: cannot write to standard output: ENOSPC: no space left on device, write\n',
        );
      }
    },
  );

  test('a reader that closed first (`| true`) — exit 1, quietly', async () => {
    // `true` has exited long before Bun has started: every write meets a pipe no one reads.
    const r = await gatehouse(['version'], {
      command: ['bash', '-c', '"$@" | true; exit $PIPESTATUS', 'bash', process.execPath, MAIN],
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
  });

  test.skipIf(!existsSync('/dev/full'))(
    'teams admit > /dev/full — exit 1 at its first line, nothing admitted, the data dir closed clean and usable',
    async () => {
      const data = tempDir('gatehouse-output-');
      dirs.push(data);
      const env = { GATEHOUSE_DATA_DIR: data };
      const org = 'org_01JABCDEFGHJKMNPQRSTVWXYZ7';
      const r = await gatehouse(['teams', 'admit', org], { env, stdoutFile: '/dev/full' });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        'gatehouse: cannot write to standard output: ENOSPC: no space left on device, write\n',
      );
      expect((await gatehouse(['teams', 'list'], { env })).stdout).not.toContain(org);
      expect((await gatehouse(['teams', 'admit', org], { env })).code).toBe(0);
      const verify = await gatehouse(['audit', 'verify'], { env });
      expect(verify.stdout).toContain('Audit trail intact: 1 entry verified');
      expect(verify.code).toBe(0);
    },
  );
});
