import { expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditHeadWriter, readHead } from '../../src/audit/head.ts';
import { loadOrCreateAuditKey, signHash } from '../../src/audit/keys.ts';
import { AuditService } from '../../src/audit/service.ts';
import { openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';

test('audit head — at shutdown, a head that cannot be written is logged, never thrown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-head-'));
  const db = openDatabase(':memory:');
  applyMigrations(db);
  const key = loadOrCreateAuditKey(dir);
  const audit = new AuditService(db, { now: () => 1_800_000_000_000 }, (h) => signHash(key, h));
  const logged: string[] = [];
  const head = new AuditHeadWriter(db.$client, key, dir, () => 1_800_000_000_000, {
    log: { error: (msg) => logged.push(msg) },
  });
  await audit.record({ event: 'tool.call', outcome: 'allowed', teamId: 't', tool: 'whoami' });
  // The data directory goes away under a stopping server (a test harness, a bench clean-up).
  rmSync(dir, { recursive: true, force: true });
  expect(() => head.close()).not.toThrow();
  expect(logged).toContain('audit head could not be written at shutdown');
  db.$client.close();
});

test('audit head — upkeep that fails is logged and the head is written all the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-head-'));
  const db = openDatabase(':memory:');
  applyMigrations(db);
  const key = loadOrCreateAuditKey(dir);
  const audit = new AuditService(db, { now: () => 1_800_000_000_000 }, (h) => signHash(key, h));
  const logged: string[] = [];
  const head = new AuditHeadWriter(db.$client, key, dir, () => 1_800_000_000_000, {
    log: { error: (msg) => logged.push(msg) },
    upkeep: () => {
      throw new Error('database is locked');
    },
  });
  const entry = await audit.record({ event: 'tool.call', outcome: 'allowed', teamId: 't', tool: 'whoami' });
  head.flush();
  expect(logged).toContain('audit upkeep failed; retrying at the next head');
  expect(readHead(head.path)).toMatchObject({ kind: 'ok', head: { seq: entry.seq, hash: entry.hash } });
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

test('audit head — upkeep failing flush after flush is logged once, and its recovery once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-head-'));
  const db = openDatabase(':memory:');
  applyMigrations(db);
  const key = loadOrCreateAuditKey(dir);
  const logged: string[] = [];
  let broken = true;
  const head = new AuditHeadWriter(db.$client, key, dir, () => 1_800_000_000_000, {
    log: { error: (msg) => logged.push(msg), info: (msg) => logged.push(msg) },
    upkeep: () => {
      if (broken) throw new Error('database is locked');
    },
  });
  head.flush();
  head.flush();
  head.flush();
  broken = false;
  head.flush();
  head.flush();
  expect(logged).toEqual(['audit upkeep failed; retrying at the next head', 'audit upkeep works again']);
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});
