import { afterEach, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_FILE, readCheckpoint, writeCheckpoint } from '../../src/audit/checkpoint.ts';
import { AuditHeadWriter, readStoredHead } from '../../src/audit/head.ts';
import { headMessage } from '../../src/audit/head-store.ts';
import { type AuditKey, loadOrCreateAuditKey, signHash, signMessage } from '../../src/audit/keys.ts';
import { AuditService } from '../../src/audit/service.ts';
import { declarationLeftSet, signingKeyFor } from '../../src/audit/signing-key.ts';
import { describeResult, verifyChain } from '../../src/audit/verify.ts';
import { snapshotWitness } from '../../src/audit/witness.ts';
import { ConfigError } from '../../src/config/index.ts';
import { type Db, openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { AppError } from '../../src/errors/app-error.ts';
import { recomputeFrom } from '../support/audit.ts';

/**
 * A trail whose key was declared lost (README "Losing the audit key"): verify proves it whole with
 * the new key, the lost key's entries by the chain up to the replacement, and by their own
 * signatures when the old public half is given. No other change of key passes.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const clock = { now: () => 1_800_000_000_000 };

function newKey(): AuditKey {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-replaced-key-'));
  dirs.push(dir);
  return loadOrCreateAuditKey(dir);
}

function database(): Db {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-replaced-trail-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'gatehouse.db'));
  applyMigrations(db);
  return db;
}

const signer = (db: Db, key: AuditKey) => new AuditService(db, clock, (h) => signHash(key, h), key);
const entry = { event: 'team.admitted', outcome: 'allowed' } as const;
const call = (i: number) =>
  ({ event: 'tool.call', outcome: 'allowed', tool: 'whoami', args: { i } }) as const;

/** Every entry from `from` on signed again with `key` (the signature column is outside the hashes). */
function resign(db: Db, key: AuditKey, from: number): void {
  const rows = db.$client
    .query<{ seq: number; hash: string }, [number]>('SELECT seq, hash FROM audit_entries WHERE seq >= ?')
    .all(from);
  for (const row of rows)
    db.$client.run('UPDATE audit_entries SET signature = ? WHERE seq = ?', [
      signHash(key, row.hash),
      row.seq,
    ]);
}

/**
 * A writer signing with `key` that does not check whose trail it is (as someone holding that key
 * and the database could write), and an `audit.key_replaced` entry it appends with `details`.
 */
function unchecked(db: Db, key: AuditKey): AuditService {
  return new AuditService(db, clock, (h) => signHash(key, h));
}
const replacedBy = (writer: AuditService, details: unknown) =>
  writer.append({ event: 'audit.key_replaced', outcome: 'allowed', details });

/** Entries 1–5 signed by `lost` (a batch of three among them), #6 the replacement, #7–#8 by `next`. */
async function replacedTrail(): Promise<{ db: Db; lost: AuditKey; next: AuditKey }> {
  const db = database();
  const lost = newKey();
  const next = newKey();
  const before = signer(db, lost);
  before.append(entry);
  await Promise.all([1, 2, 3].map((i) => before.record(call(i))));
  before.append(entry);
  const after = signer(db, next);
  expect(after.recordKeyReplacement(lost.keyId)?.seq).toBe(6);
  after.append(entry);
  after.append(entry);
  return { db, lost, next };
}

test('verify after a declared replacement — intact with the new key alone, the lost key’s part proved by the chain', async () => {
  const { db, lost, next } = await replacedTrail();
  const r = verifyChain(db.$client, next);
  expect(r).toMatchObject({
    ok: true,
    checked: 8,
    replacements: [{ seq: 6, previous: lost.keyId, next: next.keyId, previousChecked: false }],
  });
  expect(describeResult(r)).toContain(
    `At entry #6 key ${lost.keyId} was declared lost and key ${next.keyId} signed on: the entries before it, which name key ${lost.keyId}, are proved only as they stood when the replacement was recorded (by the chain key ${next.keyId} signed from there); nothing checked that key ${lost.keyId} signed them (give its public half with --replaced-key).`,
  );
  db.$client.close();
});

test('verify with the lost key’s public half — its own signatures are checked too, and a bad one is named', async () => {
  const { db, lost, next } = await replacedTrail();
  const r = verifyChain(db.$client, next, undefined, undefined, { replaced: [lost] });
  expect(r.replacements).toEqual([{ seq: 6, previous: lost.keyId, next: next.keyId, previousChecked: true }]);
  expect(describeResult(r)).toContain(
    `the entries before it were checked with key ${lost.keyId}'s public half`,
  );
  // A signature of the lost key damaged in place (the hash chain untouched): only the check
  // against that key's own signatures can see it.
  const sig = db.$client
    .query<{ signature: string }, []>('SELECT signature FROM audit_entries WHERE seq = 1')
    .get()!.signature;
  const other = signHash(lost, 'ab'.repeat(32));
  db.$client.run('UPDATE audit_entries SET signature = ? WHERE seq = 1', [other]);
  expect(sig).not.toBe(other);
  expect(verifyChain(db.$client, next, undefined, undefined, { replaced: [lost], stretch: 1 })).toMatchObject(
    {
      ok: false,
      firstBad: { seq: 1 },
    },
  );
  expect(verifyChain(db.$client, next, undefined, undefined, { stretch: 1 }).ok).toBe(true);
  db.$client.close();
});

test('verify with the lost key as the audit key — broken at the replacement, saying how to verify instead', async () => {
  const { db, lost, next } = await replacedTrail();
  const r = verifyChain(db.$client, lost);
  expect(r).toMatchObject({ ok: false, firstBad: { seq: 6 } });
  expect(r.firstBad!.problem).toBe(
    `it was signed by another key: this entry claims the audit key was replaced by key ${next.keyId} (an audit.key_replaced entry that key signed). If you declared that replacement (GATEHOUSE_AUDIT_KEY_REPLACES) and key ${next.keyId} is your audit key now, verify with its public half and this one as --replaced-key; if not, another key signed the trail from here`,
  );
  db.$client.close();
});

test('an entry before the replacement altered and the chain recomputed without a key — broken', async () => {
  const { db, next } = await replacedTrail();
  recomputeFrom(db.$client, 3, (row) => {
    row.reason = 'rewritten';
  });
  const r = verifyChain(db.$client, next);
  expect(r.ok).toBe(false);
  expect(r.firstBad!.seq).toBeLessThanOrEqual(6);
  expect(r.firstBad!.problem).toContain('is invalid');
  db.$client.close();
});

test('a change of key without a declared replacement — broken at the first entry the other key signed', () => {
  const db = database();
  const k1 = newKey();
  const k2 = newKey();
  signer(db, k1).append(entry);
  signer(db, k1).append(entry);
  // No key id given: this writer does not stop at a trail another key signed.
  unchecked(db, k2).append(entry);
  expect(verifyChain(db.$client, k2)).toMatchObject({
    ok: false,
    firstBad: { seq: 3, problem: 'it was signed by another key' },
  });
  expect(verifyChain(db.$client, k1)).toMatchObject({
    ok: false,
    firstBad: { seq: 3, problem: 'it was signed by another key' },
  });
  db.$client.close();
});

test('a replacement written by someone with another key — the trail’s end is not the audit key’s: broken', () => {
  const db = database();
  const k1 = newKey();
  const intruder = newKey();
  signer(db, k1).append(entry);
  // A forged declaration, chained and signed as recordKeyReplacement would write it.
  const forger = unchecked(db, intruder);
  replacedBy(forger, {
    previous_key_id: k1.keyId,
    key_id: intruder.keyId,
    declared_by: 'GATEHOUSE_AUDIT_KEY_REPLACES',
  });
  forger.append(entry);
  const r = verifyChain(db.$client, k1);
  expect(r).toMatchObject({ ok: false, firstBad: { seq: 2 } });
  expect(r.firstBad!.problem).toContain(
    `it was signed by another key: this entry claims the audit key was replaced by key ${intruder.keyId}`,
  );
  db.$client.close();
});

test('a replacement entry that does not match its signatures — broken there', () => {
  for (const details of [
    { previous_key_id: '0123456789abcdef', key_id: 'NEXT' },
    { previous_key_id: 'PREV', key_id: 'fedcba9876543210' },
    { key_id: 'NEXT' },
    'not an object',
  ]) {
    const db = database();
    const k1 = newKey();
    const k2 = newKey();
    signer(db, k1).append(entry);
    const fill = (v: unknown) => (v === 'NEXT' ? k2.keyId : v === 'PREV' ? k1.keyId : v);
    replacedBy(
      unchecked(db, k2),
      typeof details === 'string'
        ? details
        : Object.fromEntries(Object.entries(details).map(([k, v]) => [k, fill(v)])),
    );
    const r = verifyChain(db.$client, k2, undefined, undefined, { replaced: [k1] });
    expect(r).toMatchObject({ ok: false, firstBad: { seq: 2 } });
    expect(r.firstBad!.problem).toContain('it was not written by a declared replacement');
    db.$client.close();
  }
});

test('a witness across the replacement — heads the lost key signed pass with its public half, and are named without it', async () => {
  const db = database();
  const lost = newKey();
  const next = newKey();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-replaced-witness-'));
  dirs.push(dir);
  const witness = join(dir, 'witness.jsonl');
  signer(db, lost).append(entry);
  const oldHeads = new AuditHeadWriter(db.$client, lost, dir, clock.now, { witness });
  oldHeads.flush();
  oldHeads.close();
  const after = signer(db, next);
  after.recordKeyReplacement(lost.keyId);
  after.append(entry);
  const newHeads = new AuditHeadWriter(db.$client, next, dir, clock.now, { witness });
  newHeads.flush();
  newHeads.close();
  const head = readStoredHead(db.$client, dir);
  expect(verifyChain(db.$client, next, head, snapshotWitness(witness), { replaced: [lost] })).toMatchObject({
    ok: true,
    witnessHeads: 2,
  });
  const without = verifyChain(db.$client, next, head, snapshotWitness(witness));
  expect(without.ok).toBe(false);
  expect(without.witnessProblem).toStartWith(
    `line 1 of the witness (${witness}) is not signed by the audit key (`,
  );
  db.$client.close();
});

test('entries altered before the replacement was recorded — proved as they stood by the new key alone, BROKEN with the lost key’s public half', async () => {
  const db = database();
  const lost = newKey();
  const next = newKey();
  const before = signer(db, lost);
  before.append(entry);
  await Promise.all([1, 2, 3].map((i) => before.record(call(i))));
  before.append(entry);
  // The key is lost; before the replacement is declared, someone with the database alone
  // rewrites #3 and the hashes after it (the lost key's signatures on #4 and #5 go stale).
  recomputeFrom(db.$client, 3, (row) => {
    row.reason = 'rewritten';
  });
  const after = signer(db, next);
  after.recordKeyReplacement(lost.keyId);
  after.append(entry);
  expect(verifyChain(db.$client, next).ok).toBe(true);
  // With its public half, the lost key's last signature is checked at the replacement itself,
  // not only at the next stretch of SIGNATURE_STRETCH entries: the batch holding #3 is named.
  const r = verifyChain(db.$client, next, undefined, undefined, { replaced: [lost] });
  expect(r).toMatchObject({ ok: false, firstBad: { seq: 2 } });
  expect(r.firstBad!.problem).toContain(
    'the signature of entry #4, which vouches for entries #2–#4 (one batch), is invalid',
  );
  db.$client.close();
});

test('a key that signs again after another took over — verify BROKEN, and neither the service nor a start will declare the other lost', () => {
  const db = database();
  const k1 = newKey();
  const intruder = newKey();
  signer(db, k1).append(entry);
  const forger = unchecked(db, intruder);
  replacedBy(forger, { previous_key_id: k1.keyId, key_id: intruder.keyId });
  forger.append(entry);
  // The service holding k1 is told the truth: k1 signed this trail before the other key did.
  const k1Service = signer(db, k1);
  let refused: unknown;
  try {
    k1Service.recordKeyReplacement(intruder.keyId);
  } catch (e) {
    refused = e;
  }
  expect(refused).toBeInstanceOf(ConfigError);
  const said = (refused as ConfigError).problems.join('');
  expect(said).toContain(
    `The audit trail's newest entries are signed with key ${intruder.keyId}, but this key (${k1.keyId}) signed it before, from entry #1: key ${intruder.keyId} did not replace a lost key`,
  );
  expect(said).toContain('do not declare it lost');
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-taken-over-'));
  dirs.push(dir);
  expect(() =>
    signingKeyFor(
      { dataDir: dir, auditSigningKey: k1.privateKey, auditKeyReplaces: intruder.keyId },
      db.$client,
    ),
  ).toThrow(
    // The intruder's entry claims k1 was declared lost: the start says so, and what if it was not.
    `This key (${k1.keyId}) was declared lost at entry #2 of the audit trail (an audit.key_replaced entry signed with key ${intruder.keyId}), and a key declared lost never signs again. If that replacement was yours, configure key ${intruder.keyId} here (GATEHOUSE_AUDIT_SIGNING_KEY or its key files); if it was not, key ${intruder.keyId} is not yours`,
  );
  // Written anyway (by a writer that does not check): verify refuses the key signing again.
  replacedBy(unchecked(db, k1), { previous_key_id: intruder.keyId, key_id: k1.keyId });
  const r = verifyChain(db.$client, k1);
  expect(r).toMatchObject({ ok: false, firstBad: { seq: 4 } });
  expect(r.firstBad!.problem).toBe(
    `it records a replacement by key ${k1.keyId}, which had signed the trail before: a key declared lost never signs again, so another key signed the entries in between`,
  );
  db.$client.close();
});

test('an end added without the key (unsigned, or a signature that only looks like the key’s) — nothing is chained or signed over it, no head vouches for it', async () => {
  const k1 = newKey();
  for (const forged of [
    null,
    `ed25519:${k1.keyId}:AAAA`,
    // The key's real signature, but over another hash.
    signHash(k1, 'cd'.repeat(32)),
  ]) {
    const db = database();
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-unsigned-end-'));
    dirs.push(dir);
    const audit = signer(db, k1);
    audit.append(entry);
    const heads = new AuditHeadWriter(db.$client, k1, dir, clock.now);
    heads.flush();
    const headBefore = readStoredHead(db.$client, dir);
    // Added with the database alone: chained, but signed by nobody (or said to be).
    new AuditService(db, clock).append(entry);
    db.$client.run('UPDATE audit_entries SET signature = ? WHERE seq = 2', [forged]);
    expect(() => audit.append(entry)).toThrow(
      'The audit trail ends with entry #2, which carries no valid signature of the audit key: it was added without the key.',
    );
    const failed = await audit.record(call(1)).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(AppError);
    expect((failed as AppError).code).toBe('unavailable');
    // A fresh service (a restart) checks the end too: it did not write it.
    expect(() => signer(db, k1).append(entry)).toThrow('carries no valid signature of the audit key');
    heads.flush();
    heads.close();
    expect(readStoredHead(db.$client, dir)).toEqual(headBefore);
    expect(db.$client.query('SELECT count(*) AS n FROM audit_entries').get()).toEqual({ n: 2 });
    expect(verifyChain(db.$client, k1)).toMatchObject({ ok: false, firstBad: { seq: 2 } });
    db.$client.close();
  }
});

test('a trail re-signed with an intruder’s key (the signature column is outside the hashes) — its signed head still says whose it was', () => {
  const db = database();
  const k1 = newKey();
  const intruder = newKey();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-resigned-'));
  dirs.push(dir);
  signer(db, k1).append(entry);
  signer(db, k1).append(entry);
  const heads = new AuditHeadWriter(db.$client, k1, dir, clock.now);
  heads.flush();
  heads.close();
  // Every signature replaced by the intruder's over the same hashes, then an entry of theirs.
  resign(db, intruder, 1);
  unchecked(db, intruder).append(entry);
  expect(() =>
    signingKeyFor(
      { dataDir: dir, auditSigningKey: k1.privateKey, auditKeyReplaces: intruder.keyId },
      db.$client,
    ),
  ).toThrow(
    `The audit trail's newest entries are signed with key ${intruder.keyId}, but this key (${k1.keyId}) signed it before, up to entry #2 (its signed head): key ${intruder.keyId} did not replace a lost key`,
  );
  db.$client.close();
});

test('a head the lost key signed — trusted for an entry before its replacement, never for one after', async () => {
  const { db, lost, next } = await replacedTrail();
  const hashOf = (seq: number) =>
    db.$client.query<{ hash: string }, [number]>('SELECT hash FROM audit_entries WHERE seq = ?').get(seq)!
      .hash;
  const head = (seq: number) => {
    const h = { seq, hash: hashOf(seq), at: clock.now(), counter: 1 };
    return { kind: 'ok' as const, head: { ...h, signature: signMessage(lost, headMessage(h)) } };
  };
  expect(verifyChain(db.$client, next, head(5), undefined, { replaced: [lost] })).toMatchObject({ ok: true });
  // A stolen key's head naming an end after the replacement would let that end be cut off.
  expect(verifyChain(db.$client, next, head(8), undefined, { replaced: [lost] })).toMatchObject({
    ok: false,
    endProblem: 'the signed head is not signed by the audit key',
  });
  db.$client.close();
});

test('a start with the key the trail declared lost — told which key signs now, not to restore', async () => {
  const { db, lost, next } = await replacedTrail();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-stale-key-'));
  dirs.push(dir);
  expect(() => signingKeyFor({ dataDir: dir, auditSigningKey: lost.privateKey }, db.$client)).toThrow(
    `This key (${lost.keyId}) was declared lost at entry #6 of the audit trail (an audit.key_replaced entry signed with key ${next.keyId}), and a key declared lost never signs again. If that replacement was yours, configure key ${next.keyId} here`,
  );
  db.$client.close();
});

test('rows numbered below 1 — outside the walk, so verify names them', async () => {
  const { db, next } = await replacedTrail();
  db.$client.run(
    "INSERT INTO audit_entries (seq, id, at, event, outcome, prev_hash, hash) VALUES (-5, 'aud_stray', 1, 'team.admitted', 'allowed', 'x', 'y')",
  );
  expect(verifyChain(db.$client, next)).toMatchObject({
    ok: false,
    firstBad: {
      seq: -5,
      id: 'aud_stray',
      problem:
        'its seq is not positive: the trail numbers its entries from 1, so it was added outside the trail',
    },
  });
  db.$client.close();
});

test('the start’s evidence and advice — a stray or unsigned replacement row is not believed; a checkpoint shows whose trail it was; a declaration left set is warned of', async () => {
  const { db, lost, next } = await replacedTrail();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-evidence-'));
  dirs.push(dir);
  // A row outside the trail, and an unsigned one, each claiming `lost` was replaced by an intruder.
  const intruder = newKey();
  const claim = JSON.stringify({ previous_key_id: lost.keyId, key_id: intruder.keyId });
  db.$client.run(
    "INSERT INTO audit_entries (seq, id, at, event, outcome, details, prev_hash, hash) VALUES (-1, 'aud_stray', 1, 'audit.key_replaced', 'allowed', ?, 'x', 'y')",
    [claim],
  );
  expect(() => signingKeyFor({ dataDir: dir, auditSigningKey: lost.privateKey }, db.$client)).toThrow(
    `This key (${lost.keyId}) was declared lost at entry #6 of the audit trail (an audit.key_replaced entry signed with key ${next.keyId})`,
  );
  db.$client.run('DELETE FROM audit_entries WHERE seq = -1');
  // The declaration, once the trail is the new key's, is warned of.
  expect(
    declarationLeftSet(
      { dataDir: dir, auditSigningKey: undefined, auditKeyReplaces: lost.keyId },
      next,
      db.$client,
    ),
  ).toContain(
    `GATEHOUSE_AUDIT_KEY_REPLACES=${lost.keyId} is still set, but the audit trail is already signed with this key (${next.keyId}): unset it.`,
  );
  expect(declarationLeftSet({ dataDir: dir, auditSigningKey: undefined }, next, db.$client)).toBeUndefined();
  // The new key's entries re-signed by an intruder (the signature column is outside the hashes),
  // and no head: the checkpoint its last verify wrote still shows the new key signed this trail.
  writeCheckpoint(join(dir, CHECKPOINT_FILE), next, verifyChain(db.$client, next).last!, clock.now());
  resign(db, intruder, 6);
  expect(() =>
    signingKeyFor(
      { dataDir: dir, auditSigningKey: next.privateKey, auditKeyReplaces: intruder.keyId },
      db.$client,
    ),
  ).toThrow(
    `but this key (${next.keyId}) signed it before, up to entry #8 (the checkpoint of its last verify)`,
  );
  db.$client.close();
});

test('a checkpoint the replaced key wrote — refused as another key’s, with what to do', async () => {
  const { db, lost, next } = await replacedTrail();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-old-checkpoint-'));
  dirs.push(dir);
  const path = join(dir, CHECKPOINT_FILE);
  writeCheckpoint(path, lost, { seq: 5, hash: 'ab'.repeat(32) }, clock.now());
  expect(readCheckpoint(path, next)).toEqual({
    kind: 'refused',
    why: `the checkpoint ${path} is signed by another key than the audit key ${next.keyId} (one it replaced, or not the trail's): run a full verify, which writes a checkpoint of this key`,
  });
  db.$client.close();
});

test('a signed entry copied to the end (its seq is outside its hash) — not chained onto, no head over it, so a cut behind it shows', () => {
  const db = database();
  const k1 = newKey();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-copied-end-'));
  dirs.push(dir);
  const audit = signer(db, k1);
  for (let i = 0; i < 10; i++) audit.append(entry);
  const heads = new AuditHeadWriter(db.$client, k1, dir, clock.now);
  heads.flush();
  expect(readStoredHead(db.$client, dir)).toMatchObject({ kind: 'ok', head: { seq: 10 } });
  // Entry #8 copied word for word to #11: its signature is valid, its link is to #7.
  db.$client.run(
    `INSERT INTO audit_entries (seq, id, at, event, team_id, user_id, actor_email, client_id, family_id, session_id, tool,
       environment, outcome, reason, args, latency_ms, details, args_sha256, args_bytes, details_sha256, details_bytes,
       prev_hash, hash, signature)
     SELECT 11, id, at, event, team_id, user_id, actor_email, client_id, family_id, session_id, tool, environment, outcome,
       reason, args, latency_ms, details, args_sha256, args_bytes, details_sha256, details_bytes, prev_hash, hash, signature
     FROM audit_entries WHERE seq = 8`,
  );
  // A fresh service (it did not write #10 either) refuses to chain onto it; so does this one.
  for (const service of [audit, signer(db, k1)])
    expect(() => service.append(entry)).toThrow(
      "The audit trail's end (entry #11) is not chained as written: entry #11 does not link to the entry before it.",
    );
  heads.flush();
  heads.close();
  expect(readStoredHead(db.$client, dir)).toMatchObject({ kind: 'ok', head: { seq: 10 } });
  // The cut behind the copy, which a head over it would have hidden, shows.
  db.$client.run('DELETE FROM audit_entries WHERE seq BETWEEN 8 AND 10');
  expect(verifyChain(db.$client, k1, readStoredHead(db.$client, dir))).toMatchObject({
    ok: false,
    endProblem: expect.stringContaining('is not the entry the signed head'),
  });
  db.$client.close();
});

test('the console’s page index edited in the database — verify names it, and a row past the trail’s end stops no indexing', () => {
  const db = database();
  const k1 = newKey();
  const audit = signer(db, k1);
  for (let i = 0; i < 4; i++) audit.append({ ...entry, teamId: 'team_a' });
  expect(audit.settlePages()).toBe(4);
  expect(verifyChain(db.$client, k1).ok).toBe(true);
  const pages = () => db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM audit_pages').get()!.n;
  // A row far past the trail's end: later entries are still indexed, and verify names the row.
  db.$client.run(
    "INSERT INTO audit_pages (seq, team_id, at, outcome, event) VALUES (9000000000000000, NULL, 0, 'allowed', 'x')",
  );
  audit.append({ ...entry, teamId: 'team_a' });
  expect(audit.settlePages()).toBe(1);
  expect(pages()).toBe(6);
  expect(verifyChain(db.$client, k1)).toMatchObject({
    ok: false,
    endProblem:
      "the console's page index (audit_pages) does not match the trail at #9000000000000000: the console's filtered pages would misfile or show an entry the trail does not hold",
  });
  db.$client.run('DELETE FROM audit_pages WHERE seq = 9000000000000000');
  // An entry misfiled under another team, or its row removed.
  db.$client.run("UPDATE audit_pages SET team_id = 'team_b' WHERE seq = 2");
  expect(verifyChain(db.$client, k1).endProblem).toStartWith(
    "the console's page index (audit_pages) does not match the trail at #2",
  );
  db.$client.run("UPDATE audit_pages SET team_id = 'team_a' WHERE seq = 2");
  db.$client.run('DELETE FROM audit_pages WHERE seq = 3');
  expect(verifyChain(db.$client, k1).endProblem).toBe(
    "the console's page index (audit_pages) has no row for entry #3: the console's filtered pages would not show it",
  );
  db.$client.close();
});
