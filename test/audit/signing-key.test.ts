import { afterAll, expect, test } from 'bun:test';
import { generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditHeadWriter } from '../../src/audit/head.ts';
import { loadOrCreateAuditKey, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, signHash } from '../../src/audit/keys.ts';
import { AuditService } from '../../src/audit/service.ts';
import { signingKeyFor } from '../../src/audit/signing-key.ts';
import { ConfigError } from '../../src/config/index.ts';
import { openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { systemClock } from '../../src/kernel/clock.ts';
import { gatehouse, isRoot, UNPRIVILEGED } from '../cli/run.ts';

// The key that signs must be the trail's: a key file replaced, damaged, or another
// GATEHOUSE_AUDIT_SIGNING_KEY would sign entries `audit verify` then calls BROKEN.
const root = mkdtempSync(join(tmpdir(), 'gatehouse-signing-key-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const dir = join(root, `d${n++}`);
  loadOrCreateAuditKey(dir);
  return dir;
};
const problem = (act: () => unknown): string => {
  try {
    act();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join('\n');
    throw e;
  }
  return '';
};
const pem = () =>
  generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

test('loadOrCreateAuditKey — a private key that is not the public key’s pair: refused naming both', () => {
  const dir = fresh();
  writeFileSync(join(dir, PRIVATE_KEY_FILE), pem());
  expect(problem(() => loadOrCreateAuditKey(dir))).toMatch(
    /audit-ed25519\.key \(key [0-9a-f]{16}\) is not the private half of audit-ed25519\.pub \(key [0-9a-f]{16}\), so what it signs would not verify\. Put back the pair the trail was signed with/,
  );
});

test('loadOrCreateAuditKey — a damaged key file (private or public): refused naming it, not an OpenSSL code', () => {
  for (const file of [PRIVATE_KEY_FILE, PUBLIC_KEY_FILE]) {
    const dir = fresh();
    writeFileSync(join(dir, file), 'garbage\n');
    const half = file === PRIVATE_KEY_FILE ? 'private' : 'public';
    expect(problem(() => loadOrCreateAuditKey(dir))).toBe(
      `${join(dir, file)} is not an Ed25519 ${half} key in PEM: it was damaged or replaced. Put it back from a backup (gatehouse restore)`,
    );
  }
  const rsa = fresh();
  writeFileSync(
    join(rsa, PRIVATE_KEY_FILE),
    generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
  );
  expect(problem(() => loadOrCreateAuditKey(rsa))).toContain('is not an Ed25519 private key in PEM');
});

test.skipIf(!isRoot())(
  'a key file the service user cannot read — refused naming the file and the user',
  async () => {
    const dir = fresh();
    // The data dir is the service's; the key in it root's alone.
    chmodSync(root, 0o755);
    chownSync(dir, UNPRIVILEGED, UNPRIVILEGED);
    chmodSync(join(dir, PRIVATE_KEY_FILE), 0o600);
    const r = await gatehouse(['teams', 'list'], { env: { GATEHOUSE_DATA_DIR: dir }, unprivileged: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, PRIVATE_KEY_FILE)} cannot be read by uid 65534 (EACCES)`);
    // verify needs only the public key: the trail is intact, and no checkpoint is written.
    expect(
      (await gatehouse(['teams', 'admit', 'org_0000000001'], { env: { GATEHOUSE_DATA_DIR: dir } })).code,
    ).toBe(0);
    for (const f of readdirSync(dir))
      if (f !== PRIVATE_KEY_FILE) chownSync(join(dir, f), UNPRIVILEGED, UNPRIVILEGED);
    const v = await gatehouse(['audit', 'verify'], { env: { GATEHOUSE_DATA_DIR: dir }, unprivileged: true });
    expect(v.stdout).toContain('intact');
    expect(v.stdout).toContain(
      `No checkpoint written: ${join(dir, PRIVATE_KEY_FILE)} cannot be read by uid 65534 (EACCES)`,
    );
    expect(v.code).toBe(0);
  },
);

test('signingKeyFor — another key than the trail’s (configured, or a new pair in the data dir): refused before it signs', () => {
  const dir = fresh();
  const db = openDatabase(join(dir, 'gatehouse.db'));
  try {
    applyMigrations(db);
    const key = loadOrCreateAuditKey(dir);
    new AuditService(db, systemClock, (h) => signHash(key, h)).append({
      event: 'team.admitted',
      outcome: 'allowed',
    });
    expect(signingKeyFor({ dataDir: dir, auditSigningKey: undefined }, db.$client).keyId).toBe(key.keyId);

    const other = generateKeyPairSync('ed25519').privateKey;
    expect(problem(() => signingKeyFor({ dataDir: dir, auditSigningKey: other }, db.$client))).toMatch(
      new RegExp(
        `^The audit trail is signed with key ${key.keyId}, but GATEHOUSE_AUDIT_SIGNING_KEY is key [0-9a-f]{16}: what it signed would not verify as the same trail\\. Configure the key the trail was signed with; if it is lost for good, first run \`gatehouse audit verify\` \\(a key you never held is not yours to declare lost\\), then set GATEHOUSE_AUDIT_KEY_REPLACES=${key.keyId} to sign on with a new key, for one start`,
      ),
    );
    // A whole new pair in the data dir (both files replaced): the pair matches, the trail does not.
    const moved = join(root, `pair-${n}`);
    copyFileSync(join(dir, PRIVATE_KEY_FILE), `${moved}.key`);
    rmSync(join(dir, PRIVATE_KEY_FILE));
    rmSync(join(dir, PUBLIC_KEY_FILE));
    loadOrCreateAuditKey(dir);
    expect(problem(() => signingKeyFor({ dataDir: dir, auditSigningKey: undefined }, db.$client))).toContain(
      `The audit trail is signed with key ${key.keyId}, but audit-ed25519.key in GATEHOUSE_DATA_DIR '${dir}' is key`,
    );
  } finally {
    db.$client.close();
  }
});

