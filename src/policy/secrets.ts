/**
 * The response filter of DESIGN §3 step 7: secrets never reach the agent, by field name or by
 * the shape of the value; optional PII redaction per team.
 */

export const SECRET_MARKER = '[redacted: secret]';

/** Field names that denote secrets (matched on the whole key, case-insensitive, `_`/`-` ignored). */
const SECRET_KEY =
  /(^|_)(secret|secrets|clientsecret|password|passwd|passphrase|apikey|privatekey|token|tokens|accesstoken|refreshtoken|idtoken|sessiontoken|bearer|certificate|certificates|cert|x509|x509certificate|signingkey|signingcertificate|credential|credentials|verificationtoken|webhooksecret|sealedsession)$/i;

/** Keys that look secret but are Gatehouse's own, meant for the agent. */
const ALLOWED_KEYS = new Set(['confirmation_token', 'token_type', 'next_page_token']);

/** Value shapes of secrets, replaced wherever they appear inside a string. */
const SECRET_VALUE_PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g, // PEM (keys, certificates)
  /-----BEGIN [A-Z0-9 ]+-----[\s\S]*/g, // a truncated PEM block
  /\bsk_(?:live|test)_[A-Za-z0-9_]{8,}/g, // WorkOS / Stripe-style secret keys
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWTs
  /\bgatehouse_(?:at|rt|ct|cs)_[A-Za-z0-9_-]{16,}/g, // Gatehouse's own tokens
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\blin_(?:api|oauth)_[A-Za-z0-9]{16,}/g, // Linear keys
  /\bsecret_[A-Za-z0-9]{32,}/g, // Notion integration secrets (legacy format)
  /\bntn_[A-Za-z0-9]{20,}/g, // Notion tokens
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bBearer\s+[A-Za-z0-9\-._~+/]{16,}=*/g, // bearer credentials in free text
];

export function isSecretKey(key: string): boolean {
  if (ALLOWED_KEYS.has(key)) return false;
  const normalised = key
    .replace(/[-\s]/g, '_')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  const squashed = normalised.replace(/_/g, '');
  return (
    SECRET_KEY.test(normalised) ||
    SECRET_KEY.test(squashed) ||
    SECRET_KEY.test(`_${normalised.split('_').slice(-2).join('')}`)
  );
}

export function redactSecretValues(text: string): string {
  let out = text;
  for (const re of SECRET_VALUE_PATTERNS) out = out.replace(re, SECRET_MARKER);
  return out;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** A phone number: E.164 (+ and digits), or digit groups with separators; bare digit runs are ids. */
const PHONE =
  /(?<![\w-])(?:\+\d{9,15}|(?:\+\d{1,3}[\s.-]?)?\(?\d{2,4}\)?[\s.-]\d{3,4}[\s.-]?\d{3,4})(?![\w-])/g;
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
}

/**
 * Deep-copies a value with secrets removed: secret-named fields lose their value, secret-shaped
 * strings are replaced anywhere; with `pii`, personal data in strings too. Never mutates input.
 */
export function filterValue<T>(value: T, options: FilterOptions, depth = 0): T {
  if (depth > 64) return '[redacted: too deep]' as T;
  if (typeof value === 'string') {
    const s = redactSecretValues(value);
    return (options.pii ? redactPii(s) : s) as T;
  }
  if (Array.isArray(value)) return value.map((v) => filterValue(v, options, depth + 1)) as T;
  if (value && typeof value === 'object') {
    if (value instanceof Date) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] =
        isSecretKey(k) && v !== null && v !== undefined && v !== ''
          ? SECRET_MARKER
          : filterValue(v, options, depth + 1);
    }
    return out as T;
  }
  return value;
}
