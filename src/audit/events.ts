/**
 * Every kind of audit entry Gatehouse writes. `AuditInput.event` takes only these, so the list the
 * console offers as filter suggestions cannot drift from what is actually recorded.
 */
export const AUDIT_EVENTS = [
  'tool.call',
  'confirmation.consumed',
  // A person's answer in the console to a deletion (or sign-in change) their agent asked for.
  'confirmation.confirmed',
  'confirmation.declined',
  'settings.changed',
  'team.kill_switch',
  'grant.requested',
  'grant.approved',
  'grant.denied',
  'grant.revoked',
  'grant.consumed',
  // An exact-call grant given back: its call failed before it reached the provider.
  'grant.released',
  'grant.expired',
  'grant.superseded',
  'grant.narrowed',
  // A human's approve / deny / revoke that was refused (outcome denied).
  'grant.approve',
  'grant.deny',
  'grant.revoke',
  'auth.sign_in',
  'auth.sign_out',
  'auth.team_entered',
  'oauth.client_registered',
  'oauth.consent',
  'oauth.token_issued',
  'oauth.tokens_revoked',
  'oauth.refresh_reused',
  'oauth.code_replayed',
  'token_family.revoked',
  'connection_token.created',
  'audit.exported',
  // The audit key was declared lost (GATEHOUSE_AUDIT_KEY_REPLACES): another signs from here on.
  'audit.key_replaced',
  // Tenancy: the operator admits or removes teams; someone outside every team is refused.
  'team.admitted',
  'team.removed',
  'signin.refused',
  // A team admin links, replaces or removes a WorkOS environment (the key is never recorded).
  'environment.linked',
  'environment.unlinked',
  'environment.link_refused',
] as const;

export type AuditEvent = (typeof AUDIT_EVENTS)[number];
