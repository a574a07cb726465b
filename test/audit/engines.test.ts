/**
 * The audit trail on whichever engine the suite runs on (docs/postgresql.md, "Audit on
 * PostgreSQL"): with DATABASE_URL set each test gets a PostgreSQL database of its own, else a
 * SQLite file. The signed head lives in the data dir on SQLite and in `audit_heads` on
 * PostgreSQL; two writers ("replicas": two connections to one database) keep one chain.
 */
import { afterAll, expect, setDefaultTimeout, test } from 'bun:test';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportEntries } from '../../src/audit/export.ts';
import { AuditHeadWriter, HEAD_FILE, readHeadRow, readStoredHead } from '../../src/audit/head.ts';
import { configuredAuditKey, signHash } from '../../src/audit/keys.ts';
import { type AuditEntry, AuditService, INLINE_MAX_CHARS } from '../../src/audit/service.ts';
import { verifyChain } from '../../src/audit/verify.ts';
import { DATABASE_FILE, type Db, openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/pg/open.ts';
import { freshPostgres, onPostgres } from '../support/pg.ts';

setDefaultTimeout(60_000);

const dirs: string[] = [];
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of drops) await drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const privateKey = generateKeyPairSync('ed25519').privateKey;
const key = configuredAuditKey({ dataDir: '/nonexistent', auditSigningKey: privateKey });
const sign = (hash: string) => signHash(key, hash);
const clock = { now: () => 1_800_000_000_000 };

/** A migrated database of the suite's engine, and a data dir; `open` is one more connection. */
async function store(): Promise<{ dir: string; where: string; open: () => Db }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-engines-'));
  dirs.push(dir);
  if (onPostgres) {
    const pg = await freshPostgres();
    drops.push(pg.drop);
    return { dir, where: pg.url, open: () => openPostgres({ url: pg.url, display: 'test database' }) };
  }
  const path = join(dir, DATABASE_FILE);
  const first = openDatabase(path);
  applyMigrations(first);
  first.$client.close();
  return { dir, where: path, open: () => openDatabase(path) };
}

const lastSeq = (db: Db) =>
  db.$client.query<{ seq: number }, []>('SELECT max(seq) AS seq FROM audit_entries').get()!.seq;

const call = (tool: string, args?: unknown) =>
  ({ event: 'tool.call', outcome: 'allowed', teamId: 'team_1', tool, args }) as const;

test('signed head — kept where the engine keeps it (audit_heads on PostgreSQL), and verify accepts the trail up to it', async () => {
  const s = await store();
  const db = s.open();
  const audit = new AuditService(db, clock, sign);
  const head = new AuditHeadWriter(db.$client, key, s.dir, clock.now);
  for (let i = 0; i < 5; i++) await audit.record(call(`tool_${i}`));
  head.flush();

  const stored = readStoredHead(db.$client, s.dir);
  if (stored.kind !== 'ok') throw new Error(`no head: ${JSON.stringify(stored)}`);
  expect(stored.head).toMatchObject({ seq: lastSeq(db), counter: 1 });
  expect(existsSync(join(s.dir, HEAD_FILE))).toBe(!onPostgres);
  if (onPostgres) expect(readHeadRow(db.$client)).toEqual(stored);
  const result = verifyChain(db.$client, key, stored);
  expect(result).toMatchObject({ ok: true, checked: 5, headSeq: lastSeq(db) });

  // Nothing appended since: no new head.
  head.flush();
  expect(head.headCounter).toBe(1);
  await audit.record(call('later'));
  head.close();
  expect(head.read()).toMatchObject({ kind: 'ok', head: { seq: lastSeq(db), counter: 2 } });
  db.$client.close();
});

test('truncated trail — verify reports the entries removed from the end against the stored head', async () => {
  const s = await store();
  const db = s.open();
  const audit = new AuditService(db, clock, sign);
  const head = new AuditHeadWriter(db.$client, key, s.dir, clock.now);
  for (let i = 0; i < 4; i++) await audit.record(call(`tool_${i}`));
  head.flush();
  const end = lastSeq(db);
  db.$client.run('DELETE FROM audit_entries WHERE seq = ?', [end]);

  const result = verifyChain(db.$client, key, readStoredHead(db.$client, s.dir));
  expect(result.ok).toBe(false);
  expect(result.endProblem).toContain(`records entry #${end}: entries were removed from the end`);
  db.$client.close();
});

test('two replicas — interleaved batches from two connections keep one chain that verify accepts', async () => {
  const s = await store();
  const a = s.open();
  const b = s.open();
  const replicas = [new AuditService(a, clock, sign), new AuditService(b, clock, sign)];
  const rounds = 12;
  const entries: AuditEntry[] = [];
  for (let r = 0; r < rounds; r++) {
    // Both replicas queue in the same turn: each writes its batch in a transaction of its own,
    // on its own connection, one after the other; each must chain to the other's last entry.
    const queued = replicas.flatMap((audit, i) =>
      [0, 1, 2].map((k) => audit.record(call(`replica_${i}_${r}_${k}`))),
    );
    entries.push(...(await Promise.all(queued)));
  }
  expect(replicas.map((audit) => audit.batches)).toEqual([rounds, rounds]);
  expect(new Set(entries.map((e) => e.seq)).size).toBe(entries.length);
  // Every entry's seq is the one its row has: the chain's order is the rows' order.
  const bySeq = new Map(entries.map((e) => [e.seq, e.hash]));
  const rows = a.$client
    .query<{ seq: number; hash: string }, []>('SELECT seq, hash FROM audit_entries')
    .all();
  expect(rows.every((row) => bySeq.get(row.seq) === row.hash)).toBe(true);

  const head = new AuditHeadWriter(b.$client, key, s.dir, clock.now);
  head.flush();
  const result = verifyChain(a.$client, key, readStoredHead(a.$client, s.dir));
  expect(result).toMatchObject({ ok: true, checked: rounds * 6, headSeq: lastSeq(a) });
  a.$client.close();
  b.$client.close();
});

