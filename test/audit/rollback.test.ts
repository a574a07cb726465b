/**
 * Rollback: a database restored together with its signed head from an older copy is a valid,
 * signed trail on its own. The head counter only grows, every head is appended to a witness on
 * another volume (GATEHOUSE_AUDIT_WITNESS), and `audit verify` checks the trail and the head
 * against every head the witness saw.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { forgetPostgres, postgresFor } from '../support/pg.ts';
import { startTestGatehouse } from '../support/server.ts';
import { copyDataDir, storedHead, writeStoredHead } from '../support/stores.ts';

// Each file starts real servers: allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const MAIN = join(import.meta.dir, '..', '..', 'src', 'main.ts');

interface Head {
  seq: number;
  hash: string;
  counter: number;
}

let root: string;
let dataDir: string;
let witness: string;
/** The data dir as it was after the first run: the "older copy" a rollback restores. */
let backup: string;
/** Head counters seen after each step, in order. */
const counters: number[] = [];

/** The data dir's signed head where the engine keeps it (the file, or the audit_heads row). */
const readHeadFile = async (dir: string) => (await storedHead(dir)) as Head;
const witnessHeads = () =>
  readFileSync(witness, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Head);

async function cli(dir: string, env: Record<string, string>, ...args: string[]) {
  const p = Bun.spawn(['bun', MAIN, 'audit', ...args], {
    env: {
      ...process.env,
      GATEHOUSE_DATA_DIR: dir,
      GATEHOUSE_AUDIT_WITNESS: '',
      // On PostgreSQL, the data dir's own database (a copy's is a copy of the rows).
      ...(await postgresFor(dir)).env,
      ...env,
    },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { stdout, stderr, code };
}

type Running = Awaited<ReturnType<typeof startTestGatehouse>>;

/** Runs a server on `dir` with a witness, makes `calls` tool calls, and stops it. */
async function run(dir: string, calls: number, between?: (gh: Running) => void, witnessPath = witness) {
  const gh = await startTestGatehouse({
    dataDir: dir,
    keepDataDir: true,
    env: { GATEHOUSE_AUDIT_WITNESS: witnessPath },
  });
  try {
    const t = await tokensFor(gh.url, 'member@demo.test');
    const client = await connectV1(gh.url, t.access_token);
    for (let i = 0; i < calls; i++) {
      await call(client, 'whoami', {});
      between?.(gh);
    }
    await client.close();
  } finally {
    await gh.stop();
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gatehouse-rollback-'));
  dataDir = join(root, 'data');
  backup = join(root, 'backup');
  mkdirSync(join(root, 'other-volume'));
  witness = join(root, 'other-volume', 'audit-witness.jsonl');

  await run(dataDir, 2);
  counters.push((await readHeadFile(dataDir)).counter);
  await copyDataDir(dataDir, backup);
  // The server goes on: more entries, more heads, each flushed and witnessed.
  await run(dataDir, 3, (gh) => {
    gh.ctx.auditHead.flush();
    counters.push(gh.ctx.auditHead.headCounter);
  });
});
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  for (const d of ['data', 'backup', 'quiet', 'restored', 'old-head', 'resumed', 'torn-data'])
    await forgetPostgres(join(root, d));
});

describe('head counter', () => {
  test('only grows: a new head for new entries, across flushes and restarts', async () => {
    // After the first run, then after each call of the second (each adds an entry).
    expect(counters.length).toBe(4);
    for (let i = 1; i < counters.length; i++) expect(counters[i]!).toBeGreaterThan(counters[i - 1]!);
    expect((await readHeadFile(dataDir)).counter).toBeGreaterThanOrEqual(counters.at(-1)!);
    const heads = witnessHeads();
    expect(heads.length).toBeGreaterThanOrEqual(counters.length);
    for (let i = 1; i < heads.length; i++) {
      expect(heads[i]!.counter).toBeGreaterThan(heads[i - 1]!.counter);
      expect(heads[i]!.seq).toBeGreaterThanOrEqual(heads[i - 1]!.seq);
    }
    // The witness holds exactly the heads written: its last is the stored head.
    expect(heads.at(-1)).toEqual(await readHeadFile(dataDir));
  });

  test('a flush with no new entry writes no new head', async () => {
    const gh = await startTestGatehouse({
      dataDir: join(root, 'quiet'),
      keepDataDir: true,
      env: { GATEHOUSE_AUDIT_WITNESS: join(root, 'other-volume', 'quiet.jsonl') },
    });
    try {
      gh.ctx.auditHead.flush();
      const before = gh.ctx.auditHead.headCounter;
      expect(before).toBeGreaterThan(0);
      gh.ctx.auditHead.flush();
      gh.ctx.auditHead.flush();
      expect(gh.ctx.auditHead.headCounter).toBe(before);
    } finally {
      await gh.stop();
    }
  });
});

