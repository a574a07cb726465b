import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Symmetric sealing for values Gatehouse must keep but never show (AuthKit refresh tokens,
 * PKCE verifiers): AES-256-GCM under a key derived from the cookie password.
 */
export class Sealer {
  readonly #key: Buffer;
  readonly #macKey: Buffer;

  constructor(secret: string) {
    this.#key = createHash('sha256').update(`gatehouse:seal:${secret}`).digest();
    this.#macKey = createHash('sha256').update(`gatehouse:mac:${secret}`).digest();
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** Returns undefined when the value was tampered with or sealed under another key. */
  open(sealed: string): string | undefined {
    try {
      const buf = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.#key, buf.subarray(0, 12));
      decipher.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** Keyed MAC (HMAC-SHA256, base64url) for CSRF tokens and similar bindings. */
  mac(purpose: string, value: string): string {
    return createHmac('sha256', this.#macKey).update(`${purpose}\u0000${value}`).digest('base64url');
  }
}
