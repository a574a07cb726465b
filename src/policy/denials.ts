import { AppError } from '../errors/app-error.ts';

/** Why a call was refused; recorded in the audit trail and the denial metrics. */
export type DenialReason =
  | 'mcp_disabled'
  | 'unknown_tool'
  | 'missing_permission'
  | 'insufficient_scope'
  | 'invalid_arguments'
  | 'production_not_allowed'
  | 'environment_not_switched'
  | 'production_unavailable'
  | 'write_disabled'
  | 'confirmation_required'
  | 'confirmation_invalid'
  | 'confirmation_declined'
  | 'impersonated_session'
  | 'staff_organization'
  | 'environment_not_linked'
  | 'session_required'
  | 'sign_in_change_needs_admin'
  | 'confirmation_needs_person'
  | 'confirmation_pending';

export class Denied extends Error {
  constructor(
    readonly reason: DenialReason,
    readonly error: AppError,
  ) {
    super(error.message);
  }
}

export const deny = (
  reason: DenialReason,
  code: ConstructorParameters<typeof AppError>[0],
  message: string,
  hint?: string,
) => new Denied(reason, new AppError(code, message, { hint }));
