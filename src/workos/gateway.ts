import type { WorkOS } from '@workos-inc/node';
import type { Environment } from '../../db/schema/enums.ts';

/**
 * The WorkOS APIs Gatehouse talks to: one client per environment (production may be absent
 * in live mode without WORKOS_PRODUCTION_API_KEY) and the identity environment humans sign in to.
 */
export interface WorkOSGateway {
  mode: 'local' | 'live';
  /** The environment holding the staff teams and AuthKit (sandbox in local mode). */
  identity: { client: WorkOS; clientId: string };
  clients: Partial<Record<Environment, WorkOS>>;
  /** Base URLs of the embedded WorkOS per environment (local mode only). */
  embeddedUrls: Partial<Record<Environment, string>>;
  close(): Promise<void>;
}
