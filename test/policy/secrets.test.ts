import { describe, expect, test } from 'bun:test';
import { SECRET_CANARIES } from '../../src/emulator/index.ts';
import { filterValue, isSecretKey, redactPii, SECRET_MARKER } from '../../src/secrets/filter.ts';

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

  test('secret words anywhere in a field name, in any casing — masked', () => {
    for (const key of [
      'secret_key',
      'api_keys',
      'private_key_pem',
      'aws_secret_access_key',
      'AWSSecretAccessKey',
      'password_hash',
      'secretKey',
      'deploy_key',
      'service_account_key',
      'x509Cert',
      'saml_x509_certs',
      'signing-key',
      'legacyToken',
      'id_tokens',
      'db_credentials',
      'smtp_passwd',
      'apikey',
    ])
      expect(filterValue({ [key]: 'plain value' }, { pii: false })).toEqual({ [key]: SECRET_MARKER });
  });

  test('fields that only name or describe a secret, or hold no secret word — kept', () => {
    const harmless = {
      key: 'region',
      idp_id: 'idp_123',
      public_key: 'ssh-ed25519 AAAA',
      idempotency_key: 'retry-1',
      api_key_id: 'key_01H',
      password_updated_at: '2026-01-01T00:00:00Z',
      certificate_expires_at: '2026-12-01T00:00:00Z',
      secretary: 'Ana',
      passwordless: 'magic link',
      verification_strategy: 'dns',
      token_type: 'Bearer',
      password_set: true,
    };
    expect(filterValue(harmless, { pii: false })).toEqual(harmless);
  });

  test('a live confirmation token — replaced wherever it is echoed, by its shape', () => {
    const token = 'confirm_Ab3dEfGh1jKlMnOpQrStUvWxYz0123-_';
    expect(token).toHaveLength(40);
    expect(filterValue({ note: `the agent sent ${token}` }, { pii: false })).toEqual({
      note: `the agent sent ${SECRET_MARKER}`,
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

  test('IPv4 addresses, versions and dotted ids — left alone; dotted phone numbers still replaced', () => {
    for (const text of [
      '192.168.100.200',
      'Sign-in failed from 203.0.113.250.',
      'ip 10.200.300.4000',
      'version 2024.100.2000.1',
      'oid 1.2.840.113549.1.1.11',
    ])
      expect(redactPii(text)).toBe(text);
    expect(redactPii('call 415.555.0100 or (415) 555-0100')).toBe(
      'call [redacted: phone] or [redacted: phone]',
    );
  });

  test('only when the team asks for it', () => {
    expect(filterValue('a@b.test', { pii: false })).toBe('a@b.test');
    expect(filterValue('a@b.test', { pii: true })).toBe('[redacted: email]');
  });
});