describe('verify against the witness', () => {
  test('the live trail agrees with every witnessed head, exit 0', async () => {
    const r = await cli(dataDir, { GATEHOUSE_AUDIT_WITNESS: witness }, 'verify');
    expect(r.stdout).toMatch(/Audit trail intact: .*\d+ witnessed heads agree/);
    expect(r.code).toBe(0);
  });

  test('an older copy of the database with its older signed head is reported as a rollback', async () => {
    const restored = join(root, 'restored');
    await copyDataDir(backup, restored);
    // On its own the older copy is a perfectly valid, signed trail…
    const alone = await cli(restored, {}, 'verify');
    expect(alone.code).toBe(0);
    // …the witness on the other volume saw further.
    const r = await cli(restored, { GATEHOUSE_AUDIT_WITNESS: witness }, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Audit trail ROLLED BACK');
    expect(r.stdout).toContain('the database was restored from an older copy');
    const flag = await cli(restored, {}, 'verify', '--witness', witness);
    expect(flag.code).toBe(1);
    expect(flag.stdout).toContain('ROLLED BACK');
  });

  test('only the head restored (the database kept): the head is older than the witness', async () => {
    const dir = join(root, 'old-head');
    await copyDataDir(dataDir, dir);
    await writeStoredHead(dir, await storedHead(backup));
    const r = await cli(dir, { GATEHOUSE_AUDIT_WITNESS: witness }, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ROLLED BACK');
    expect(r.stdout).toContain('the head was restored from an older copy');
  });

  test('restored and written again past the old end: still a rollback, and the counter does not go back', async () => {
    const dir = join(root, 'resumed');
    await copyDataDir(backup, dir);
    // A witness of its own (a copy of the shared one), so the other tests keep theirs.
    const own = join(root, 'other-volume', 'resumed.jsonl');
    copyFileSync(witness, own);
    const witnessed = witnessHeads();
    const maxCounter = witnessed.at(-1)!.counter;
    const maxSeq = witnessed.at(-1)!.seq;
    // Write until the restored trail is longer than anything the witness saw.
    let seq = (await readHeadFile(dir)).seq;
    while (seq <= maxSeq) {
      await run(dir, 3, undefined, own);
      seq = (await readHeadFile(dir)).seq;
    }
    // The head restored with the copy was older; the counter continues above the witness's.
    expect((await readHeadFile(dir)).counter).toBeGreaterThan(maxCounter);
    const r = await cli(dir, { GATEHOUSE_AUDIT_WITNESS: own }, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ROLLED BACK');
    expect(r.stdout).toMatch(/restored from an older copy and written again/);
  });

  test('a forged or missing witness fails instead of vouching', async () => {
    const forged = join(root, 'other-volume', 'forged.jsonl');
    const heads = witnessHeads();
    writeFileSync(
      forged,
      `${[...heads.map((h) => JSON.stringify(h)), JSON.stringify({ ...heads.at(-1)!, counter: heads.at(-1)!.counter + 1 })].join('\n')}\n`,
    );
    const r = await cli(dataDir, { GATEHOUSE_AUDIT_WITNESS: forged }, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`line ${heads.length + 1} of the witness`);
    expect(r.stdout).toContain('is not signed by the audit key');
    const garbage = join(root, 'other-volume', 'garbage.jsonl');
    writeFileSync(garbage, 'not a head\n');
    const none = await cli(dataDir, {}, 'verify', '--witness', garbage);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('holds no signed head');
    const missing = await cli(dataDir, {}, 'verify', '--witness', join(root, 'other-volume', 'gone.jsonl'));
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('is missing, so a rollback of the trail could not be detected');
  });
});

test('a line torn by a crash mid-append is passed over, and the next head starts a fresh line', async () => {
  const dir = join(root, 'torn-data');
  await copyDataDir(dataDir, dir);
  const own = join(root, 'other-volume', 'torn.jsonl');
  copyFileSync(witness, own);
  writeFileSync(own, `${readFileSync(own, 'utf8')}{"seq":1,"hash":"ab`);
  expect((await cli(dir, {}, 'verify', '--witness', own)).code).toBe(0);
  await run(dir, 1, undefined, own);
  const lines = readFileSync(own, 'utf8').trim().split('\n');
  const at = lines.indexOf('{"seq":1,"hash":"ab');
  expect(at).toBeGreaterThan(0);
  expect((JSON.parse(lines[at + 1]!) as Head).counter).toBeGreaterThan(
    (JSON.parse(lines[at - 1]!) as Head).counter,
  );
  expect(JSON.parse(lines.at(-1)!)).toEqual(await readHeadFile(dir));
  const r = await cli(dir, {}, 'verify', '--witness', own);
  expect(r.stdout).toContain('Audit trail intact');
  expect(r.code).toBe(0);
});

describe('GATEHOUSE_AUDIT_WITNESS is validated', () => {
  const problem = (value: string, data = dataDir) => {
    try {
      loadConfig({ GATEHOUSE_DATA_DIR: data, GATEHOUSE_AUDIT_WITNESS: value });
      return undefined;
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems.join('\n');
    }
  };

  test('a writable file outside the data dir is accepted', () => {
    expect(problem(witness)).toBeUndefined();
    expect(loadConfig({ GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_AUDIT_WITNESS: witness }).auditWitness).toBe(
      witness,
    );
    expect(problem(join(root, 'other-volume', 'new.jsonl'))).toBeUndefined();
  });

  test('unwritable or misplaced paths are refused with a clear error', () => {
    expect(problem('relative/witness.jsonl')).toContain('GATEHOUSE_AUDIT_WITNESS must be an absolute path');
    expect(problem(join(dataDir, 'witness.jsonl'))).toContain('must be outside GATEHOUSE_DATA_DIR');
    expect(problem(join(root, 'no-such-dir', 'w.jsonl'))).toContain(
      `cannot be written: its directory '${join(root, 'no-such-dir')}' does not exist`,
    );
    expect(problem(join(root, 'other-volume'))).toContain('is not a regular file');
    expect(problem(join(witness, 'below-a-file.jsonl'))).toContain('is not a directory');
  });

  test('a file of something else (a mistyped path), or one reached through a link into the data dir — refused, nothing appended', () => {
    const passwd = join(root, 'other-volume', 'passwd');
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\n');
    expect(problem(passwd)).toContain(
      `GATEHOUSE_AUDIT_WITNESS '${passwd}' holds something other than witness records (one signed head a line, {"seq":…,"hash":…}): Gatehouse appends to it and never writes into another file`,
    );
    expect(readFileSync(passwd, 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\n');
    const link = join(root, 'other-volume', 'data-link');
    symlinkSync(dataDir, link);
    expect(problem(join(link, 'w.jsonl'))).toContain('must be outside GATEHOUSE_DATA_DIR');
    // An empty file, and a witness whose only line a crash cut short, are the witness's own.
    const empty = join(root, 'other-volume', 'empty.jsonl');
    writeFileSync(empty, '');
    expect(problem(empty)).toBeUndefined();
    const torn = join(root, 'other-volume', 'torn-first.jsonl');
    writeFileSync(torn, '{"seq":0,"ha');
    expect(problem(torn)).toBeUndefined();
  });

  test('the server refuses to start with an unwritable witness (exit 2, the reason)', async () => {
    const p = Bun.spawn(['bun', MAIN, 'serve'], {
      env: {
        ...process.env,
        GATEHOUSE_DATA_DIR: join(root, 'refused'),
        GATEHOUSE_AUDIT_WITNESS: join(root, 'no-such-dir', 'w.jsonl'),
      },
      stdout: 'pipe',
      stderr: 'pipe',
      // Should it start after all, it is not left running.
      timeout: 15_000,
    });
    const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    expect(code).toBe(2);
    expect(stderr).toContain('GATEHOUSE_AUDIT_WITNESS cannot be written');
  });
});
