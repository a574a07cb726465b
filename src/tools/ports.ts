/**
 * What a tool may reach besides WorkOS: small ports bound to the caller, built by the pipeline
 * (policy/tool-context.ts). A tool never gets the whole application: a tool can only request
 * grants as its own caller, read its own caller's Pipes connections, and call out through the
 * guarded fetch.
 */
import type { Environment } from '../../db/schema/enums.ts';
import type { DemoProviders } from '../approvals/providers/demo.ts';
import type { Grant } from '../approvals/store.ts';
import type { OutboundFetch } from '../outbound/types.ts';

/**
 * How a provider stands for the caller in WorkOS Pipes: the connected account's documented
 * `state` (https://workos.com/docs/reference/pipes/connected-account), or `not_installed`.
 */
export type PipesStatus = 'connected' | 'needs_reauthorization' | 'disconnected' | 'not_installed';

/** The caller's connection to one provider, as Pipes lists it. */
export interface PipesConnection {
  status: PipesStatus;
  /** Scopes the integration requests that this connection was not granted (the human must re-authorize to add them). */
  missingScopes: string[];
  /** The provider account Pipes names, if any. */
  account: string | null;
  /** Provider-declared settings of the connection (a Snowflake `account`). */
  config: Record<string, string>;
}

/** A provider token Pipes vended (https://workos.com/docs/reference/pipes/access-token). */
export interface VendedToken {
  accessToken: string;
  scopes: string[];
  /** Requested scopes the token lacks: calls needing them fail until the human re-authorizes. */
  missingScopes: string[];
}

/** The caller's own approval requests and grants. */
export interface CallerGrants {
  requestBroad(input: { level: 'read' | 'write'; providers: string[]; reason: string }): {
    grant: Grant;
    approvalToken: string;
  };
  requestCall(input: {
    provider: string;
    method: string;
    url: string;
    body: string | undefined;
    headers?: Record<string, string> | undefined;
    reason: string;
  }): {
    grant: Grant;
    approvalToken: string;
  };
  /** The caller's approved, unexpired grants. */
  active(): Grant[];
  /** One of the caller's own requests, or undefined (another caller's is not theirs to see). */
  mine(id: string): Grant | undefined;
}

/**
 * The caller's WorkOS Pipes connections, in the identity environment where they live, looked up
 * in the caller's team (its organization scopes the lookup, as Pipes documents `organization_id`).
 */
export interface CallerPipes {
  /** A provider access token for the caller (Gatehouse injects it; the agent never sees it). */
  accessToken(
    provider: string,
  ): Promise<{ active: true; accessToken: VendedToken } | { active: false; error: string }>;
  /** How each provider stands for the caller, by provider slug. */
  connections(): Promise<Map<string, PipesConnection>>;
}

/** Facts about the caller's team a tool may need. */
export interface CallerTeam {
  /** Whether the team has a WorkOS environment linked for `environment`. */
  linked(environment: Environment): boolean;
  /** The name of the Gatehouse team whose own organization this is, if any (staff, not a customer). */
  staffTeamName(organizationId: string): string | undefined;
}

/** Tells Gatehouse a role changed in WorkOS through a tool, so cached roles and open sessions follow. */
export interface Memberships {
  roleChanged(workosUserId: string, organizationId: string): void;
}

/** The approval that lets an integration call through (policy/approval-gate.ts). */
export interface Approval {
  grant: Grant;
  /** Spends the approval at the moment the call goes out (an exact-call grant, atomically, once). */
  commit(): Grant;
  /** Gives a spent exact-call grant back when its call provably never went out. */
  release(spent: Grant): void;
}

export type { DemoProviders, OutboundFetch };
