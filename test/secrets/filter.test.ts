/**
 * The response filter's two additions for "secrets never leave, in any shape": object keys are
 * filtered like values, and the exact secrets Gatehouse knows for a call (the provider token it
 * injected, the team's WorkOS keys) are found in every encoding a provider may echo them in.
 */
import { describe, expect, test } from 'bun:test';
import { filterValue, isHighEntropyToken, SECRET_MARKER } from '../../src/secrets/filter.ts';

/** A provider token with no recognisable shape: only knowing it exactly finds it. */
const TOKEN = 'pipes-Q7vXk2Lm9NwR4tYb8ZcH3sJd6FgA';
/** A team key: its plain form has a shape, its encodings only the known list finds. */
const TEAM_KEY = 'sk_test_a1B2c3D4e5F6g7H8i9J0kLmN';
const known = [TOKEN, TEAM_KEY];

const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (s: string) => Buffer.from(s).toString('base64url');
const percentAll = (s: string) =>
  [...s].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');
const unicodeAll = (s: string) =>
  [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
const split = (s: string, by: string) => [...s].join(by);

/** Every shape of one secret a hostile or buggy provider might echo. */
function shapes(secret: string): Record<string, string> {
  return {
    plain: secret,
    'upper-case': secret.toUpperCase(),
    'lower-case': secret.toLowerCase(),
    base64: b64(secret),
    base64url: b64url(secret),
    'base64, offset 1 in a blob': b64(`x${secret}`),
    'base64, offset 2 in a blob': b64(`xy${secret}`),
    'base64, offset 3 in a blob': b64(`xyz${secret}`),
    'base64 in Basic credentials': `Basic ${b64(`user:${secret}`)}`,
    'base64 of a JSON document': b64(JSON.stringify({ token: secret, scope: 'read' })),
    'base64url in a JWT payload': `eyJhbGciOiJub25lIn0.${b64url(JSON.stringify({ tok: secret }))}.`,
    'base64, URL-encoded': encodeURIComponent(b64(`ab${secret}`)),
    hex: Buffer.from(secret).toString('hex'),
    'hex, upper-case': Buffer.from(secret).toString('hex').toUpperCase(),
    'URL-encoded, every character': percentAll(secret),
    'URL-encoded, lower-case hex': percentAll(secret).toLowerCase(),
    'URL-encoded, some characters': secret.replace(/[-_a-f]/g, (c) => `%${c.charCodeAt(0).toString(16)}`),
    'URL-encoded twice': percentAll(secret).replace(/%/g, '%25'),
    'JSON unicode escapes': unicodeAll(secret),
    'JSON unicode escapes, escaped again': unicodeAll(secret).replace(/\\/g, '\\\\'),
    'JS code-point escapes': [...secret].map((c) => `\\u{${c.charCodeAt(0).toString(16)}}`).join(''),
    'JS hex escapes': [...secret].map((c) => `\\x${c.charCodeAt(0).toString(16)}`).join(''),
    'HTML decimal references': [...secret].map((c) => `&#${c.charCodeAt(0)};`).join(''),
    'HTML hex references': [...secret].map((c) => `&#x${c.charCodeAt(0).toString(16)};`).join(''),
    'HTML named references': secret.replace(/_/g, '&lowbar;').replace(/-/g, '&hyphen;'),
    'HTML references, escaped again': [...secret].map((c) => `&amp;#${c.charCodeAt(0)};`).join(''),
    'split by U+200B': split(secret, '\u200B'),
    'split by U+200C': split(secret, '\u200C'),
    'split by U+200D': split(secret, '\u200D'),
    'split by U+2060': split(secret, '\u2060'),
    'split by U+FEFF': split(secret, '\uFEFF'),
    'split by soft hyphens': split(secret, '\u00AD'),
    'split by escaped zero-width spaces': split(secret, '\\u200b'),
    'split by percent-encoded zero-width spaces': split(secret, '%E2%80%8B'),
    'split by line breaks': `${secret.slice(0, 10)}\r\n${secret.slice(10)}`,
    'upper-case and split by zero-width joiners': split(secret.toUpperCase(), '\u200D'),
    fullwidth: [...secret].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join(''),
  };
}

/** Whether any recognisable trace of the secret is left (the plain, the encoded form). */
function leaks(out: string, secret: string, shape: string): boolean {
  return out.toLowerCase().includes(secret.toLowerCase()) || out.includes(shape);
}

describe('known secrets — every shape', () => {
  for (const secret of [TOKEN, TEAM_KEY]) {
    for (const [name, shape] of Object.entries(shapes(secret))) {
      test(`${secret === TOKEN ? 'the injected token' : 'the team key'} — ${name}: replaced, the text around kept`, () => {
        const out = filterValue(`provider said <${shape}> ok`, { pii: false, known });
        expect(leaks(out, secret, shape)).toBe(false);
        expect(out).toContain(SECRET_MARKER);
        expect(out.startsWith('provider said <')).toBe(true);
        expect(out.endsWith('> ok')).toBe(true);
      });
    }
  }

  test('the same shapes inside a parsed JSON body, as values — replaced at every depth', () => {
    const s = shapes(TOKEN);
    const body = { data: { items: Object.values(s).map((v, i) => ({ i, note: `echo ${v}` })) } };
    const out = JSON.stringify(filterValue(body, { pii: false, known }));
    for (const shape of Object.values(s))
      expect(leaks(out, TOKEN, JSON.stringify(shape).slice(1, -1))).toBe(false);
    expect(out.split(SECRET_MARKER)).toHaveLength(Object.keys(s).length + 1);
  });

  test('without the known list, the shapeless token passes (it is the list that finds it)', () => {
    expect(filterValue(`x ${TOKEN} y`, { pii: false })).toBe(`x ${TOKEN} y`);
    expect(filterValue(b64(TOKEN), { pii: false })).toBe(b64(TOKEN));
  });

  test('near misses and unrelated text — untouched', () => {
    const near = `${TOKEN.slice(0, -1)}B`;
    for (const text of [
      near,
      b64(near).slice(0, 20),
      'plain words, ids org_01HXYZABCDEFGHJKMNPQRSTVWX and 550e8400-e29b-41d4-a716-446655440000',
      '%20%41%42 \\u0041 &amp; &#65; \u200B',
      'a'.repeat(5000),
    ])
      expect(filterValue(text, { pii: false, known })).toBe(text);
  });

  test('short "secrets" are ignored rather than redacting ordinary words', () => {
    expect(filterValue('the team is ok', { pii: false, known: ['team', ''] })).toBe('the team is ok');
  });

  test('several occurrences and overlapping shapes — all replaced, nothing of them left', () => {
    const text = `${TOKEN} and ${b64(TOKEN)} and ${percentAll(TOKEN)}${TOKEN.toUpperCase()} end`;
    const out = filterValue(text, { pii: false, known });
    expect(out.toLowerCase()).not.toContain(TOKEN.toLowerCase());
    expect(out).not.toContain(b64(TOKEN).slice(4, 30));
    expect(out).not.toContain('%');
    expect(out.endsWith(' end')).toBe(true);
  });

  test('a secret at the end of a megabyte body — found (one linear pass per shape)', () => {
    const big = `${'lorem ipsum %20 dolor\n'.repeat(50_000)}${b64(`:${TOKEN}`)}`;
    const out = filterValue({ body: big }, { pii: false, known }).body;
    expect(out.endsWith(SECRET_MARKER)).toBe(true);
    expect(out.length).toBe(big.length - b64(`:${TOKEN}`).length + SECRET_MARKER.length);
  });
});

describe('object keys', () => {
  test('a secret-shaped key — replaced, and its value redacted with it', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlc2ln';
    const out: unknown = filterValue(
      {
        sk_live_abcdefgh12345678: 'created 2026-01-01',
        [jwt]: { scope: 'admin' },
        Zk3qW9vX2mN8bR5tY7cL1pD4hJ6sF0gA: true,
        name: 'kept',
      },
      { pii: false },
    );
    expect(out).toEqual({
      '[redacted key 1]': SECRET_MARKER,
      '[redacted key 2]': SECRET_MARKER,
      '[redacted key 3]': SECRET_MARKER,
      name: 'kept',
    });
  });

  test('a known secret as a key, in any shape — replaced', () => {
    for (const shape of Object.values(shapes(TOKEN))) {
      const out = filterValue({ metadata: { [shape]: 'v', region: 'eu' } }, { pii: false, known });
      expect(out).toEqual({ metadata: { '[redacted key 1]': SECRET_MARKER, region: 'eu' } });
    }
  });

  test('placeholders never collide with a real key', () => {
    const out: unknown = filterValue(
      { '[redacted key 1]': 'real', sk_live_abcdefgh12345678: 'x', sk_test_abcdefgh12345678: 'y' },
      { pii: false },
    );
    expect(out).toEqual({
      '[redacted key 1]': 'real',
      '[redacted key 2]': SECRET_MARKER,
      '[redacted key 3]': SECRET_MARKER,
    });
  });

  test('a key named like a secret field — handled as before: the key stays, the value goes', () => {
    expect(filterValue({ client_secret: 'x', password_set: true }, { pii: false })).toEqual({
      client_secret: SECRET_MARKER,
      password_set: true,
    });
  });

  test('keys that are ids or names — kept', () => {
    const harmless: Record<string, number> = {};
    for (const k of [
      '550e8400-e29b-41d4-a716-446655440000',
      'da39a3ee5e6b4b0d3255bfef95601890afd80709',
      'directory_user_01HXYZABCDEFGHJKMNPQRSTVWX',
      'org_membership_01HXYZABCDEFGHJKMNPQRSTVWX',
      'extension_8f3b2c1a4d5e6f708192a3b4c5d6e7f8_employeeId',
      'thisIsAVeryLongPropertyName123',
      'customAttributeForSalesforceAccount',
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'some_very_long_snake_case_field_name',
    ])
      harmless[k] = 1;
    expect(filterValue(harmless, { pii: false })).toEqual(harmless);
  });

  test('long random tokens of common alphabets are high-entropy; words and ids are not', () => {
    for (const t of [
      'Zk3qW9vX2mN8bR5tY7cL1pD4hJ6sF0gA',
      'q8x2m4k9z7w1v5n3b6c0ltrpyhgfdsja',
      Buffer.from('0123456789abcdef0123456789abcdef').toString('base64'),
      'whsec_Zk3qW9vX2mN8bR5tY7cL1pD4hJ6s',
    ])
      expect(isHighEntropyToken(t)).toBe(true);
    for (const w of ['AVeryLongCamelCaseNameWith2Digits9', 'organizationMembershipIdentifier2', 'short3Xy'])
      expect(isHighEntropyToken(w)).toBe(false);
  });

  test('input is never mutated', () => {
    const input = { [TOKEN]: 'a', note: b64(TOKEN) };
    filterValue(input, { pii: false, known });
    expect(input).toEqual({ [TOKEN]: 'a', note: b64(TOKEN) });
  });
});