test('teams admit with a replaced key — exit 2 naming the key, and nothing signed with it', async () => {
  const dir = join(root, 'cli');
  expect(
    (await gatehouse(['teams', 'admit', 'org_0000000001'], { env: { GATEHOUSE_DATA_DIR: dir } })).code,
  ).toBe(0);
  rmSync(join(dir, PRIVATE_KEY_FILE));
  rmSync(join(dir, PUBLIC_KEY_FILE));
  writeFileSync(join(dir, PRIVATE_KEY_FILE), pem(), { mode: 0o600 });
  const r = await gatehouse(['teams', 'admit', 'org_0000000002'], { env: { GATEHOUSE_DATA_DIR: dir } });
  expect(r.stderr).toContain('The audit trail is signed with key');
  expect(r.code).toBe(2);
  // Refused before anything is written beside it.
  expect(readdirSync(dir).filter((f) => f.startsWith('audit-ed25519'))).toEqual([PRIVATE_KEY_FILE]);
});

test('a key lost for good — refused naming the key, nothing created; GATEHOUSE_AUDIT_KEY_REPLACES signs on and the trail records it', async () => {
  const dir = join(root, 'lost');
  const run = (args: string[], extra: Record<string, string> = {}) =>
    gatehouse(args, { env: { GATEHOUSE_DATA_DIR: dir, ...extra } });
  expect((await run(['teams', 'admit', 'org_0000000001'])).code).toBe(0);
  const old = loadOrCreateAuditKey(dir).keyId;
  const keptPub = join(root, 'lost-old.pub');
  copyFileSync(join(dir, PUBLIC_KEY_FILE), keptPub);

  // The private key gone: the public key's id and the way on are named.
  rmSync(join(dir, PRIVATE_KEY_FILE));
  const pubOnly = await run(['teams', 'admit', 'org_0000000002']);
  expect(pubOnly.code).toBe(2);
  expect(pubOnly.stderr).toContain(`holds audit-ed25519.pub (key ${old}) but not its private key`);
  expect(pubOnly.stderr).toContain(`set GATEHOUSE_AUDIT_KEY_REPLACES=${old} to sign on with a new key`);

  // Both gone: refused before a key is made.
  rmSync(join(dir, PUBLIC_KEY_FILE));
  const none = await run(['teams', 'admit', 'org_0000000002']);
  expect(none.code).toBe(2);
  expect(none.stderr).toContain(`holds no audit key, but its trail is signed with key ${old}`);
  expect(readdirSync(dir).filter((f) => f.startsWith('audit-ed25519'))).toEqual([]);

  // Another id, or not an id: still refused.
  expect(
    (await run(['teams', 'admit', 'org_0000000002'], { GATEHOUSE_AUDIT_KEY_REPLACES: '0123456789abcdef' }))
      .code,
  ).toBe(2);
  const malformed = await run(['teams', 'list'], { GATEHOUSE_AUDIT_KEY_REPLACES: 'yes' });
  expect(malformed.stderr).toContain("GATEHOUSE_AUDIT_KEY_REPLACES must be the lost key's id, 16 hex digits");

  // Declared lost: a new key signs on, and the first entry it signs records the replacement.
  const declared = await run(['teams', 'admit', 'org_0000000002'], { GATEHOUSE_AUDIT_KEY_REPLACES: old });
  expect(declared.stderr).toBe('');
  expect(declared.code).toBe(0);
  const fresh = loadOrCreateAuditKey(dir).keyId;
  expect(fresh).not.toBe(old);
  const db = openDatabase(join(dir, 'gatehouse.db'));
  try {
    const row = db.$client
      .query<{ details: string; signature: string }, []>(
        "SELECT details, signature FROM audit_entries WHERE event = 'audit.key_replaced'",
      )
      .get()!;
    expect(JSON.parse(row.details)).toEqual({
      previous_key_id: old,
      key_id: fresh,
      declared_by: 'GATEHOUSE_AUDIT_KEY_REPLACES',
    });
    expect(row.signature).toStartWith(`ed25519:${fresh}:`);
  } finally {
    db.$client.close();
  }
  // From then on the trail is the new key's: no declaration needed, none recorded twice.
  expect((await run(['teams', 'admit', 'org_0000000003'])).code).toBe(0);
  // Left set, the declaration is warned of: it has done its work.
  const leftSet = await run(['teams', 'admit', 'org_0000000004'], { GATEHOUSE_AUDIT_KEY_REPLACES: old });
  expect(leftSet.code).toBe(0);
  expect(leftSet.stderr).toContain(
    `Warning: GATEHOUSE_AUDIT_KEY_REPLACES=${old} is still set, but the audit trail is already signed with this key (${fresh}): unset it.`,
  );
  // verify proves the whole trail with the new key, naming the replacement; with the kept public
  // half the lost key's own signatures are checked too; with the old key alone it is broken there.
  const plain = await run(['audit', 'verify']);
  expect(plain.code).toBe(0);
  expect(plain.stdout).toStartWith('Audit trail intact:');
  expect(plain.stdout).toContain(`key ${old} was declared lost and key ${fresh} signed on`);
  expect(plain.stdout).toContain(`nothing checked that key ${old} signed them`);
  const checked = await run(['audit', 'verify', '--replaced-key', keptPub]);
  expect(checked.code).toBe(0);
  expect(checked.stdout).toContain(`the entries before it were checked with key ${old}'s public half`);
  const verify = await run(['audit', 'verify', '--public-key', keptPub]);
  expect(verify.code).toBe(1);
  expect(verify.stdout).toContain(
    `it was signed by another key: this entry claims the audit key was replaced by key ${fresh}`,
  );
  // --replaced-key naming the audit key itself, twice the same key, or no key file: usage errors.
  const itself = await run(['audit', 'verify', '--replaced-key', join(dir, PUBLIC_KEY_FILE)]);
  expect(itself.code).toBe(2);
  expect(itself.stderr).toContain(`is the audit key itself (key ${fresh})`);
  const twice = await run(['audit', 'verify', '--replaced-key', keptPub, '--replaced-key', keptPub]);
  expect(twice.code).toBe(2);
  expect(twice.stderr).toContain(`gives key ${old} a second time`);
  const missing = await run(['audit', 'verify', '--replaced-key', join(root, 'nowhere.pub')]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('No audit public key at');
  const folder = await run(['audit', 'verify', '--replaced-key', root]);
  expect(folder.code).toBe(2);
  expect(folder.stderr).toContain('is not a regular file');
});

test('a process still signing with a replaced key — its appends fail closed and it signs no head; an undeclared replacement is refused', () => {
  const dir = fresh();
  const db = openDatabase(join(dir, 'gatehouse.db'));
  try {
    applyMigrations(db);
    const k1 = loadOrCreateAuditKey(dir);
    const other = mkdtempSync(join(root, 'other-key-'));
    const second = loadOrCreateAuditKey(other);
    const old = new AuditService(db, systemClock, (h) => signHash(k1, h), k1);
    old.append({ event: 'team.admitted', outcome: 'allowed' });
    const head = new AuditHeadWriter(db.$client, k1, dir, () => 1_800_000_000_000);
    head.flush();
    const headBefore = readFileSync(join(dir, 'audit-head.json'), 'utf8');

    const replacing = new AuditService(db, systemClock, (h) => signHash(second, h), second);
    // Not declared, or declared for another key: refused, nothing appended.
    expect(() => replacing.recordKeyReplacement(undefined)).toThrow(ConfigError);
    expect(() => replacing.recordKeyReplacement('0123456789abcdef')).toThrow(
      `The audit trail is signed with key ${k1.keyId}, not this process's key ${second.keyId} nor the key declared lost (0123456789abcdef)`,
    );
    expect(replacing.recordKeyReplacement(k1.keyId)?.event).toBe('audit.key_replaced');
    expect(replacing.recordKeyReplacement(k1.keyId)).toBeUndefined();

    // The process that still holds the old key: nothing more is recorded with it, no head signed.
    expect(() => old.append({ event: 'team.admitted', outcome: 'allowed' })).toThrow(
      `names key ${second.keyId}, not this process's key ${k1.keyId}: the key was replaced (another process declared it lost), or the entry was added without the audit key`,
    );
    head.flush();
    expect(readFileSync(join(dir, 'audit-head.json'), 'utf8')).toBe(headBefore);
    head.close();
  } finally {
    db.$client.close();
  }
});

test('odd key files — a FIFO, a folder, a public file holding the private key: refused by name, never read forever', () => {
  const fifo = fresh();
  rmSync(join(fifo, PRIVATE_KEY_FILE));
  Bun.spawnSync(['mkfifo', join(fifo, PRIVATE_KEY_FILE)]);
  expect(problem(() => loadOrCreateAuditKey(fifo))).toContain(
    `${join(fifo, PRIVATE_KEY_FILE)} is not a regular file: the audit private key must be one`,
  );
  const folder = fresh();
  rmSync(join(folder, PUBLIC_KEY_FILE));
  mkdirSync(join(folder, PUBLIC_KEY_FILE));
  expect(problem(() => loadOrCreateAuditKey(folder))).toContain(
    'is not a regular file: the audit public key',
  );
  const leaked = fresh();
  copyFileSync(join(leaked, PRIVATE_KEY_FILE), join(leaked, PUBLIC_KEY_FILE));
  expect(problem(() => loadOrCreateAuditKey(leaked))).toContain(
    `${join(leaked, PUBLIC_KEY_FILE)} holds a private key: the public key file must hold only the public half`,
  );
});

test('config check — a data dir with no key for a signed trail, and a declaration that is not an id, are reported without echoing it', async () => {
  const dir = join(root, 'check-lost');
  expect(
    (await gatehouse(['teams', 'admit', 'org_0000000001'], { env: { GATEHOUSE_DATA_DIR: dir } })).code,
  ).toBe(0);
  rmSync(join(dir, PRIVATE_KEY_FILE));
  rmSync(join(dir, PUBLIC_KEY_FILE));
  const r = await gatehouse(['config', 'check'], { env: { GATEHOUSE_DATA_DIR: dir } });
  expect(r.stdout).toContain('holds no audit key, but its trail is signed with key');
  expect(r.code).toBe(1);
  expect(readdirSync(dir).filter((f) => f.startsWith('audit-ed25519'))).toEqual([]);
  const pasted = 'MC4CAQAwBQYDK2VwBCIEIPastedPrivateKeyMaterial0000000000000';
  const m = await gatehouse(['config', 'check'], {
    env: { GATEHOUSE_DATA_DIR: dir, GATEHOUSE_AUDIT_KEY_REPLACES: pasted },
  });
  expect(m.stdout).toContain("GATEHOUSE_AUDIT_KEY_REPLACES must be the lost key's id, 16 hex digits");
  expect(m.stdout).not.toContain(pasted);
});
