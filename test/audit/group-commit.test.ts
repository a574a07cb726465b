import { Database } from 'bun:sqlite';
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditKey, loadOrCreateAuditKey, signHash } from '../../src/audit/keys.ts';
import { type AuditInput, AuditService, PROBE_EVERY } from '../../src/audit/service.ts';
import { verifyChain } from '../../src/audit/verify.ts';
import { type Db, openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { recomputeFrom } from '../support/audit.ts';

/**
 * Group commit (issue 13): tool-call entries that arrive together share one transaction, each
 * caller's promise resolves only once its entry has committed, and only the batch's last entry
 * is signed; `verifyChain` still proves every entry and names the first bad one.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function trail(): { dir: string; db: Db; key: AuditKey; audit: AuditService } {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-group-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'gatehouse.db'));
  applyMigrations(db);
  const key = loadOrCreateAuditKey(dir);
  return {
    dir,
    db,
    key,
    audit: new AuditService(db, { now: () => 1_800_000_000_000 }, (h) => signHash(key, h)),
  };
}

const call = (i: number, extra: Partial<AuditInput> = {}): AuditInput => ({
  event: 'tool.call',
  outcome: 'allowed',
  teamId: 'team_t',
  tool: 'whoami',
  args: { i },
  ...extra,
});

interface Stored {
  seq: number;
  signature: string | null;
}
const rows = (db: Database | Db) =>
  ('$client' in db ? db.$client : db)
    .query<Stored, []>('SELECT seq, signature FROM audit_entries ORDER BY seq')
    .all();

describe('audit group commit', () => {
  test('record — calls arriving together share one transaction; only the batch end is signed', async () => {
    const { db, key, audit } = trail();
    const entries = await Promise.all(Array.from({ length: 20 }, (_, i) => audit.record(call(i))));
    expect(audit.batches).toBe(1);
    expect(entries.map((e) => e.seq)).toEqual(rows(db).map((r) => r.seq));
    const stored = rows(db);
    expect(stored.slice(0, -1).every((r) => r.signature === null)).toBe(true);
    expect(stored.at(-1)!.signature).toStartWith('ed25519:');
    expect(verifyChain(db.$client, key)).toMatchObject({ ok: true, checked: 20 });
  });

  test('record — each promise resolves only once its entry is committed and visible to another connection', async () => {
    const { dir, audit } = trail();
    const reader = new Database(join(dir, 'gatehouse.db'), { readonly: true });
    const seen: boolean[] = [];
    const pending = Array.from({ length: 8 }, (_, i) =>
      audit.record(call(i)).then((e) => {
        seen.push(reader.query('SELECT 1 FROM audit_entries WHERE id = ?').get(e.id) !== null);
      }),
    );
    // Nothing is written before the batch runs: the results wait for it.
    expect(reader.query<{ n: number }, []>('SELECT count(*) AS n FROM audit_entries').get()!.n).toBe(0);
    expect(audit.pending).toBe(8);
    await Promise.all(pending);
    expect(seen).toEqual(Array(8).fill(true));
    reader.close();
  });

  test('record — a batch that fails to commit rejects every caller and leaves no entry of it', async () => {
    const { db, audit } = trail();
    await audit.record(call(0));
    db.$client.run(
      `CREATE TEMP TRIGGER boom BEFORE INSERT ON audit_entries WHEN NEW.tool = 'boom'
       BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
    );
    const results = await Promise.allSettled([
      audit.record(call(1)),
      audit.record(call(2, { tool: 'boom' })),
      audit.record(call(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(rows(db)).toHaveLength(1);
  });

  test('record — the only call under way commits at once: its entry is in the trail before record returns', () => {
    const { dir, audit } = trail();
    const reader = new Database(join(dir, 'gatehouse.db'), { readonly: true });
    const count = () => reader.query<{ n: number }, []>('SELECT count(*) AS n FROM audit_entries').get()!.n;
    const only = audit.begin();
    void audit.record(call(1), only);
    expect(count()).toBe(1);
    expect(audit.pending).toBe(0);
    expect(audit.batches).toBe(1);
    reader.close();
  });

  test('record — while another call is under way, an entry waits for the turn so both can share a batch', async () => {
    const { db, audit } = trail();
    const first = audit.begin();
    const second = audit.begin();
    const one = audit.record(call(1), first);
    // The second call has not recorded yet: the first entry waits for the end of this turn.
    expect(audit.pending).toBe(1);
    const two = audit.record(call(2), second);
    await Promise.all([one, two]);
    expect(audit.batches).toBe(1);
    expect(rows(db)).toHaveLength(2);
  });

  test('record — calls that each end before the next is read still share batches once a turn shows them together', async () => {
    const { audit } = trail();
    // One at a time: committed at once, until the probe waits for its turn.
    for (let i = 0; i < PROBE_EVERY; i++) void audit.record(call(i), audit.begin());
    expect(audit.batches).toBe(PROBE_EVERY);
    const probe = audit.record(call(100), audit.begin());
    expect(audit.pending).toBe(1);
    // Two more calls, each begun and ended in the same turn (as synchronous tools are): they join it.
    const more = [audit.record(call(101), audit.begin()), audit.record(call(102), audit.begin())];
    await Promise.all([probe, ...more]);
    expect(audit.batches).toBe(PROBE_EVERY + 1);
    // Calls arrive together now: even the only call under way waits for its turn.
    const next = audit.record(call(103), audit.begin());
    expect(audit.pending).toBe(1);
    await next;
    // That turn held it alone: calls come one at a time again, and commit at once.
    void audit.record(call(104), audit.begin());
    expect(audit.pending).toBe(0);
  });

  test('begin — a call that ends without recording stops holding the others back; ending twice counts once', async () => {
    const { audit } = trail();
    const abandoned = audit.begin();
    const recording = audit.begin();
    abandoned.end();
    abandoned.end();
    void audit.record(call(1), recording);
    expect(audit.pending).toBe(0);
    // Entries recorded without a call of their own (not announced) still wait for the turn.
    const loose = audit.record(call(2));
    expect(audit.pending).toBe(1);
    await loose;
    expect(audit.batches).toBe(2);
  });

  test('appendTx — inside a rolled-back transaction leaves nothing; committed, it is signed itself', async () => {
    const { db, key, audit } = trail();
    expect(() =>
      db.transaction((tx) => {
        audit.appendTx(tx, call(1, { event: 'settings.changed' }));
        throw new Error('the state change failed');
      }),
    ).toThrow('the state change failed');
    expect(rows(db)).toHaveLength(0);
    const batch = Promise.all([audit.record(call(2)), audit.record(call(3))]);
    db.transaction((tx) => audit.appendTx(tx, call(4, { event: 'settings.changed' })));
    await batch;
    const stored = rows(db);
    expect(stored).toHaveLength(3);
    expect(stored[0]!.signature).toStartWith('ed25519:');
    expect(verifyChain(db.$client, key).ok).toBe(true);
  });

  test('verify — an altered entry inside a batch is named itself', async () => {
    const { db, key, audit } = trail();
    await Promise.all(Array.from({ length: 10 }, (_, i) => audit.record(call(i))));
    db.$client.run("UPDATE audit_entries SET reason = 'altered' WHERE seq = 4");
    const r = verifyChain(db.$client, key);
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ seq: 4 });
    expect(r.firstBad!.problem).toContain('altered');
    expect(r.checked).toBe(3);
  });

  test('verify — an entry removed from inside a batch is found at the entry after the gap', async () => {
    const { db, key, audit } = trail();
    await Promise.all(Array.from({ length: 10 }, (_, i) => audit.record(call(i))));
    db.$client.run('DELETE FROM audit_entries WHERE seq = 6');
    expect(verifyChain(db.$client, key).firstBad).toMatchObject({ seq: 7 });
  });

  test('verify — a batch rewritten with recomputed hashes is named at its first entry, through its signature', async () => {
    const { db, key, audit } = trail();
    await Promise.all(Array.from({ length: 5 }, (_, i) => audit.record(call(i)))); // #1–#5
    await Promise.all(Array.from({ length: 5 }, (_, i) => audit.record(call(i)))); // #6–#10
    recomputeFrom(db.$client, 8, (row) => {
      row.reason = 'forged';
    });
    const r = verifyChain(db.$client, key);
    expect(r.ok).toBe(false);
    expect(r.firstBad!.seq).toBe(6);
    expect(r.firstBad!.problem).toContain('vouches for entries #6–#10');
    expect(r.firstBad!.problem).toContain('is invalid');
    expect(r.checked).toBe(5);
  });

  test('verify — with signatures checked once per stretch, the first forged signed entry is still named', async () => {
    const { db, key, audit } = trail();
    for (let i = 0; i < 12; i++) await audit.record(call(i)); // one entry per batch: each signed
    recomputeFrom(db.$client, 5, (row) => {
      row.reason = 'forged';
    });
    for (const stretch of [1, 4, 100]) {
      const r = verifyChain(db.$client, key, undefined, undefined, { stretch });
      expect(r.firstBad).toMatchObject({ seq: 5 });
      expect(r.firstBad!.problem).toContain('signature is invalid');
    }
  });

  test('verify — entries added after the last signature (without the key) are refused', async () => {
    const { db, key, audit } = trail();
    await Promise.all(Array.from({ length: 3 }, (_, i) => audit.record(call(i))));
    db.$client.run('UPDATE audit_entries SET signature = NULL WHERE seq = 3');
    const r = verifyChain(db.$client, key);
    expect(r.firstBad).toMatchObject({ seq: 1 });
    expect(r.firstBad!.problem).toContain('no signature vouches for it');
  });

  test('verify — since a verified point walks only the entries after it; a point the trail does not hold is refused', async () => {
    const { db, key, audit } = trail();
    await Promise.all(Array.from({ length: 4 }, (_, i) => audit.record(call(i))));
    const first = verifyChain(db.$client, key);
    expect(first.last).toMatchObject({ seq: 4 });
    await Promise.all(Array.from({ length: 3 }, (_, i) => audit.record(call(i))));
    const next = verifyChain(db.$client, key, undefined, undefined, { since: first.last! });
    expect(next).toMatchObject({ ok: true, checked: 3, since: 4, last: { seq: 7 } });
    const forged = verifyChain(db.$client, key, undefined, undefined, {
      since: { seq: 4, hash: 'f'.repeat(64) },
    });
    expect(forged.ok).toBe(false);
    expect(forged.endProblem).toContain("no longer holds the checkpoint's entry #4");
    // A bad entry after the checkpoint is still named.
    db.$client.run("UPDATE audit_entries SET reason = 'altered' WHERE seq = 6");
    expect(verifyChain(db.$client, key, undefined, undefined, { since: first.last! }).firstBad).toMatchObject(
      {
        seq: 6,
      },
    );
  });
});