describe('known secrets — more invisible splitters', () => {
  test('filter — a known token split by direction marks, invisible operators, tabs or no-break spaces is redacted', () => {
    const secret = 'lin_oauth_9f8e7d6c5b4a3210fedcba98';
    for (const sep of ['\u200e', '\u200f', '\u2061', '\u2064', '\u180e', '\u034f', '\t', '\u00a0']) {
      const split = [...secret].join(sep);
      const out = JSON.stringify(
        filterValue({ echo: `you sent ${split} ok` }, { pii: false, known: [secret] }),
      );
      expect(out).not.toContain(split);
      expect(out).toContain('you sent');
    }
  });
});

describe('remembered answers', () => {
  test('filter — a text filtered again answers as for the first time, under each set of secrets and PII setting', () => {
    const a = 'remembered-key-one-7f3a';
    const b = 'remembered-key-two-9c1d';
    const text = `the key is ${a.toUpperCase()} and mail goes to ops@acme.example`;
    for (let round = 0; round < 2; round++) {
      expect(filterValue(text, { pii: false, known: [a] })).not.toContain(a.toUpperCase());
      expect(filterValue(text, { pii: false, known: [b] })).toBe(text);
      expect(filterValue(text, { pii: false })).toBe(text);
      expect(filterValue({ t: text }, { pii: false, known: [a] }).t).toContain('ops@acme.example');
      expect(filterValue({ t: text }, { pii: true, known: [a] }).t).not.toContain('ops@acme.example');
      expect(filterValue('a plain sentence of some length', { pii: true })).toBe(
        'a plain sentence of some length',
      );
    }
  });
});