test('two replicas — two processes appending at once keep one chain that verify accepts', async () => {
  const s = await store();
  const der = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
  const rounds = 30;
  const replicas = ['east', 'west'].map((name) =>
    Bun.spawn(
      [process.execPath, join(import.meta.dir, 'append-replica.ts'), s.where, der, String(rounds), name],
      {
        stdout: 'inherit',
        stderr: 'inherit',
      },
    ),
  );
  expect(await Promise.all(replicas.map((p) => p.exited))).toEqual([0, 0]);

  const db = s.open();
  new AuditHeadWriter(db.$client, key, s.dir, clock.now).flush();
  const result = verifyChain(db.$client, key, readStoredHead(db.$client, s.dir));
  expect(result).toMatchObject({ ok: true, checked: 2 * rounds * 5, headSeq: lastSeq(db) });
  db.$client.close();
});

test.skipIf(!onPostgres)(
  'two replicas — their head writers share the table and its counter, which only grows',
  async () => {
    const s = await store();
    const a = s.open();
    const b = s.open();
    const auditA = new AuditService(a, clock, sign);
    const auditB = new AuditService(b, clock, sign);
    // Both writers start before either has written: each takes the counter from the table.
    const headA = new AuditHeadWriter(a.$client, key, s.dir, clock.now);
    const headB = new AuditHeadWriter(b.$client, key, s.dir, clock.now);
    await auditA.record(call('on_a'));
    headA.flush();
    await auditB.record(call('on_b'));
    headB.flush();
    expect(readHeadRow(a.$client)).toMatchObject({ kind: 'ok', head: { seq: lastSeq(a), counter: 2 } });
    // A's writer sees the end B's head already names: it writes nothing.
    headA.flush();
    expect(readHeadRow(a.$client)).toMatchObject({ kind: 'ok', head: { counter: 2 } });
    await auditA.record(call('on_a_again'));
    headA.flush();
    expect(headA.headCounter).toBe(3);
    expect(verifyChain(b.$client, key, headB.read())).toMatchObject({ ok: true, checked: 3 });
    a.$client.close();
    b.$client.close();
  },
);

test('export — streams every entry in chain order, out-of-line values whole, past one fetch of rows', async () => {
  const s = await store();
  const db = s.open();
  const audit = new AuditService(db, clock, sign);
  const big = { text: 'x'.repeat(INLINE_MAX_CHARS + 10) };
  const queued = [audit.record(call('big', big))];
  // More rows than the PostgreSQL bridge fetches at once (src/db/pg/bridge.ts, ITERATE_BATCH).
  for (let i = 0; i < 1_100; i++) queued.push(audit.record(call(`tool_${i}`, { i })));
  await Promise.all(queued);

  const lines = [...exportEntries(db.$client, 'jsonl')].map((l) => JSON.parse(l));
  expect(lines.length).toBe(1_101);
  expect(lines[0]).toMatchObject({ tool: 'big', args: big, at: new Date(clock.now()).toISOString() });
  expect(lines.map((l) => l.seq)).toEqual([...lines.map((l) => l.seq)].sort((x, y) => x - y));
  expect(lines[1_100]).toMatchObject({ tool: 'tool_1099', args: { i: 1099 } });

  const csv = [...exportEntries(db.$client, 'csv', { since: clock.now(), teamId: 'team_1' })];
  expect(csv.length).toBe(1_102);
  expect([...exportEntries(db.$client, 'csv', { until: clock.now() })].length).toBe(1);
  db.$client.close();
});

test('key replacement on the suite’s engine — verify proves it; a taken-over trail and an unsigned end are refused', async () => {
  const s = await store();
  const db = s.open();
  try {
    const other = configuredAuditKey({
      dataDir: '/nonexistent',
      auditSigningKey: generateKeyPairSync('ed25519').privateKey,
    });
    const mine = new AuditService(db, clock, sign, key);
    mine.append(call('whoami'));
    const next = new AuditService(db, clock, (h) => signHash(other, h), other);
    expect(next.recordKeyReplacement(key.keyId)?.event).toBe('audit.key_replaced');
    next.append(call('whoami'));
    expect(verifyChain(db.$client, other)).toMatchObject({
      ok: true,
      checked: 3,
      replacements: [
        { seq: lastSeq(db) - 1, previous: key.keyId, next: other.keyId, previousChecked: false },
      ],
    });
    // The first key signed this trail before the other: it may not declare that one lost.
    expect(() => mine.recordKeyReplacement(other.keyId)).toThrow(
      `but this key (${key.keyId}) signed it before, from entry #`,
    );
    // An entry added without any key ends the trail: nothing is chained over it.
    new AuditService(db, clock).append(call('whoami'));
    expect(() => next.append(call('whoami'))).toThrow('which carries no valid signature');
  } finally {
    await db.$client.close();
  }
});
