import { Database } from 'bun:sqlite';
import { afterAll, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatehouse, tempDir } from '../cli/run.ts';
import { onPostgres } from '../support/pg.ts';

// GATEHOUSE_DATA_DIR pointed at another program's database, or a damaged one: every command
// names it, none runs SQL on it or backs it up (restore would refuse that backup).
setDefaultTimeout(30_000);

const root = tempDir('gatehouse-foreign-db-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function dataDir(name: string, write: (path: string) => void): string {
  const dir = join(root, name);
  mkdirSync(dir);
  write(join(dir, 'gatehouse.db'));
  return dir;
}

test.skipIf(onPostgres)(
  'another program’s SQLite database — migrate, teams and backup refuse it by name; nothing written',
  async () => {
    const dir = dataDir('other', (path) => {
      const db = new Database(path, { create: true });
      db.exec('CREATE TABLE users (id INTEGER); CREATE TABLE orders (id INTEGER)');
      db.close();
    });
    for (const args of [['migrate'], ['teams', 'list']]) {
      const r = await gatehouse(args, { env: { GATEHOUSE_DATA_DIR: dir } });
      expect(r.stderr).toContain(
        `GATEHOUSE_DATA_DIR '${dir}': gatehouse.db is not a Gatehouse database (it holds tables 'orders', 'users' and no Gatehouse migrations). Point GATEHOUSE_DATA_DIR at Gatehouse's data dir, or move that file aside`,
      );
      expect(r.code).toBe(2);
    }
    const target = join(root, 'other.tar.gz');
    const b = await gatehouse(['backup', target], { env: { GATEHOUSE_DATA_DIR: dir } });
    expect(b.stderr).toBe(
      `Refused: ${join(dir, 'gatehouse.db')} is not a Gatehouse database (its migrations journal is empty): is GATEHOUSE_DATA_DIR the server's? Nothing was written.\n`,
    );
    expect(b.code).toBe(1);
    expect(existsSync(target)).toBe(false);
    const tables = new Database(join(dir, 'gatehouse.db'), { readonly: true })
      .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((t) => t.name);
    expect(tables).toEqual(['orders', 'users']);
  },
);

test.skipIf(onPostgres)(
  'a file that is not SQLite at all — named as such by migrate and backup, not “file is not a database”',
  async () => {
    const dir = dataDir('garbage', (path) => writeFileSync(path, Buffer.alloc(8192, 7)));
    const m = await gatehouse(['migrate'], { env: { GATEHOUSE_DATA_DIR: dir } });
    expect(m.stderr).toContain(
      `'${join(dir, 'gatehouse.db')}' is not a SQLite database (file is not a database): it is another program's file, or it was damaged.`,
    );
    expect(m.code).toBe(2);
    const target = join(root, 'garbage.tar.gz');
    const b = await gatehouse(['backup', target], { env: { GATEHOUSE_DATA_DIR: dir } });
    expect(b.stderr).toBe(
      `Refused: ${join(dir, 'gatehouse.db')} is not a SQLite database (file is not a database): it is another program's file, or it was damaged. Nothing was written.\n`,
    );
    expect(b.code).toBe(1);
    expect(existsSync(target)).toBe(false);
  },
);
