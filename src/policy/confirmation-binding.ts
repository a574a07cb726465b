import type { Environment } from '../../db/schema/enums.ts';
import { canonicalJson } from '../crypto/canonical-json.ts';
import { sha256 } from '../crypto/random.ts';

export interface ConfirmationBinding {
  familyId: string;
  tool: string;
  /** The exact arguments (the confirmation token and `environment` are left out of the hash). */
  args: Record<string, unknown>;
  environment: Environment;
}

/**
 * The arguments as bound, in canonical form (key order and absent values do not matter): all but
 * the confirmation token itself and `environment`, which is bound separately as the environment
 * the call runs in — so `environment: "sandbox"` spelled out on the second call confirms the same
 * deletion the first call described in the session's sandbox, and `"production"` does not.
 */
export function argsHash(args: Record<string, unknown>): string {
  const { confirmation_token: _token, environment: _environment, ...rest } = args;
  return sha256(canonicalJson(rest));
}
