/**
 * Several processes writing the signed head at once: commands run together (or beside a server)
 * each append to the trail and move the head. With a witness, every head it saw must keep a
 * counter that only grows, or `audit verify` reports a rollback that never happened.
 */
import { Database } from 'bun:sqlite';
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditHeadWriter, HEAD_LOCK_FILE, readHead } from '../../src/audit/head.ts';
import { loadOrCreateAuditKey, signHash } from '../../src/audit/keys.ts';
import { AuditService } from '../../src/audit/service.ts';
import { openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { forgetPostgres } from '../support/pg.ts';
import { runCliWith } from '../support/subprocess.ts';

setDefaultTimeout(30_000);

const root = mkdtempSync(join(tmpdir(), 'gatehouse-head-writers-'));
const dataDir = join(root, 'data');
const witness = join(root, 'witness', 'heads.jsonl');

afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await forgetPostgres(dataDir);
});

const cli = (...args: string[]) => runCliWith(dataDir, { GATEHOUSE_AUDIT_WITNESS: witness }, ...args);

describe('signed head writers in several processes', () => {
  test('six commands at once, with a witness — every head a new counter, and the trail verifies', async () => {
    mkdirSync(join(root, 'witness'));
    // On PostgreSQL nothing else creates it: the checkpoint is written there.
    mkdirSync(dataDir);
    const orgs = Array.from({ length: 6 }, (_, i) => `org_01JABCDEFGHJKMNPQRSTVWXW${i}0`);
    const runs = await Promise.all(orgs.map((org) => cli('teams', 'admit', org)));
    for (const r of runs) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const counters = readFileSync(witness, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { counter: number }).counter);
    expect(counters.length).toBeGreaterThan(0);
    for (let i = 1; i < counters.length; i++) expect(counters[i]!).toBeGreaterThan(counters[i - 1]!);
    const verify = await cli('audit', 'verify');
    expect(verify.stdout).toContain('Audit trail intact: 6 entries verified');
    expect(verify.code).toBe(0);
  });

  test('the server never waits for the head lock — held elsewhere, its interval flush skips, the next one writes', async () => {
    const dir = mkdtempSync(join(root, 'lock-'));
    const db = openDatabase(':memory:');
    applyMigrations(db);
    const key = loadOrCreateAuditKey(dir);
    const audit = new AuditService(db, { now: () => 1_800_000_000_000 }, (h) => signHash(key, h));
    const head = new AuditHeadWriter(db.$client, key, dir, () => 1_800_000_000_000);
    const entry = await audit.record({ event: 'tool.call', outcome: 'allowed', teamId: 't', tool: 'whoami' });
    // Another process writing its head holds the lock (a SQLite file's write lock).
    const other = new Database(join(dir, HEAD_LOCK_FILE));
    other.exec('BEGIN IMMEDIATE');
    // Had it waited, the lock still held, it would throw SQLITE_BUSY after its timeout.
    expect(() => head.flush(false)).not.toThrow();
    expect(readHead(head.path).kind).toBe('missing');
    other.exec('COMMIT');
    other.close();
    head.flush(false);
    expect(readHead(head.path)).toMatchObject({ kind: 'ok', head: { seq: entry.seq, hash: entry.hash } });
    head.close();
    db.$client.close();
  });

  test('a witness append retried after another writer witnessed a newer head — dropped, the witness stays in order', async () => {
    const base = mkdtempSync(join(root, 'retry-'));
    const dir = join(base, 'data');
    const witnessDir = join(base, 'witness'); // not there yet: the witness volume is briefly away
    const heads = join(witnessDir, 'heads.jsonl');
    const dbA = openDatabase(join(dir, 'gatehouse.db'));
    applyMigrations(dbA);
    const dbB = openDatabase(join(dir, 'gatehouse.db'));
    const key = loadOrCreateAuditKey(dir);
    const clock = { now: () => 1_800_000_000_000 };
    const auditA = new AuditService(dbA, clock, (h) => signHash(key, h));
    const auditB = new AuditService(dbB, clock, (h) => signHash(key, h));
    const errors: string[] = [];
    const log = { error: (m: string) => errors.push(m) };
    const server = new AuditHeadWriter(dbA.$client, key, dir, clock.now, { witness: heads, log });
    const command = new AuditHeadWriter(dbB.$client, key, dir, clock.now, { witness: heads, log });
    await auditA.record({ event: 'tool.call', outcome: 'allowed', teamId: 't', tool: 'whoami' });
    server.flush(); // head #1 written; its witness append fails and is kept for a retry
    expect(errors).toContain('audit witness could not be written; retrying at the next head');
    mkdirSync(witnessDir);
    auditB.append({ event: 'team.admitted', outcome: 'ok', teamId: 't', actorEmail: 'operator (cli)' });
    command.flush(); // head #2, witnessed
    server.flush(); // the retry of #1 comes after #2: dropped
    const counters = readFileSync(heads, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { counter: number }).counter);
    expect(counters).toEqual([2]);
    server.close();
    command.close();
    dbA.$client.close();
    dbB.$client.close();
  });

  test.skipIf(process.getuid?.() !== 0)(
    'a command run as root in a service user’s data dir — the head lock it creates is the service’s',
    async () => {
      const dir = mkdtempSync(join(root, 'owned-'));
      chownSync(dir, 65534, 65534);
      const db = openDatabase(':memory:');
      applyMigrations(db);
      const key = loadOrCreateAuditKey(dir);
      const audit = new AuditService(db, { now: () => 1_800_000_000_000 }, (h) => signHash(key, h));
      const head = new AuditHeadWriter(db.$client, key, dir, () => 1_800_000_000_000);
      await audit.record({ event: 'tool.call', outcome: 'allowed', teamId: 't', tool: 'whoami' });
      head.flush();
      expect(statSync(join(dir, HEAD_LOCK_FILE)).uid).toBe(65534);
      head.close();
      db.$client.close();
    },
  );
});
