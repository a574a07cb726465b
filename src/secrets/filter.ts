/**
 * The response filter of docs/architecture.md "The MCP surface and the policy pipeline" step 7: secrets never reach the agent, by field name, by the
 * shape of the value or of the key, or because Gatehouse knows them exactly (known.ts: the
 * provider token it injected, the team's keys, in any encoding); optional PII redaction per team.
 */
import { compileKnownSecrets, type KnownSecrets, redactKnown } from './known.ts';

export const SECRET_MARKER = '[redacted: secret]';

/**
 * Secret terms, as words or runs of adjacent words squashed together: a field name is split into
 * words (snake_case, camelCase, kebab-case, acronyms: `awsSecretAccessKey` → aws secret access key)
 * and is secret when any word, or any run of up to three adjacent words, spells one of these
 * (plural or not): `secret_key`, `api_keys`, `x509Cert`, `saml_x509_certs`, `apikey`…
 * `key` alone is not a secret (`idempotency_key`, `public_key`, audit metadata keys); a key
 * qualified as below is.
 */
const SECRET_TERMS = new Set([
  'secret',
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'credential',
  'cred',
  'certificate',
  'cert',
  'x509',
  'pem',
  'bearer',
  'privkey',
  'sealedsession',
  'sessioncookie',
  // Keys that are secrets by their qualifier.
  'privatekey',
  'apikey',
  'accesskey',
  'secretkey',
  'signingkey',
  'deploykey',
  'accountkey',
  'encryptionkey',
  'masterkey',
  'sshkey',
  'clientkey',
  'sessionkey',
  'authkey',
  'licensekey',
]);

/**
 * A last word that makes the field metadata about a secret rather than the secret itself
 * (`api_key_id`, `password_updated_at`, `certificate_expires_at`, `token_type`,
 * `token_endpoint_auth_method`). Its value still passes the value-shape filter.
 */
const METADATA_WORDS = new Set([
  'id',
  'type',
  'kind',
  'name',
  'at',
  'date',
  'time',
  'expiry',
  'expiration',
  'count',
  'status',
  'state',
  'method',
  'fingerprint',
  'issuer',
  'subject',
  'format',
  'strategy',
  'enabled',
  'required',
  'configured',
  'present',
  'valid',
  'verified',
  'length',
  'last4',
]);

/** Gatehouse's own fields meant for the agent, whatever their name looks like. */
const ALLOWED_KEYS = new Set(['confirmation_token', 'token_type', 'next_page_token']);

/** Value shapes of secrets, replaced wherever they appear inside a string. */
const SECRET_VALUE_PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g, // PEM (keys, certificates)
  /-----BEGIN [A-Z0-9 ]+-----[\s\S]*/g, // a truncated PEM block
  /\bsk_(?:live|test)_[A-Za-z0-9_]{8,}/g, // WorkOS / Stripe-style secret keys
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWTs
  /\bgatehouse_(?:at|rt|ct|cs)_[A-Za-z0-9_-]{16,}/g, // Gatehouse's own tokens
  /\bconfirm_[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])/g, // Gatehouse's confirmation tokens, wherever they are echoed
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\blin_(?:api|oauth)_[A-Za-z0-9]{16,}/g, // Linear keys
  /\bsecret_[A-Za-z0-9]{32,}/g, // Notion integration secrets (legacy format)
  /\bntn_[A-Za-z0-9]{20,}/g, // Notion tokens
  /\bver:1-hint:[A-Za-z0-9_-]{8,}/g, // Snowflake OAuth access tokens
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bBearer\s+[A-Za-z0-9\-._~+/]{16,}=*/g, // bearer credentials in free text
];

/** The words of a field name: `awsSecretAccessKey`, `aws-secret-access-key` → aws secret access key. */
export function fieldWords(key: string): string[] {
  return key
    .slice(0, 200)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

const singular = (w: string) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w);

/**
 * Whether a field's value is a secret by its name: a secret term among its words (see
 * SECRET_TERMS), or a name ending in "token" (`access_token`, `legacyToken`, `id_tokens`), unless
 * its last word says it only describes one (METADATA_WORDS) or it is one of Gatehouse's own.
 */
export function isSecretKey(key: string): boolean {
  // Field names repeat call after call (`id`, `name`, `created_at`…): remembered, bounded.
  const known = secretKeys.get(key);
  if (known !== undefined) return known;
  const answer = judgeKey(key);
  if (secretKeys.size >= SECRET_KEYS_MAX) secretKeys.clear();
  secretKeys.set(key, answer);
  return answer;
}

const secretKeys = new Map<string, boolean>();
const SECRET_KEYS_MAX = 4_096;

