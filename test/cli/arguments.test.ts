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
});
