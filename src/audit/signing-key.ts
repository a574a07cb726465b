/**
 * Which key may sign the trail (docs/architecture.md "Storage and audit"): the one the trail's
 * newest signed entry names, unless that key was declared lost (GATEHOUSE_AUDIT_KEY_REPLACES) —
 * and never a key that another signed on after: that one was taken over, not lost.
 */
import type { Database } from 'bun:sqlite';
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { quote } from '../config/checks.ts';
import { ConfigError } from '../config/index.ts';
import { CHECKPOINT_FILE, readCheckpoint } from './checkpoint.ts';
import { headSignatureValid, lastWitnessHead, readStoredHead } from './head-store.ts';
import {
  type AuditKey,
  configuredAuditKey,
  dataDirAuditKey,
  keyIdOfSignature,
  PRIVATE_KEY_FILE,
  PUBLIC_KEY_FILE,
  REPLACE_HINT,
  trailKeyId,
} from './keys.ts';
import { keyChangeOf } from './replacements.ts';

/**
 * The first entry `keyId` signed, if it signed any. A key the trail was since signed on without
 * (another key's entries came after) was not lost: someone else's key took over, and declaring
 * that one lost would wrap its entries in this key's signatures (src/audit/verify.ts refuses a
 * key that signs again). Read only when the trail's key is not the configured one.
 */
export function firstSignedBy(
  sqlite: { prepare(sql: string): { get(...params: string[]): unknown } },
  keyId: string,
): number | undefined {
  const row = sqlite
    .prepare('SELECT seq FROM audit_entries WHERE signature LIKE ? ORDER BY seq LIMIT 1')
    .get(`ed25519:${keyId}:%`) as { seq: number } | null;
  return row ? Number(row.seq) : undefined;
}

/** What signingKeyFor reads of the configuration. */
export interface SigningKeyConfig {
  dataDir: string;
  auditSigningKey: KeyObject | undefined;
  /** GATEHOUSE_AUDIT_KEY_REPLACES: the id of a lost key the trail may be signed on without. */
  auditKeyReplaces?: string | undefined;
  /** GATEHOUSE_AUDIT_WITNESS: its newest head shows whose key signed the trail. */
  auditWitness?: string | undefined;
}

/**
 * The configured key (configuredAuditKey), refused when the trail was signed with another: what
 * it signed would break the chain's signatures (`audit verify`: "signed by another key"), as
 * switching GATEHOUSE_AUDIT_SIGNING_KEY, or a key file replaced whole, would. A data dir that
 * holds no key for a signed trail is refused before one is made. Both are let through when
 * GATEHOUSE_AUDIT_KEY_REPLACES names the trail's key: it is lost for good, and the replacement
 * is recorded (AuditService.recordKeyReplacement).
 */
export function signingKeyFor(config: SigningKeyConfig, sqlite: Database): AuditKey {
  const problem = signingKeyProblem(config, sqlite);
  if (problem) throw new ConfigError([problem]);
  return configuredAuditKey(config);
}

/**
 * Why the configured key may not sign this trail (signingKeyFor), read and never created: `config
 * check` reports it as a start would. Throws a ConfigError for a key that cannot be read at all.
 */
export function signingKeyProblem(config: SigningKeyConfig, sqlite: Database): string | undefined {
  const trail = trailKeyId(sqlite);
  const declared = trail !== undefined && config.auditKeyReplaces === trail;
  if (
    !config.auditSigningKey &&
    trail !== undefined &&
    !declared &&
    !existsSync(join(config.dataDir, PRIVATE_KEY_FILE)) &&
    !existsSync(join(config.dataDir, PUBLIC_KEY_FILE))
  )
    return `GATEHOUSE_DATA_DIR ${quote(config.dataDir)} holds no audit key, but its trail is signed with key ${trail}: a key made now would sign entries that key's public half cannot verify. Put the pair back (${PRIVATE_KEY_FILE} and ${PUBLIC_KEY_FILE}, from a backup); if it is lost for good, ${REPLACE_HINT(trail)}`;
  // The data dir's key is compared as it is, before its public half is written beside it.
  const existing = config.auditSigningKey ? configuredAuditKey(config) : dataDirAuditKey(config.dataDir);
  if (!existing) return undefined;
  if (trail !== undefined && trail !== existing.keyId) {
    // This key declared lost and replaced (a replica or an operator with the old key): say so,
    // rather than "taken over" and its advice to restore (which would drop the entries since).
    const replaced = replacedAt(sqlite, existing.keyId);
    if (replaced)
      return `This key (${existing.keyId}) was declared lost at entry #${replaced.seq} of the audit trail (an audit.key_replaced entry signed with key ${replaced.next}), and a key declared lost never signs again. If that replacement was yours, configure key ${replaced.next} here (GATEHOUSE_AUDIT_SIGNING_KEY or its key files); if it was not, key ${replaced.next} is not yours: run \`gatehouse audit verify\``;
    const before = signedBy(sqlite, config, existing);
    if (before !== undefined) return signedOnAfter(existing.keyId, trail, before);
  }
  return trailKeyProblem(config, existing, trail);
}