function judgeKey(key: string): boolean {
  if (ALLOWED_KEYS.has(key)) return false;
  const raw = fieldWords(key);
  const last = raw.at(-1);
  if (last === undefined || METADATA_WORDS.has(last) || METADATA_WORDS.has(singular(last))) return false;
  const words = raw.map(singular);
  if (words.at(-1)!.endsWith('token')) return true;
  for (let i = 0; i < words.length; i++) {
    let run = '';
    for (let j = i; j < Math.min(words.length, i + 3); j++) {
      run += words[j];
      if (SECRET_TERMS.has(run)) return true;
    }
  }
  return false;
}

/**
 * What every SECRET_VALUE_PATTERNS match contains, as plain literals (no `\\b`, no `[\\s\\S]*`):
 * one cheap scan tells most strings hold none, and only the rest run every pattern. Keep it in
 * step with the list above (test/policy/secrets.test.ts covers each shape).
 */
const ANY_SECRET_VALUE =
  /-----BEGIN |sk_(?:live|test)_|eyJ|gatehouse_(?:at|rt|ct|cs)_|confirm_|gh[pousr]_|xox[abposr]-|lin_(?:api|oauth)_|secret_|ntn_|ver:1-hint:|AKIA|Bearer\s/;

export function redactSecretValues(text: string): string {
  if (!ANY_SECRET_VALUE.test(text)) return text;
  let out = text;
  for (const re of SECRET_VALUE_PATTERNS) out = out.replace(re, SECRET_MARKER);
  return out;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/**
 * A phone number: E.164 (+ and digits), digit groups with spaces or dashes, or the dotted
 * 3.3.4 form. Bare digit runs are ids; a run touching another dot-and-digits (an IPv4 address,
 * a version, a dotted id) is not a phone number either.
 */
const PHONE =
  /(?<![\w.-])(?:\+\d{9,15}|(?:\+\d{1,3}[\s-]?)?\(?\d{2,4}\)?[\s-]\d{3,4}[\s-]?\d{3,4}|(?:\+\d{1,3}[\s.]?)?\(?\d{3}\)?\.\d{3}\.\d{4})(?![\w-]|\.\d)/g;
const CARD = /\b(?:\d[ -]?){13,19}\b/g;

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Replaces emails, phone numbers and card numbers (Luhn-valid) in free text. */
export function redactPii(text: string): string {
  return text
    .replace(CARD, (m) => {
      const digits = m.replace(/\D/g, '');
      return digits.length >= 13 && digits.length <= 19 && luhn(digits) ? '[redacted: card]' : m;
    })
    .replace(EMAIL, '[redacted: email]')
    .replace(PHONE, (m) => (m.replace(/\D/g, '').length >= 9 ? '[redacted: phone]' : m));
}

export interface FilterOptions {
  pii: boolean;
  /**
   * Exact secrets of this call (the provider token Gatehouse injected, the team's WorkOS keys):
   * removed wherever they appear, plain or encoded (known.ts).
   */
  known?: readonly string[];
}

/** Runs of token characters long enough to be a credential rather than a word or an id. */
const TOKEN_RUN = /[A-Za-z0-9+/=_-]{24,}/g;
/** UUIDs and hex digests inside a key (`extension_<app id>_employeeId`): ids, not tokens. */
const IDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[0-9A-F]{16,}/gi;
/** WorkOS-style ids: a lowercase prefix and a ULID (`directory_user_01H…`). */
const PREFIXED_ULID = /^(?:[a-z][a-z0-9]*_)*[0-9A-HJKMNP-TV-Z]{26}$/;

function shannonBits(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / s.length) * Math.log2(n / s.length);
  return bits;
}

/**
 * A long, high-entropy token: at least 24 token characters mixing letters and digits (or both
 * cases), with about as many distinct characters as a random string of that length over that
 * alphabet has, and not made of words (few vowels, or digits scattered through it). Ids (UUIDs,
 * hex digests, WorkOS ids) and names (`someLongCamelCaseFieldName2`) are not tokens. Applied to
 * object keys only: a value of that shape is often a legitimate id or cursor.
 */
export function isHighEntropyToken(text: string): boolean {
  for (const [run] of text.slice(0, 4096).replace(IDS, ' ').matchAll(TOKEN_RUN)) {
    if (PREFIXED_ULID.test(run)) continue;
    const lower = /[a-z]/.test(run);
    const upper = /[A-Z]/.test(run);
    const digit = /[0-9]/.test(run);
    if (!((lower || upper) && digit) && !(lower && upper)) continue;
    const core = run.replace(/=+$/, '');
    const alphabet = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + 4;
    const distinct = alphabet * (1 - (1 - 1 / alphabet) ** core.length);
    if (shannonBits(core) < 0.85 * Math.log2(distinct)) continue;
    const letters = core.replace(/[^A-Za-z]/g, '');
    const vowels = letters.replace(/[^aeiouAEIOU]/g, '').length;
    const digitGroups = core.match(/[0-9]+/g)?.length ?? 0;
    if (vowels < 0.3 * letters.length || digitGroups >= 3) return true;
  }
  return false;
}

