import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupCommand } from '../../src/cli/backup.ts';
import { restoreCommand } from '../../src/cli/restore.ts';
import { loadConfig } from '../../src/config/index.ts';
import { onPostgres } from '../support/pg.ts';
import { gatehouse, tempDir } from './run.ts';

// backup refuses what restore could not take back (the bound both share: MAX_BACKUP_BYTES),
// lowered here so that a fresh data dir is past it.
setDefaultTimeout(30_000);

let root: string;
let data: string;
beforeAll(async () => {
  if (onPostgres) return;
  root = tempDir('gatehouse-backup-bound-');
  data = join(root, 'data');
  expect((await gatehouse(['migrate'], { env: { GATEHOUSE_DATA_DIR: data } })).code).toBe(0);
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function io() {
  const said: string[] = [];
  const refused: string[] = [];
  return {
    said,
    refused,
    io: {
      say: (s: string) => void said.push(s),
      refuse: (s: string) => void refused.push(s),
      stdout: async () => {},
    },
  };
}

test.skipIf(onPostgres)(
  'backup past what restore takes back — refused by size and what to do instead, nothing written',
  async () => {
    const config = loadConfig({ GATEHOUSE_DATA_DIR: data });
    const target = join(root, 'too-large.tar.gz');
    const out = io();
    expect(await backupCommand(config, [target], out.io, 64 * 1024)).toBe(1);
    expect(out.refused.join('')).toMatch(
      new RegExp(
        `^Refused: the backup of GATEHOUSE_DATA_DIR '${data}' would unpack to [\\d,]+ MiB, more than the 1 MiB gatehouse restore takes back \\(the most it holds in memory\\)\\. Back this data dir up with the server stopped, as a copy of the whole directory \\(cp -a, or a volume snapshot\\); restore that copy the same way\\. Nothing was written\\.\n$`,
      ),
    );
    expect(out.said).toEqual([]);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(root).filter((n) => n.includes('partial'))).toEqual([]);
  },
);

test.skipIf(onPostgres)(
  'backup within the bound — written, and restore takes it back under the same bound',
  async () => {
    const config = loadConfig({ GATEHOUSE_DATA_DIR: data });
    const target = join(root, 'fits.tar.gz');
    const out = io();
    expect(await backupCommand(config, [target], out.io, 8 * 2 ** 20)).toBe(0);
    expect(out.refused).toEqual([]);
    const restored = join(root, 'restored');
    const messages: string[] = [];
    const push = (s: string) => void messages.push(s);
    expect(
      await restoreCommand(loadConfig({ GATEHOUSE_DATA_DIR: restored }), [target], push, push, 8 * 2 ** 20),
    ).toBe(0);
    expect(messages.join('')).toContain(`Restored ${target}`);
  },
);

test.skipIf(onPostgres)(
  'a target that cannot be written (a file as its folder, a name too long) — named, no partial file left',
  async () => {
    const config = loadConfig({ GATEHOUSE_DATA_DIR: data });
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    await expect(backupCommand(config, [join(file, 'x.tar.gz')], io().io)).rejects.toThrow(
      `${file} is not a directory.`,
    );
    const out = io();
    const long = join(root, `${'b'.repeat(300)}.tar.gz`);
    expect(await backupCommand(config, [long], out.io)).toBe(1);
    expect(out.refused.join('')).toMatch(
      /^Refused: the backup cannot be written to .* \(ENAMETOOLONG\)\. Nothing was written\.\n$/,
    );
    expect(readdirSync(root).filter((n) => n.includes('partial'))).toEqual([]);
  },
);
