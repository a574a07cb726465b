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

/** The key a signature names (`ed25519:<keyId>:…`), if it is well formed. */
export function keyIdOfSignature(signature: string): string | undefined {
  return SIGNATURE.exec(signature)?.[1];
}

/** How a refusal says a lost key may be replaced (README "Losing the audit key"). */
export const REPLACE_HINT = (trail: string) =>
  `first run \`gatehouse audit verify\` (a key you never held is not yours to declare lost), then set GATEHOUSE_AUDIT_KEY_REPLACES=${trail} to sign on with a new key, for one start: the trail records the replacement, and the entries before it are checked against their own signatures only with the lost key's public half (README "Losing the audit key")`;

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
