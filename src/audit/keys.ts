import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { quote } from '../config/checks.ts';
import { whoAmI } from '../config/data-dir.ts';
import { ConfigError } from '../config/index.ts';
import { createFileOnce } from '../crypto/secret-files.ts';

export const PRIVATE_KEY_FILE = 'audit-ed25519.key';
export const PUBLIC_KEY_FILE = 'audit-ed25519.pub';

export interface AuditKey {
  /** First 16 hex chars of the SHA-256 of the public key (names the key in each signature). */
  keyId: string;
  publicKey: KeyObject;
  privateKey: KeyObject | undefined;
}

function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/**
 * The Ed25519 key that signs the audit chain: created in the data dir on first start (private key
 * mode 0600, public key beside it so verification needs only the public half).
 */
export function loadOrCreateAuditKey(dataDir: string): AuditKey {
  mkdirSync(dataDir, { recursive: true });
  const privPath = join(dataDir, PRIVATE_KEY_FILE);
  // Processes starting on a fresh data dir together (commands run in parallel) each generate a
  // key; one file wins and all of them sign with it: an entry signed with a key that lost would
  // never verify.
  if (!existsSync(privPath) && !existsSync(join(dataDir, PUBLIC_KEY_FILE))) {
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      createFileOnce(privPath, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    } catch (e) {
      // A link at the key's name into a folder that is not there (a volume not mounted).
      throw new ConfigError([
        `${privPath} cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): if it is a link to a key on another volume, mount that volume; otherwise the data dir must be writable by ${whoAmI()}`,
      ]);
    }
  }
  const key = dataDirAuditKey(dataDir)!;
  const pubPath = join(dataDir, PUBLIC_KEY_FILE);
  if (!existsSync(pubPath))
    createFileOnce(pubPath, key.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  return key;
}

/**
 * The data dir's key as it is, creating nothing (`config check` reads it too): undefined when
 * there is none yet; a ConfigError when it cannot be used.
 */
export function dataDirAuditKey(dataDir: string): AuditKey | undefined {
  const privPath = join(dataDir, PRIVATE_KEY_FILE);
  const pubPath = join(dataDir, PUBLIC_KEY_FILE);
  if (!existsSync(privPath)) {
    // The public half without its key: the trail so far was signed with a key that is gone, and
    // a new one would sign entries its public key (which verify reads) cannot check.
    if (!existsSync(pubPath)) return undefined;
    const lost = keyIdOf(readKeyFile(pubPath, 'public'));
    throw new ConfigError([
      `GATEHOUSE_DATA_DIR ${quote(dataDir)} holds ${PUBLIC_KEY_FILE} (key ${lost}) but not its private key ${PRIVATE_KEY_FILE}: a new key would sign entries that public key cannot verify. Put the private key back (from a backup); if it is lost for good, move ${PUBLIC_KEY_FILE} out of the data dir (keep it: the entries before the replacement verify with it) and ${REPLACE_HINT(lost)}`,
    ]);
  }
  const privateKey = readKeyFile(privPath, 'private');
  const publicKey = createPublicKey(privateKey);
  if (existsSync(pubPath)) {
    // verify reads the public half: a private key that is not its pair (one replaced by hand, or
    // restored without the other) would sign entries verify calls another key's.
    const stored = keyIdOf(readKeyFile(pubPath, 'public'));
    if (stored !== keyIdOf(publicKey))
      throw new ConfigError([
        `GATEHOUSE_DATA_DIR ${quote(dataDir)}: ${PRIVATE_KEY_FILE} (key ${keyIdOf(publicKey)}) is not the private half of ${PUBLIC_KEY_FILE} (key ${stored}), so what it signs would not verify. Put back the pair the trail was signed with (both files, from one backup)`,
      ]);
  }
  return { keyId: keyIdOf(publicKey), publicKey, privateKey };
}

/** A key file of the data dir, or a configuration error saying why it cannot be used. */
function readKeyFile(path: string, half: 'private' | 'public'): KeyObject {
  let pem: Buffer;
  try {
    // A FIFO would be read forever, a folder fail as EISDIR: only a regular file is a key file.
    if (!statSync(path).isFile())
      throw new ConfigError([
        `${path} is not a regular file: the audit ${half} key must be one (PEM). Put the key file back (from a backup)`,
      ]);
    pem = readFileSync(path);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConfigError([
      `${path} cannot be read by ${whoAmI()} (${code}): give the data dir's files to the user Gatehouse runs as`,
    ]);
  }
  // The public half is handed out (`audit verify --public-key`): it must never hold the private key.
  if (half === 'public' && pem.includes('PRIVATE KEY'))
    throw new ConfigError([
      `${path} holds a private key: the public key file must hold only the public half (\`openssl pkey -pubout\`), as it is handed out for verification`,
    ]);
  try {
    const key = half === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
    if (key.asymmetricKeyType === 'ed25519') return key;
  } catch {
    // Not a key at all: refused below, as one of another kind is.
  }
  throw new ConfigError([
    `${path} is not an Ed25519 ${half} key in PEM: it was damaged or replaced. Put it back from a backup (gatehouse restore)`,
  ]);
}

/**
 * The key the trail's newest signed entry names (`ed25519:<keyId>:…`), when any is signed. The
 * trail always ends with a signed entry (src/audit/service.ts), so this reads one row.
 */
export function trailKeyId(sqlite: { prepare(sql: string): { get(): unknown } }): string | undefined {
  const row = sqlite
    .prepare('SELECT signature FROM audit_entries WHERE signature IS NOT NULL ORDER BY seq DESC LIMIT 1')
    .get() as { signature: string } | null;
  return row ? keyIdOfSignature(row.signature) : undefined;
}

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

/** The key a signature names (`ed25519:<keyId>:…`), if it is well formed. */
export function keyIdOfSignature(signature: string): string | undefined {
  return SIGNATURE.exec(signature)?.[1];
}

/** What signingKeyFor reads of the configuration. */
export interface SigningKeyConfig {
  dataDir: string;
  auditSigningKey: KeyObject | undefined;
  /** GATEHOUSE_AUDIT_KEY_REPLACES: the id of a lost key the trail may be signed on without. */
  auditKeyReplaces?: string | undefined;
}

/**
 * The configured key (configuredAuditKey), refused when the trail was signed with another: what
 * it signed would break the chain's signatures (`audit verify`: "signed by another key"), as
 * switching GATEHOUSE_AUDIT_SIGNING_KEY, or a key file replaced whole, would. A data dir that
 * holds no key for a signed trail is refused before one is made. Both are let through when
 * GATEHOUSE_AUDIT_KEY_REPLACES names the trail's key: it is lost for good, and the replacement
 * is recorded (AuditService.recordKeyReplacement).
 */
export function signingKeyFor(
  config: SigningKeyConfig,
  sqlite: { prepare(sql: string): { get(): unknown } },
): AuditKey {
  const problem = signingKeyProblem(config, sqlite);
  if (problem) throw new ConfigError([problem]);
  return configuredAuditKey(config);
}

/**
 * Why the configured key may not sign this trail (signingKeyFor), read and never created: `config
 * check` reports it as a start would. Throws a ConfigError for a key that cannot be read at all.
 */
export function signingKeyProblem(
  config: SigningKeyConfig,
  sqlite: { prepare(sql: string): { get(): unknown } },
): string | undefined {
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
    const signedBefore = firstSignedBy(sqlite, existing.keyId);
    if (signedBefore !== undefined) return signedOnAfter(existing.keyId, trail, signedBefore);
  }
  return trailKeyProblem(config, existing, trail);
}

