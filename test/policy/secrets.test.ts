import { describe, expect, test } from 'bun:test';
import { SECRET_CANARIES } from '../../src/emulator/index.ts';
import { filterValue, isSecretKey, redactPii, SECRET_MARKER } from '../../src/policy/secrets.ts';

describe('secret filter', () => {
  test('secret-named fields — lose their values, whatever the casing', () => {
    const out = filterValue(
      {
        client_secret: 'abc',
        apiKey: 'k',
        'private-key': 'p',
        password: 'x',
        x509_certificate: 'MII',
        nested: [{ access_token: 't' }],
        name: 'ok',
      },
      { pii: false },
    );
    expect(out).toEqual({
      client_secret: SECRET_MARKER,
      apiKey: SECRET_MARKER,
      'private-key': SECRET_MARKER,
      password: SECRET_MARKER,
      x509_certificate: SECRET_MARKER,
      nested: [{ access_token: SECRET_MARKER }],
      name: 'ok',
    });
  });

  test('gatehouse fields meant for the agent — kept', () => {
    expect(isSecretKey('confirmation_token')).toBe(false);
    expect(isSecretKey('token_type')).toBe(false);
    expect(isSecretKey('token_endpoint_auth_method')).toBe(false);
    expect(isSecretKey('client_id')).toBe(false);
  });

  test('secret-shaped values — replaced inside free text', () => {
    const text =
      'key sk_live_abcdefgh12345678 and jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlc2ln in a note';
    const out = filterValue({ note: text }, { pii: false }).note;
    expect(out).not.toContain('sk_live_abcdefgh');
    expect(out).not.toContain('eyJhbGci');
    expect(out).toContain('and jwt');
  });

  test('PEM blocks — replaced, even truncated ones', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEv...\n-----END PRIVATE KEY-----';
    expect(filterValue(`a ${pem} b`, { pii: false })).toBe(`a ${SECRET_MARKER} b`);
    expect(filterValue('x -----BEGIN CERTIFICATE-----\nMIIB', { pii: false })).toBe(`x ${SECRET_MARKER}`);
  });

  test('third-party tokens — GitHub, Slack, Linear and Gatehouse\u2019s own are recognised', () => {
    for (const t of [
      'ghp_abcdefghijklmnopqrstuvwxyz0123',
      'xoxb-1234567890-abcdef',
      'lin_api_abcdefghijklmnop1234',
      'gatehouse_at_abcdefghijklmnopqrstuvwx',
    ]) {
      expect(filterValue(`token ${t} end`, { pii: false })).toBe(`token ${SECRET_MARKER} end`);
    }
  });

  test('seeded canaries — each is removed by shape, by field name, or as part of its PEM block', () => {
    for (const c of SECRET_CANARIES) {
      const asText = JSON.stringify(filterValue({ note: `before ${c} after` }, { pii: false }));
      const asField = JSON.stringify(filterValue({ client_secret: c }, { pii: false }));
      const inPem = JSON.stringify(
        filterValue(`-----BEGIN PRIVATE KEY-----\n${c}\n-----END PRIVATE KEY-----`, { pii: false }),
      );
      expect(asField).not.toContain(c);
      expect(inPem).not.toContain(c);
      const shapeless = c.startsWith('MII') || c.includes('fieldNamed');
      if (!shapeless) expect(asText).not.toContain(c);
    }
  });

  test('input is never mutated', () => {
    const input = { client_secret: 's' };
    filterValue(input, { pii: false });
    expect(input.client_secret).toBe('s');
  });
});

describe('pii redaction', () => {
  test('emails, phone numbers and Luhn-valid card numbers — replaced', () => {
    const out = redactPii(
      'Mail ana@acme.test, call +1 415 555 0100, card 4242 4242 4242 4242, order 1234567890123',
    );
    expect(out).toBe(
      'Mail [redacted: email], call [redacted: phone], card [redacted: card], order 1234567890123',
    );
  });

  test('dates and ids — left alone', () => {
    expect(redactPii('2026-11-23T01:02:03Z org_01ABC')).toBe('2026-11-23T01:02:03Z org_01ABC');
  });

  test('only when the team asks for it', () => {
    expect(filterValue('a@b.test', { pii: false })).toBe('a@b.test');
    expect(filterValue('a@b.test', { pii: true })).toBe('[redacted: email]');
  });
});