/**
 * Whether an object key is itself a secret: a secret-shaped value used as a key (`sk_live_…`,
 * a JWT, a long high-entropy token), or one of the call's known secrets in any shape.
 */
function isSecretShapedKey(key: string, known: KnownSecrets | undefined): boolean {
  if (known !== undefined && redactKnown(key, known, SECRET_MARKER) !== key) return true;
  // The shape verdict depends on the key alone, and answers repeat the same field names call
  // after call: remembered (bounded; a full memo starts over).
  let shaped = SHAPED_KEYS.get(key);
  if (shaped === undefined) {
    shaped = redactSecretValues(key) !== key || isHighEntropyToken(key);
    if (key.length > 128) return shaped;
    if (SHAPED_KEYS.size >= SHAPED_KEYS_MAX) SHAPED_KEYS.clear();
    SHAPED_KEYS.set(key, shaped);
  }
  return shaped;
}
const SHAPED_KEYS = new Map<string, boolean>();
const SHAPED_KEYS_MAX = 4096;

/** The placeholder of the n-th secret key of an object, unique within it. */
function redactedKey(
  out: Record<string, unknown>,
  source: Record<string, unknown>,
  n: number,
): [string, number] {
  let key: string;
  do key = `[redacted key ${n++}]`;
  while (Object.hasOwn(out, key) || Object.hasOwn(source, key));
  return [key, n];
}

interface Compiled {
  pii: boolean;
  known: KnownSecrets | undefined;
}

/**
 * Deep-copies a value with secrets removed: secret-named fields lose their value; secret-shaped
 * keys are replaced (`[redacted key 1]`) and lose their value too; secret-shaped strings and the
 * call's known secrets (in any encoding) are replaced anywhere; with `pii`, personal data in
 * strings too. Never mutates input.
 */
export function filterValue<T>(value: T, options: FilterOptions): T {
  return filterDeep(value, { pii: options.pii, known: compileKnownSecrets(options.known) }, 0);
}

function filterText(value: string, options: Compiled): string {
  // Known secrets first: a shape rule must not take half of one and leave the rest.
  const exact = options.known ? redactKnown(value, options.known, SECRET_MARKER) : value;
  const s = redactSecretValues(exact);
  return options.pii ? redactPii(s) : s;
}

/**
 * Filtered strings remembered per set of known secrets and PII setting: answers repeat the same
 * texts call after call (descriptions, names, ids), and filtering is a pure function of the text
 * and those two. Bounded (a full memo starts over); short texts cost less than a lookup, long
 * ones are not kept.
 */
const MEMO_MIN = 16;
const MEMO_MAX_LENGTH = 512;
const MEMO_MAX = 2048;
const memoByKnown = new WeakMap<KnownSecrets, [Map<string, string>, Map<string, string>]>();
const memoNoKnown: [Map<string, string>, Map<string, string>] = [new Map(), new Map()];

function filterString(value: string, options: Compiled): string {
  if (value.length < MEMO_MIN || value.length > MEMO_MAX_LENGTH) return filterText(value, options);
  let pair = memoNoKnown;
  if (options.known) {
    const found = memoByKnown.get(options.known);
    if (found) pair = found;
    else {
      pair = [new Map(), new Map()];
      memoByKnown.set(options.known, pair);
    }
  }
  const memo = pair[options.pii ? 1 : 0];
  let out = memo.get(value);
  if (out === undefined) {
    out = filterText(value, options);
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(value, out);
  }
  return out;
}

function filterDeep<T>(value: T, options: Compiled, depth: number): T {
  if (depth > 64) return '[redacted: too deep]' as T;
  if (typeof value === 'string') return filterString(value, options) as T;
  if (Array.isArray(value)) return value.map((v) => filterDeep(v, options, depth + 1)) as T;
  if (value && typeof value === 'object') {
    if (value instanceof Date) return value;
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    let hidden = 1;
    for (const [k, v] of Object.entries(source)) {
      if (isSecretShapedKey(k, options.known)) {
        let key: string;
        [key, hidden] = redactedKey(out, source, hidden);
        out[key] = SECRET_MARKER;
        continue;
      }
      out[k] =
        // A boolean says whether there is a secret, never what it is (`password_set: true`).
        isSecretKey(k) && v !== null && v !== undefined && v !== '' && typeof v !== 'boolean'
          ? SECRET_MARKER
          : filterDeep(v, options, depth + 1);
    }
    return out as T;
  }
  return value;
}
