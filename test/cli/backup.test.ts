import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createHash } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { onPostgres } from '../support/pg.ts';
import { type GatehouseProcess, spawnGatehouse } from '../support/subprocess.ts';
import { gatehouse, isRoot, tempDir, UNPRIVILEGED } from './run.ts';

// Real servers as subprocesses, and the CLI against their data dirs.
setDefaultTimeout(90_000);

const dirs: string[] = [];
const dir = () => {
  const d = tempDir('gatehouse-backup-');
  dirs.push(d);
  return d;
};
const cli = (dataDir: string, args: string[], stdin?: Uint8Array) =>
  gatehouse(args, { env: { GATEHOUSE_DATA_DIR: dataDir }, ...(stdin ? { stdin } : {}) });
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

let server: GatehouseProcess;
let archive: string;
let registered = 0;

/** Registers OAuth clients (a row and its audit entry in one transaction) until told to stop. */
async function keepWriting(url: string, stop: () => boolean): Promise<number> {
  let n = 0;
  // 20 stays under POST /register's burst of 30 per address.
  while (!stop() && n < 20) {
    const res = await fetch(`${url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: `Backup test agent ${n}`,
        redirect_uris: ['http://127.0.0.1:9999/callback'],
        token_endpoint_auth_method: 'none',
      }),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(201);
    n++;
  }
  return n;
}

beforeAll(async () => {
  if (onPostgres) return;
  server = await spawnGatehouse();
  const out = dir();
  archive = join(out, 'gatehouse.tar.gz');
  let done = false;
  const writer = keepWriting(server.url, () => done);
  // Two backups while the server writes: one to a file, one into a directory.
  const [a, b] = await Promise.all([
    cli(server.dataDir, ['backup', archive]),
    cli(server.dataDir, ['backup', out]),
  ]);
  done = true;
  registered = await writer;
  expect(a.stderr).toBe('');
  expect(a.code).toBe(0);
  expect(b.code).toBe(0);
  expect(a.stdout).toContain(`to ${archive}`);
  expect(readdirSync(out).filter((f) => /^gatehouse-backup-\d{8}T\d{6}Z\.tar\.gz$/.test(f))).toHaveLength(1);
});

afterAll(async () => {
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// SQLite only: with DATABASE_URL backup and restore refuse and name pg_dump/pg_restore (audit-engines.test.ts).
describe.skipIf(onPostgres)('gatehouse backup and restore', () => {
  test('backup — one gzipped tar, 0600, with the database, keys, secrets, audit head and their sums', async () => {
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    const files = await new Bun.Archive(await Bun.file(archive).bytes()).files();
    const names = [...files.keys()].sort();
    for (const name of [
      'gatehouse-backup.json',
      'gatehouse.db',
      'audit-ed25519.key',
      'audit-ed25519.pub',
      'audit-head.json',
      'cookie.secret',
      'environments.secret',
    ])
      expect(names).toContain(name);
    // Never the live WAL or the server's lock.
    expect(names.filter((n) => /-wal$|-shm$|\.lock/.test(n))).toEqual([]);
    const manifest = JSON.parse(await files.get('gatehouse-backup.json')!.text()) as {
      files: { name: string; sha256: string }[];
      migrationsApplied: number;
    };
    expect(manifest.migrationsApplied).toBeGreaterThan(0);
    for (const f of manifest.files)
      expect(
        createHash('sha256')
          .update(await files.get(f.name)!.bytes())
          .digest('hex'),
      ).toBe(f.sha256);
    // The signing key in the backup is the server's.
    expect(await files.get('audit-ed25519.key')!.text()).toBe(
      readFileSync(join(server.dataDir, 'audit-ed25519.key'), 'utf8'),
    );
  });

  test('backup taken while writing — restores to a data dir whose audit trail verifies, each client with its entry', async () => {
    const restored = join(dir(), 'data');
    const r = await cli(restored, ['restore', archive]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`into GATEHOUSE_DATA_DIR '${restored}'`);
    expect(statSync(restored).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(restored)) expect(statSync(join(restored, f)).mode & 0o777).toBe(0o600);

    const verify = await cli(restored, ['audit', 'verify']);
    expect(verify.stdout).toContain('Audit trail intact');
    expect(verify.code).toBe(0);

    // One consistent moment: every registered client with its audit entry, none half-written.
    const db = new Database(join(restored, 'gatehouse.db'), { readonly: true });
    const clients = db.query<{ n: number }, []>('SELECT count(*) AS n FROM oauth_clients').get()!.n;
    const entries = db
      .query<{ n: number }, []>(
        "SELECT count(*) AS n FROM audit_entries WHERE event = 'oauth.client_registered'",
      )
      .get()!.n;
    db.close();
    expect(clients).toBe(entries);
    expect(clients).toBeLessThanOrEqual(registered);
  });

  test('a restored data dir — serves again with the same keys', async () => {
    const restored = join(dir(), 'data');
    expect((await cli(restored, ['restore', archive])).code).toBe(0);
    const again = await spawnGatehouse({ dataDir: restored });
    try {
      expect((await fetch(`${again.url}/readyz`)).status).toBe(200);
    } finally {
      await again.stop();
    }
    expect(readFileSync(join(restored, 'audit-ed25519.key'), 'utf8')).toBe(
      readFileSync(join(server.dataDir, 'audit-ed25519.key'), 'utf8'),
    );
  });

  test('a stray file in the data dir — left out and named; the backup still restores', async () => {
    const stray = join(server.dataDir, 'notes (old).txt');
    writeFileSync(stray, 'someone left this here');
    try {
      const target = join(dir(), 'with-stray.tar.gz');
      const made = await cli(server.dataDir, ['backup', target]);
      expect(made.code).toBe(0);
      expect(made.stdout).toContain('Left out 1 file(s) Gatehouse never writes: "notes (old).txt"');
      const restored = join(dir(), 'data');
      const r = await cli(restored, ['restore', target]);
      expect(r.code).toBe(0);
      expect(existsSync(join(restored, 'notes (old).txt'))).toBe(false);
    } finally {
      rmSync(stray, { force: true });
    }
  });

  test('a dot file (a backup killed before its rename) — left out too; the backup still restores', async () => {
    const partial = join(server.dataDir, '.gatehouse-backup-20261207T000000Z.tar.gz.partial-4242');
    writeFileSync(partial, 'half a backup');
    try {
      const target = join(dir(), 'with-dot.tar.gz');
      const made = await cli(server.dataDir, ['backup', target]);
      expect(made.code).toBe(0);
      expect(made.stdout).toContain('Left out 1 file(s) Gatehouse never writes');
      expect((await cli(join(dir(), 'data'), ['restore', target])).code).toBe(0);
    } finally {
      rmSync(partial, { force: true });
    }
  });

  test('a link in the data dir to any other file — left out and named, never read', async () => {
    const secret = join(dir(), 'root-only');
    writeFileSync(secret, 'not the data dir owner’s');
    const link = join(server.dataDir, 'notes');
    symlinkSync(secret, link);
    try {
      const target = join(dir(), 'with-link.tar.gz');
      const made = await cli(server.dataDir, ['backup', target]);
      expect(made.code).toBe(0);
      expect(made.stdout).toContain('"notes"');
      const names = [...(await new Bun.Archive(await Bun.file(target).bytes()).files()).keys()];
      expect(names).not.toContain('notes');
    } finally {
      rmSync(link, { force: true });
    }
  });

  test('the audit key as a link to another volume — backed up as the key itself; the restored trail verifies', async () => {
    const data = join(dir(), 'linked');
    expect((await cli(data, ['teams', 'admit', 'org_01JABCDEFGHJKMNPQRSTVWXYZ5'])).code).toBe(0);
    const volume = dir();
    renameSync(join(data, 'audit-ed25519.key'), join(volume, 'audit.key'));
    symlinkSync(join(volume, 'audit.key'), join(data, 'audit-ed25519.key'));
    const target = join(dir(), 'linked.tar.gz');
    expect((await cli(data, ['backup', target])).code).toBe(0);
    const restored = join(dir(), 'data');
    expect((await cli(restored, ['restore', target])).code).toBe(0);
    expect(readFileSync(join(restored, 'audit-ed25519.key'), 'utf8')).toBe(
      readFileSync(join(volume, 'audit.key'), 'utf8'),
    );
    expect((await cli(restored, ['audit', 'verify'])).code).toBe(0);
  });

  test('restore while the server runs — refused, nothing changed', async () => {
    const before = sha(join(server.dataDir, 'audit-ed25519.key'));
    const listing = readdirSync(server.dataDir).sort();
    const r = await cli(server.dataDir, ['restore', '--force', archive]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Refused: a Gatehouse server is running on GATEHOUSE_DATA_DIR '${server.dataDir}'`,
    );
    expect(r.stderr).toContain('Nothing was changed.');
    expect(readdirSync(server.dataDir).sort()).toEqual(listing);
    expect(sha(join(server.dataDir, 'audit-ed25519.key'))).toBe(before);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  test('restore onto a stopped server’s database — refused without --force; --force moves it aside first', async () => {
    const data = join(dir(), 'data');
    expect((await cli(data, ['migrate'])).code).toBe(0);
    const original = sha(join(data, 'gatehouse.db'));
    const refused = await cli(data, ['restore', archive]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already holds a database. Restore replaces it only with --force');
    expect(sha(join(data, 'gatehouse.db'))).toBe(original);

    const forced = await cli(data, ['restore', '--force', archive]);
    expect(forced.code).toBe(0);
    const aside = readdirSync(data).find((f) => f.startsWith('replaced-'))!;
    expect(forced.stdout).toContain(`The files it replaced are in ${join(data, aside)}`);
    expect(sha(join(data, aside, 'gatehouse.db'))).toBe(original);
    expect((await cli(data, ['audit', 'verify'])).code).toBe(0);
  });

  test('restore as root into a service user’s data dir — every file is the service’s, which can use it', async () => {
    if (!isRoot()) return; // only root restores files for another user
    const data = join(dir(), 'data');
    mkdirSync(data, { mode: 0o700 });
    chownSync(data, UNPRIVILEGED, UNPRIVILEGED);
    expect((await cli(data, ['restore', archive])).code).toBe(0);
    for (const f of readdirSync(data))
      expect(`${f}: ${statSync(join(data, f)).uid}`).toBe(`${f}: ${UNPRIVILEGED}`);
    // Again with --force: the folder the replaced files go to is the service's too, and so is
    // everything in it.
    expect((await cli(data, ['restore', '--force', archive])).code).toBe(0);
    const aside = readdirSync(data).filter((f) => f.startsWith('replaced-'));
    expect(aside).toHaveLength(1);
    for (const f of ['', ...readdirSync(join(data, aside[0]!))])
      expect(`${f}: ${statSync(join(data, aside[0]!, f)).uid}`).toBe(`${f}: ${UNPRIVILEGED}`);
    const asService = (args: string[], stdin?: Uint8Array) =>
      gatehouse(args, { env: { GATEHOUSE_DATA_DIR: data }, unprivileged: true, ...(stdin ? { stdin } : {}) });
    expect((await asService(['audit', 'verify'])).code).toBe(0);
    // The backup is root's (0600): the service cannot read it, and says so.
    const unreadable = await asService(['restore', '--force', archive]);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain(`${archive} cannot be read by uid ${UNPRIVILEGED} (EACCES)`);
    // From stdin it takes the server's lock and replaces the files: all of them are its own.
    const again = await asService(['restore', '--force', '-'], readFileSync(archive));
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
  });

  test('to stdout and back from stdin — the same backup', async () => {
    const out = await cli(server.dataDir, ['backup', '-']);
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('to stdout');
    const restored = join(dir(), 'data');
    const r = await cli(restored, ['restore', '-'], out.bytes);
    expect(r.code).toBe(0);
    expect((await cli(restored, ['audit', 'verify'])).code).toBe(0);
  });

  test('a damaged backup — refused by its checksums, nothing written', async () => {
    const files = await new Bun.Archive(await Bun.file(archive).bytes()).files();
    const entries: Record<string, Uint8Array> = {};
    for (const [name, f] of files) entries[name] = await f.bytes();
    entries['audit-ed25519.key'] = new TextEncoder().encode('tampered');
    const damaged = join(dir(), 'damaged.tar.gz');
    await Bun.write(damaged, await new Bun.Archive(entries, { compress: 'gzip' }).bytes());
    const data = join(dir(), 'data');
    const r = await cli(data, ['restore', damaged]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is damaged: audit-ed25519.key does not match its SHA-256');
    expect(existsSync(join(data, 'gatehouse.db'))).toBe(false);
  });

  test('a file that is not a Gatehouse backup — refused', async () => {
    const notBackup = join(dir(), 'notes.tar.gz');
    await Bun.write(notBackup, await new Bun.Archive({ 'notes.txt': 'hello' }, { compress: 'gzip' }).bytes());
    const r = await cli(join(dir(), 'data'), ['restore', notBackup]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not a Gatehouse backup (no gatehouse-backup.json in it)');
    const garbage = join(dir(), 'garbage.tar.gz');
    writeFileSync(garbage, 'not an archive at all');
    expect((await cli(join(dir(), 'data'), ['restore', garbage])).code).toBe(1);
  });

  test('a backup from a newer Gatehouse — refused: migrations are forward-only', async () => {
    const files = await new Bun.Archive(await Bun.file(archive).bytes()).files();
    const work = dir();
    const dbPath = join(work, 'gatehouse.db');
    await Bun.write(dbPath, await files.get('gatehouse.db')!.bytes());
    const db = new Database(dbPath);
    db.run('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)', [
      'future',
      4_102_444_800_000,
    ]);
    db.close();
    const entries: Record<string, Uint8Array> = {};
    for (const [name, f] of files) entries[name] = await f.bytes();
    entries['gatehouse.db'] = readFileSync(dbPath);
    const manifest = JSON.parse(new TextDecoder().decode(entries['gatehouse-backup.json'])) as {
      files: { name: string; sha256: string; bytes: number }[];
    };
    for (const f of manifest.files) {
      f.sha256 = createHash('sha256').update(entries[f.name]!).digest('hex');
      f.bytes = entries[f.name]!.length;
    }
    entries['gatehouse-backup.json'] = new TextEncoder().encode(JSON.stringify(manifest));
    const newer = join(work, 'newer.tar.gz');
    await Bun.write(newer, await new Bun.Archive(entries, { compress: 'gzip' }).bytes());
    const r = await cli(join(work, 'data'), ['restore', newer]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('was made by a newer Gatehouse');
    expect(r.stderr).toContain('forward-only');
  });

  test('backup — never overwrites a file, needs a database and one target', async () => {
    const exists = await cli(server.dataDir, ['backup', archive]);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toContain('already exists: backup never overwrites a file');
    const empty = await cli(join(dir(), 'nothing'), ['backup', join(dir(), 'x.tar.gz')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('holds no gatehouse.db: nothing to back up');
    const none = await cli(server.dataDir, ['backup']);
    expect(none.code).toBe(2);
    const blank = await cli(server.dataDir, ['backup', '']);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('needs one file name');
    expect(none.stderr).toContain('Usage: gatehouse backup');
    const missingDir = await cli(server.dataDir, ['backup', join(dir(), 'no', 'such', 'x.tar.gz')]);
    expect(missingDir.code).toBe(2);
    expect(missingDir.stderr).toContain('does not exist');
  });

  test('backup into the data dir itself (or through a link to it) — refused, nothing written', async () => {
    const link = join(dir(), 'link-to-data');
    symlinkSync(server.dataDir, link);
    mkdirSync(join(server.dataDir, '..backups'), { recursive: true });
    for (const target of [
      server.dataDir,
      join(server.dataDir, 'b.tar.gz'),
      link,
      join(server.dataDir, '..backups'),
    ]) {
      const before = readdirSync(server.dataDir).sort();
      const r = await cli(server.dataDir, ['backup', target]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `is inside GATEHOUSE_DATA_DIR '${server.dataDir}': a backup kept with the data it protects is lost with it. Write it to another directory, better another volume.`,
      );
      expect(readdirSync(server.dataDir).sort()).toEqual(before);
    }
  });

  test('an earlier backup or a script in the data dir — left out and named, never nested in the next', async () => {
    const earlier = join(server.dataDir, 'gatehouse-backup-20261207T000000Z.tar.gz');
    const script = join(server.dataDir, 'rotate.sh');
    writeFileSync(earlier, 'an earlier backup');
    writeFileSync(script, '#!/bin/sh\n');
    try {
      const target = join(dir(), 'next.tar.gz');
      const made = await cli(server.dataDir, ['backup', target]);
      expect(made.code).toBe(0);
      expect(made.stdout).toContain(
        'Left out 2 file(s) Gatehouse never writes: "gatehouse-backup-20261207T000000Z.tar.gz", "rotate.sh"',
      );
      const names = Object.keys(await new Bun.Archive(await Bun.file(target).bytes()).files());
      expect(names.filter((n) => n.includes('backup-2026') || n.endsWith('.sh'))).toEqual([]);
    } finally {
      rmSync(earlier, { force: true });
      rmSync(script, { force: true });
    }
  });
});