/** The trail's newest entries are another key's, after this key's own: it was taken over, not lost. */
export function signedOnAfter(keyId: string, trail: string, signedBefore: number): string {
  return `The audit trail's newest entries are signed with key ${trail}, but this key (${keyId}) signed it before, from entry #${signedBefore}: key ${trail} did not replace a lost key, it signed on after this one. Whoever holds it wrote to the trail; do not declare it lost. Run \`gatehouse audit verify\` to see from where, and restore the database from a backup taken before`;
}

const REPLACE_HINT = (trail: string) =>
  `set GATEHOUSE_AUDIT_KEY_REPLACES=${trail} to sign on with a new key: the trail records the replacement, and the entries before it verify only with the lost key's public half (README "Losing the audit key")`;

/** Why `key` cannot sign a trail `trail` signed (another key, not declared lost), if it cannot. */
function trailKeyProblem(
  config: SigningKeyConfig,
  key: AuditKey,
  trail: string | undefined,
): string | undefined {
  if (trail === undefined || trail === key.keyId || config.auditKeyReplaces === trail) return undefined;
  return `The audit trail is signed with key ${trail}, but ${config.auditSigningKey ? 'GATEHOUSE_AUDIT_SIGNING_KEY' : `${PRIVATE_KEY_FILE} in GATEHOUSE_DATA_DIR ${quote(config.dataDir)}`} is key ${key.keyId}: what it signed would not verify as the same trail. Configure the key the trail was signed with; if it is lost for good, ${REPLACE_HINT(trail)}`;
}

