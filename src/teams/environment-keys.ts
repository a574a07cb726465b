import { NotFoundException, UnauthorizedException } from '@workos-inc/node';
import type { Environment } from '../../db/schema/enums.ts';
import type { AppError } from '../errors/app-error.ts';
import type { WorkOSGateway } from '../workos/gateway.ts';

/**
 * Where a team's environment comes from: linked by a team admin, the deployment's keys (first
 * admitted team only), local mode's embedded environment of a seeded team, or nothing.
 */
export type EnvironmentSource = 'linked' | 'deployment' | 'embedded' | 'none';

/** What the settings page shows of one environment: never the key, only its last four characters. */
export interface EnvironmentStatus {
  environment: Environment;
  source: EnvironmentSource;
  keyLast4: string | null;
  /** `staging` (sk_test_) or `production` (sk_live_), as WorkOS names its keys. */
  keyKind: string | null;
  /** The key opens the identity environment itself: staff organizations are protected there. */
  sharesIdentity: boolean;
  linkedAt: number | null;
  linkedBy: string | null;
  /** Other teams that linked the same key: they see and change the same customers. */
  sharedWith: string[];
}

/** What a WorkOS secret key looks like (the shape only; WorkOS itself decides if it is valid). */
export const KEY_SHAPE = /^sk_[A-Za-z0-9_]{8,200}$/;

/** WorkOS names its keys by environment kind: sk_test_ for staging, sk_live_ for production. */
export function keyKind(apiKey: string): string {
  if (apiKey.startsWith('sk_test_')) return 'staging';
  if (apiKey.startsWith('sk_live_')) return 'production';
  return 'unknown';
}

/**
 * The one real WorkOS call that checks a key a team admin links: reading the team's own
 * organization. 401 means a wrong key; 404 a valid key of another environment (the expected
 * case); 200 a key that opens the identity environment itself. Returns whether it does; throws
 * the refusal `refuse` builds (nothing is saved) for anything else.
 */
export async function checkKey(
  gateway: WorkOSGateway,
  apiKey: string,
  organizationId: string,
  refuse: (message: string, hint: string, code?: 'invalid_input' | 'unavailable') => AppError,
): Promise<boolean> {
  if (apiKey === gateway.identity.apiKey) return true;
  const client = gateway.clientForKey(apiKey);
  try {
    await client.organizations.getOrganization(organizationId);
    return true;
  } catch (e) {
    if (e instanceof NotFoundException) return false;
    if (e instanceof UnauthorizedException) {
      throw refuse(
        'WorkOS refused this key (401 Unauthorized): it is not a valid API key, or it was revoked or expired.',
        'Copy the key again from the WorkOS dashboard (API Keys); nothing was saved.',
      );
    }
    const status = (e as { status?: number }).status;
    if (status === 403) {
      throw refuse(
        'WorkOS accepted this key but refused to read organizations with it (403 Forbidden).',
        'Use an API key with full access to the environment; nothing was saved.',
      );
    }
    throw refuse(
      `Could not reach WorkOS to check this key (${e instanceof Error ? e.message.slice(0, 200) : 'unknown error'}).`,
      'Try again in a moment; nothing was saved.',
      'unavailable',
    );
  }
}