/**
 * Where `key` is seen to have signed this trail: an entry's signature names it, or the stored
 * signed head verifies with it. The signature column is outside the entries' hashes, so someone
 * who can write the database can re-sign every entry with their own key; the head, which they
 * cannot sign, still says whose trail it was.
 */
function signedBy(sqlite: Database, config: SigningKeyConfig, key: AuditKey): string | undefined {
  const entry = firstSignedBy(sqlite, key.keyId);
  if (entry !== undefined) return `from entry #${entry}`;
  const head = readStoredHead(sqlite, config.dataDir);
  if (head.kind === 'ok' && head.head.seq > 0 && headSignatureValid(key, head.head))
    return `up to entry #${head.head.seq} (its signed head)`;
  // On PostgreSQL the head is a row a database writer can delete; the witness and the last
  // verify's checkpoint are kept outside the database.
  const witnessed = config.auditWitness ? lastWitnessHead(config.auditWitness) : undefined;
  if (witnessed && witnessed.seq > 0 && headSignatureValid(key, witnessed))
    return `up to entry #${witnessed.seq} (the witness's newest head)`;
  const checkpoint = join(config.dataDir, CHECKPOINT_FILE);
  const verified = existsSync(checkpoint) ? readCheckpoint(checkpoint, key) : undefined;
  if (verified?.kind === 'ok' && verified.checkpoint.seq > 0)
    return `up to entry #${verified.checkpoint.seq} (the checkpoint of its last verify)`;
  return undefined;
}

/**
 * GATEHOUSE_AUDIT_KEY_REPLACES still set once the trail is this key's: it has done its work, and
 * left set it would let a later start sign on over an end that claims the lost key again (one
 * forged by whoever can write the database). Said as a warning, not refused.
 */
export function declarationLeftSet(
  config: SigningKeyConfig,
  key: AuditKey,
  sqlite: Database,
): string | undefined {
  if (config.auditKeyReplaces === undefined || trailKeyId(sqlite) !== key.keyId) return undefined;
  return `GATEHOUSE_AUDIT_KEY_REPLACES=${config.auditKeyReplaces} is still set, but the audit trail is already signed with this key (${key.keyId}): unset it. Left set, a start would sign on over an end that claims that key again, which anyone who can write the database can forge.`;
}

/** The `audit.key_replaced` entry that declared `keyId` lost, if any (a handful of rows). */
function replacedAt(sqlite: Database, keyId: string): { seq: number; next: string } | undefined {
  // The newest first, and only entries of the trail (seq from 1) whose signature names the new key
  // (what verify requires of a replacement); the signature itself only verify can check.
  const rows = sqlite
    .query<{ seq: number; details: string | null; signature: string | null }, []>(
      "SELECT seq, details, signature FROM audit_entries WHERE event = 'audit.key_replaced' AND seq > 0 ORDER BY seq DESC",
    )
    .all();
  for (const row of rows) {
    const change = keyChangeOf(row.details);
    const signedWith = row.signature ? keyIdOfSignature(row.signature) : undefined;
    if (change?.previous === keyId && change.next === signedWith)
      return { seq: Number(row.seq), next: change.next };
  }
  return undefined;
}

/** The trail's newest entries are another key's, after this key's own: it was taken over, not lost. */
export function signedOnAfter(keyId: string, trail: string, before: string): string {
  return `The audit trail's newest entries are signed with key ${trail}, but this key (${keyId}) signed it before, ${before}: key ${trail} did not replace a lost key, it signed on after this one. Whoever holds it wrote to the trail; do not declare it lost. Run \`gatehouse audit verify\` to see from where, and restore the database from a backup taken before`;
}

/** Why `key` cannot sign a trail `trail` signed (another key, not declared lost), if it cannot. */
function trailKeyProblem(
  config: SigningKeyConfig,
  key: AuditKey,
  trail: string | undefined,
): string | undefined {
  if (trail === undefined || trail === key.keyId || config.auditKeyReplaces === trail) return undefined;
  return `The audit trail is signed with key ${trail}, but ${config.auditSigningKey ? 'GATEHOUSE_AUDIT_SIGNING_KEY' : `${PRIVATE_KEY_FILE} in GATEHOUSE_DATA_DIR ${quote(config.dataDir)}`} is key ${key.keyId}: what it signed would not verify as the same trail. Configure the key the trail was signed with; if it is lost for good, ${REPLACE_HINT(trail)}`;
}