/** The public key alone (for `gatehouse audit verify`), from the data dir or a given PEM file. */
export function loadAuditPublicKey(path: string): AuditKey {
  const publicKey = createPublicKey(readFileSync(path));
  return { keyId: keyIdOf(publicKey), publicKey, privateKey: undefined };
}

/** `ed25519:<keyId>:<base64 signature>` over the given bytes. */
export function signMessage(key: AuditKey, message: Buffer): string {
  if (!key.privateKey) throw new Error('no private key to sign with');
  return `ed25519:${key.keyId}:${sign(null, message, key.privateKey).toString('base64')}`;
}

/** An entry's signature is over the 32 bytes of its hash. */
export function signHash(key: AuditKey, hash: string): string {
  return signMessage(key, Buffer.from(hash, 'hex'));
}

export type SignatureCheck = 'valid' | 'missing' | 'malformed' | 'other_key' | 'invalid';

const SIGNATURE = /^ed25519:([0-9a-f]{16}):([A-Za-z0-9+/=]+)$/;

/**
 * What can be told of a signature without the (costly) Ed25519 check: 'valid' here means only
 * that it is well formed and names this key.
 */
export function signatureShape(key: AuditKey, signature: string | null): SignatureCheck {
  if (!signature) return 'missing';
  const m = SIGNATURE.exec(signature);
  if (!m) return 'malformed';
  return m[1] === key.keyId ? 'valid' : 'other_key';
}

export function checkMessage(key: AuditKey, message: Buffer, signature: string | null): SignatureCheck {
  const shape = signatureShape(key, signature);
  if (shape !== 'valid') return shape;
  try {
    const sig = Buffer.from(SIGNATURE.exec(signature!)![2]!, 'base64');
    return verify(null, message, key.publicKey, sig) ? 'valid' : 'invalid';
  } catch {
    return 'invalid';
  }
}

export function checkSignature(key: AuditKey, hash: string, signature: string | null): SignatureCheck {
  return checkMessage(key, Buffer.from(hash, 'hex'), signature);
}

/** The data dir's private key, when this machine has it (never created here). */
export function loadAuditPrivateKey(dataDir: string): AuditKey | undefined {
  const privPath = join(dataDir, PRIVATE_KEY_FILE);
  if (!existsSync(privPath)) return undefined;
  const privateKey = readKeyFile(privPath, 'private');
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), publicKey, privateKey };
}

/** The audit key from a configured private key (GATEHOUSE_AUDIT_SIGNING_KEY), else the data dir's. */
export function configuredAuditKey(config: {
  dataDir: string;
  auditSigningKey: KeyObject | undefined;
}): AuditKey {
  if (!config.auditSigningKey) return loadOrCreateAuditKey(config.dataDir);
  const publicKey = createPublicKey(config.auditSigningKey);
  return { keyId: keyIdOf(publicKey), publicKey, privateKey: config.auditSigningKey };
}
