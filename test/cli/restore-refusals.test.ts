import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { restoreCommand } from '../../src/cli/restore.ts';
import { loadConfig } from '../../src/config/index.ts';
import { onPostgres } from '../support/pg.ts';
import { gatehouse, tempDir } from './run.ts';

// Backups crafted by hand, restored by the CLI as a subprocess. No server: a migrated data dir is
// what a fresh one holds, and its backup is the one every crafted file starts from.
setDefaultTimeout(30_000);

const MANIFEST = 'gatehouse-backup.json';
const dirs: string[] = [];
const dir = () => {
  const d = tempDir('gatehouse-restore-');
  dirs.push(d);
  return d;
};
const cli = (dataDir: string, args: string[]) => gatehouse(args, { env: { GATEHOUSE_DATA_DIR: dataDir } });
const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

interface Manifest {
  files: { name: string; bytes: number; sha256: string }[];
}
let source: string;
let archive: string;
let original: Record<string, Uint8Array>;
let manifest: Manifest;

beforeAll(async () => {
  if (onPostgres) return;
  source = join(dir(), 'data');
  expect((await cli(source, ['migrate'])).code).toBe(0);
  archive = join(dir(), 'fresh.tar.gz');
  expect((await cli(source, ['backup', archive])).code).toBe(0);
  original = {};
  for (const [name, f] of await new Bun.Archive(await Bun.file(archive).bytes()).files())
    original[name] = await f.bytes();
  manifest = JSON.parse(new TextDecoder().decode(original[MANIFEST])) as Manifest;
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * The fresh backup with some entries changed: the manifest's sums follow them, unless the manifest
 * itself is given (as its text).
 */
async function crafted(changes: Record<string, Uint8Array | string>, manifestText?: string): Promise<string> {
  const entries: Record<string, Uint8Array | string> = { ...original, ...changes };
  const m = structuredClone(manifest);
  for (const f of m.files) {
    const bytes = entries[f.name]!;
    f.bytes = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
    f.sha256 = sha(bytes);
  }
  entries[MANIFEST] = manifestText ?? JSON.stringify(m);
  const path = join(dir(), 'crafted.tar.gz');
  await Bun.write(path, await new Bun.Archive(entries, { compress: 'gzip' }).bytes());
  return path;
}

/** The fresh backup with extra files, listed first in its manifest (their sums right). */
async function withExtra(extra: Record<string, string>): Promise<string> {
  const m = structuredClone(manifest);
  for (const [name, body] of Object.entries(extra))
    m.files.unshift({ name, bytes: Buffer.byteLength(body), sha256: sha(body) });
  const path = join(dir(), 'extra.tar.gz');
  const entries = { ...original, ...extra, [MANIFEST]: JSON.stringify(m) };
  await Bun.write(path, await new Bun.Archive(entries, { compress: 'gzip' }).bytes());
  return path;
}

/** A stopped server's data dir, with a database to lose. */
function occupied(): string {
  const data = join(dir(), 'data');
  cpSync(source, data, { recursive: true });
  return data;
}

/** Every file of a data dir and its SHA-256 (but the lock's: restore takes it, and it holds only who did). */
const state = (data: string) =>
  readdirSync(data, { recursive: true, encoding: 'utf8' })
    .filter((n) => n !== 'gatehouse.lock' && statSync(join(data, n)).isFile())
    .sort()
    .map((n) => `${n} ${sha(readFileSync(join(data, n)))}`);

/** Restores `backup` over an occupied data dir with --force; expects exactly `refusal`, and nothing changed. */
async function expectRefused(backup: string, refusal: string) {
  const data = occupied();
  const before = state(data);
  const r = await cli(data, ['restore', '--force', backup]);
  expect(r.stderr).toBe(`${refusal}\n`);
  expect(r.code).toBe(1);
  expect(state(data)).toEqual(before);
}

// SQLite only, as backup.test.ts.
describe.skipIf(onPostgres)('gatehouse restore', () => {
  test('a manifest that is not an object, or has fields of the wrong type — refused by name, nothing changed', async () => {
    const file = structuredClone(manifest.files[0]!);
    const cases: [unknown, string][] = [
      [null, 'it is null, not a JSON object'],
      [[], 'it is [], not a JSON object'],
      [42, 'it is 42, not a JSON object'],
      [{ ...manifest, format: '1' }, '"format" is "1", not backup format 1'],
      [{ ...manifest, gatehouseVersion: undefined }, '"gatehouseVersion" is missing'],
      [{ ...manifest, files: 42 }, '"files" is 42, not a list of files'],
      [
        { ...manifest, files: [{ ...file, sha256: 42 }] },
        'files[0].sha256 is 42, not a SHA-256 (64 hex digits)',
      ],
    ];
    await Promise.all(
      cases.map(async ([value, problem]) => {
        const backup = await crafted({}, JSON.stringify(value));
        await expectRefused(
          backup,
          `Refused: ${backup} has a malformed ${MANIFEST}: ${problem}. Nothing was changed.`,
        );
      }),
    );
  });

  test('restore --force twice within the same second — both restore, and every copy set aside is kept', async () => {
    const data = occupied();
    const first = sha(readFileSync(join(data, 'gatehouse.db')));
    // Copies set aside by earlier restores, one for each of the next 30 seconds: whenever the two
    // restores run, the name of their second is taken.
    const stamp = (ms: number) =>
      new Date(ms)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
    const earlier = Array.from({ length: 30 }, (_, i) => `replaced-${stamp(Date.now() + i * 1000)}`);
    for (const name of earlier) {
      mkdirSync(join(data, name));
      writeFileSync(join(data, name, 'gatehouse.db'), name);
    }
    const asides: string[] = [];
    for (const _ of [1, 2]) {
      const r = await cli(data, ['restore', '--force', archive]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const aside = /The files it replaced are in (.+)\.\n/.exec(r.stdout)![1]!;
      expect(aside).toStartWith(join(data, 'replaced-'));
      asides.push(aside);
    }
    for (const name of earlier) expect(readFileSync(join(data, name, 'gatehouse.db'), 'utf8')).toBe(name);
    expect(readdirSync(data).filter((n) => n.startsWith('replaced-'))).toHaveLength(earlier.length + 2);
    expect(sha(readFileSync(join(asides[0]!, 'gatehouse.db')))).toBe(first);
    expect(sha(readFileSync(join(asides[1]!, 'gatehouse.db')))).toBe(sha(original['gatehouse.db']!));
  });

  test('a backup whose database is empty or not Gatehouse’s — refused by what it is, nothing changed', async () => {
    const scratch = dir();
    /** The bytes of a database: `from`'s (none: a new one), changed by `sql`. */
    const sqlite = (from: Uint8Array | undefined, sql: string) => {
      const path = join(scratch, `${crypto.randomUUID()}.db`);
      if (from) writeFileSync(path, from);
      const db = new Database(path);
      db.exec(sql);
      db.close();
      return readFileSync(path);
    };
    const fresh = original['gatehouse.db']!;
    const cases: [Uint8Array | string, string][] = [
      [new Uint8Array(0), 'is empty (0 bytes), not a Gatehouse database'],
      [
        'notes, not a database '.repeat(50),
        'cannot be read (file is not a database), so it is not a Gatehouse database',
      ],
      [
        sqlite(undefined, 'CREATE TABLE notes (body TEXT)'),
        'is not a Gatehouse database (no __drizzle_migrations or audit_entries table)',
      ],
      [sqlite(fresh, 'DROP TABLE audit_entries'), 'is not a Gatehouse database (no audit_entries table)'],
      [
        sqlite(fresh, 'DELETE FROM __drizzle_migrations'),
        'is not a Gatehouse database (its migrations journal is empty)',
      ],
    ];
    await Promise.all(
      cases.map(async ([db, problem]) => {
        const backup = await crafted({ 'gatehouse.db': db });
        await expectRefused(backup, `Refused: the database in ${backup} ${problem}. Nothing was changed.`);
      }),
    );
    // The database of a fresh data dir, as `gatehouse backup` took it, is one.
    const data = join(dir(), 'data');
    expect((await cli(data, ['restore', archive])).code).toBe(0);
  });

  test('a gzip bomb — refused once it inflates past the bound, nothing changed; a real backup under it restores', async () => {
    // In process, to lower the bound (4 GiB) to 1 MiB: the fresh backup's tar is well under it.
    const bound = 2 ** 20;
    const restore = async (data: string, backup: string) => {
      let said = '';
      const say = (s: string) => {
        said += s;
      };
      const code = await restoreCommand(
        loadConfig({ GATEHOUSE_DATA_DIR: data }),
        ['--force', backup],
        say,
        say,
        bound,
      );
      return { code, said };
    };
    // The fresh backup, then 256 MiB of zeros in 16 more gzip members: a valid backup once inflated
    // whole (a tar reader skips the zeros after its end), from a 300 KiB file.
    const member = gzipSync(new Uint8Array(16 * 2 ** 20));
    const bomb = join(dir(), 'bomb.tar.gz');
    writeFileSync(bomb, Buffer.concat([readFileSync(archive), ...Array<Buffer>(16).fill(member)]));
    const data = occupied();
    const before = state(data);
    expect(await restore(data, bomb)).toEqual({
      code: 1,
      said: `Refused: ${bomb} unpacks to more than 1 MiB, the most a Gatehouse backup can hold. Nothing was changed.\n`,
    });
    expect(state(data)).toEqual(before);

    const restored = await restore(occupied(), archive);
    expect(restored.said).toContain('Restored ');
    expect(restored.code).toBe(0);
  });

  test('leftovers of an interrupted restore — the next --force restores whole; a link there is never written through', async () => {
    const data = occupied();
    // What a restore killed half way (or out of disk) may leave, and a link an attacker placed.
    writeFileSync(join(data, 'gatehouse.db.restoring'), new Uint8Array(100_000));
    writeFileSync(join(data, 'gatehouse.db.4242.0a0b0c0d0e0f.tmp'), new Uint8Array(100_000));
    const victim = join(dir(), 'victim');
    writeFileSync(victim, 'untouched');
    symlinkSync(victim, join(data, 'audit-head.json.restoring'));
    const r = await cli(data, ['restore', '--force', archive]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(data, 'gatehouse.db'))).toEqual(Buffer.from(original['gatehouse.db']!));
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
  });

  test('after an interrupted restore — --force finishes it, names the earlier folder, and lets a server start', async () => {
    const data = occupied();
    const earlier = join(data, 'replaced-20261207T000000Z');
    mkdirSync(earlier);
    writeFileSync(join(data, 'gatehouse.lock-restoring'), JSON.stringify({ replacedTo: earlier }));
    const r = await cli(data, ['restore', '--force', archive]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `An earlier restore was interrupted: the files it had set aside are in ${earlier}.`,
    );
    expect(readdirSync(data)).not.toContain('gatehouse.lock-restoring');
  });

  test('after an interrupted restore, without --force — refused naming the interruption and how to finish it', async () => {
    const data = occupied();
    const earlier = join(data, 'replaced-20261207T000000Z');
    mkdirSync(earlier);
    writeFileSync(
      join(data, 'gatehouse.lock-restoring'),
      JSON.stringify({ replacedTo: earlier, backup: '/b/x.tar.gz', at: '2026-12-07T00:00:00.000Z' }),
    );
    const before = state(data);
    const r = await cli(data, ['restore', archive]);
    expect(r.stderr).toBe(
      `Refused: GATEHOUSE_DATA_DIR '${data}': a restore into it was interrupted (2026-12-07T00:00:00.000Z), so it holds part of /b/x.tar.gz and part of what it replaced (the rest of that is in ${earlier}). Run gatehouse restore --force with the backup again to finish it, or move those files back and remove gatehouse.lock-restoring. Nothing was changed.\n`,
    );
    expect(r.code).toBe(1);
    expect(state(data)).toEqual(before);
  });

  test('a restore marker that is not the object restore writes (null, a number) — the data dir is still refused', async () => {
    for (const marker of ['null', '5', '{"at": 7}']) {
      const data = occupied();
      writeFileSync(join(data, 'gatehouse.lock-restoring'), marker);
      const r = await cli(data, ['teams', 'list']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(
        `GATEHOUSE_DATA_DIR '${data}': a restore into it was interrupted, so it holds part of a backup`,
      );
    }
  });

  test('a name backup never writes (a folder of the data dir, the WAL, a dot name) — refused, nothing changed', async () => {
    for (const name of [
      'backups',
      'replaced-20261207T000000Z',
      'gatehouse.db-wal',
      '..',
      '.hidden',
      'x.tmp',
    ]) {
      const backup = await withExtra({ [name]: 'x' });
      await expectRefused(
        backup,
        `Refused: ${backup} names a file Gatehouse never writes: ${JSON.stringify(name)}.`,
      );
    }
  });

  test('a data dir file restore would replace that is a folder — refused before anything moves', async () => {
    const data = join(dir(), 'data');
    mkdirSync(join(data, 'gatehouse.db'), { recursive: true });
    writeFileSync(join(data, 'gatehouse.db', 'kept'), 'x');
    const before = state(data);
    const r = await cli(data, ['restore', '--force', archive]);
    expect(r.stderr).toBe(
      `Refused: GATEHOUSE_DATA_DIR '${data}' holds gatehouse.db, which is not a regular file; restore would replace it. Move it away first. Nothing was changed.\n`,
    );
    expect(r.code).toBe(1);
    expect(state(data)).toEqual(before);
    expect(readdirSync(data).filter((n) => n.startsWith('replaced-') || n.endsWith('.tmp'))).toEqual([]);
  });

  test('a gzip inside the gzip — refused: only one layer is inflated, under the bound', async () => {
    const twice = join(dir(), 'twice.tar.gz');
    writeFileSync(twice, gzipSync(readFileSync(archive)));
    await expectRefused(
      twice,
      `Refused: ${twice} is not a Gatehouse backup (a gzip inside the gzip). Nothing was changed.`,
    );
  });
});
