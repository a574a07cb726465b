/**
 * openDatabase (src/db/client.ts) waits out another process's lock on the database instead of
 * failing at once, and a lock held past the busy timeout is named as such, not as a permission
 * problem. Each side is its own process; they coordinate by lines on stdout and stdin.
 */
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/client.ts';

const ROOT = join(import.meta.dir, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-open-busy-'));
const path = join(dir, 'gatehouse.db');
openDatabase(path).$client.close();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A process holding an exclusive lock on the database until it reads a line. */
function holder() {
  const p = Bun.spawn(
    [
      'bun',
      '-e',
      `import { Database } from 'bun:sqlite';
       const db = new Database(${JSON.stringify(path)});
       db.exec('PRAGMA locking_mode = EXCLUSIVE');
       db.exec('BEGIN EXCLUSIVE');
       db.exec('CREATE TABLE IF NOT EXISTS held (x)');
       console.log('held');
       for await (const _ of console) break;
       db.exec('COMMIT');
       db.close();`,
    ],
    { stdin: 'pipe', stdout: 'pipe', stderr: 'inherit' },
  );
  return p;
}

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let text = '';
  while (!text.includes('\n')) {
    const r = await reader.read();
    if (r.done) break;
    text += new TextDecoder().decode(r.value);
  }
  reader.releaseLock();
  return text.trim();
}

/** Opens the database in its own process; says "opening" first, then "opened" or the error. */
function opener() {
  return Bun.spawn(
    [
      'bun',
      '-e',
      `import { openDatabase } from ${JSON.stringify(join(ROOT, 'src/db/client.ts'))};
       console.log('opening');
       try { openDatabase(${JSON.stringify(path)}).$client.close(); console.log('opened'); }
       catch (e) { console.log('failed: ' + e.message.replaceAll('\\n', ' ')); }`,
    ],
    { stdout: 'pipe', stderr: 'inherit' },
  );
}

test('open — a database another process holds locked is waited for, not refused at once', async () => {
  const held = holder();
  expect(await firstLine(held.stdout)).toBe('held');
  const open = opener();
  const reader = open.stdout.getReader();
  let out = '';
  while (!out.includes('opening')) out += new TextDecoder().decode((await reader.read()).value);
  // The opener is at its first statement now: the holder lets go only after that.
  held.stdin.write('release\n');
  held.stdin.end();
  await held.exited;
  for (let r = await reader.read(); !r.done; r = await reader.read())
    out += new TextDecoder().decode(r.value);
  await open.exited;
  expect(out).toContain('opened');
}, 30_000);

test('open — a lock held past the busy timeout is named as another process holding it, not as permissions', async () => {
  const held = holder();
  expect(await firstLine(held.stdout)).toBe('held');
  const open = opener();
  const out = await new Response(open.stdout).text();
  held.stdin.write('release\n');
  held.stdin.end();
  await held.exited;
  expect(out).toContain('failed: ');
  expect(out).toContain('another process held it locked for more than 5 s');
  expect(out).not.toContain('must be writable');
}, 30_000);
