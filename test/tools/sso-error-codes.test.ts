/**
 * diagnose_sso_sign_in recognises only the SSO error codes WorkOS documents
 * (https://workos.com/docs/reference/sso/get-authorization-url, "Error codes"); any other code is
 * reported as undocumented, with WorkOS's message, never explained by a guess.
 */
import { expect, test } from 'bun:test';
import { diagnose, type SignInEvent, SSO_ERROR_CODES } from '../../src/tools/sso/diagnosis.ts';

const now = Date.parse('2026-12-01T12:00:00Z');
const failure = (code: string, message: string, minutesAgo: number): SignInEvent => ({
  at: new Date(now - minutesAgo * 60_000).toISOString(),
  status: 'failed',
  email: 'ana@acme.test',
  connection_id: 'conn_1',
  error: { code, message },
});

const input = (events: SignInEvent[]) => ({
  organization: { id: 'org_1', name: 'Acme', domains: [{ domain: 'acme.test', state: 'verified' }] },
  connections: [
    { id: 'conn_1', name: 'Acme Okta', type: 'OktaSAML', state: 'active', domains: ['acme.test'] } as never,
  ],
  events,
  email: null,
  hours: 72,
  lastSuccessBefore: null,
  now,
});

test('diagnose — an undocumented code is named as such, with WorkOS’s message, and not explained', () => {
  const d = diagnose(input([failure('idp_certificate_expired', 'The certificate expired.', 5)]));
  expect(d.verdict).toBe('idp_failures');
  expect(d.failures_by_error[0]).toMatchObject({ code: 'idp_certificate_expired', documented: false });
  expect(d.next_steps[0]).toContain(
    '"idp_certificate_expired" (1 failure on connection "Acme Okta") is not one of WorkOS\'s documented SSO error codes, so Gatehouse cannot say what it means. WorkOS\'s message: "The certificate expired.".',
  );
});

test('diagnose — each documented code gets its own step; access_denied points at the IdP assignment', () => {
  for (const code of Object.keys(SSO_ERROR_CODES)) {
    const d = diagnose(input([failure(code, 'x', 5)]));
    expect(d.failures_by_error[0]?.documented).toBe(true);
    expect(d.next_steps[0]).not.toContain('not one of WorkOS');
  }
  expect(diagnose(input([failure('access_denied', '', 5)])).next_steps[0]).toContain(
    'assign these people to the application in their IdP',
  );
});
