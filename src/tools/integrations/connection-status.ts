/**
 * How each provider stands for a human in WorkOS Pipes, read from "List providers for a user"
 * (https://workos.com/docs/reference/pipes/provider): every provider configured in the
 * environment, with the user's `connected_account` (null when there is none). The account's
 * `state` is one of three documented values
 * (https://workos.com/docs/reference/pipes/connected-account; @workos-inc/node's
 * `DataIntegrationsListResponseDataConnectedAccountState`): `connected`, `needs_reauthorization`,
 * `disconnected` — a disconnected account is not a usable connection, and an unknown future
 * state is not taken for one either.
 */
import type { PipesConnection, PipesStatus } from '../ports.ts';

/** The parts of a listed provider this reads (the SDK's DataIntegrationsListResponseData). */
export interface ListedProvider {
  slug: string;
  /** The scopes the integration requests; null when none are configured. */
  scopes: string[] | null;
  connectedAccount: {
    state: string;
    scopes: string[];
    accountDisplayName?: string | null;
    accountIdentifier?: string | null;
    config?: Record<string, string>;
  } | null;
}

/** A connected account's documented state as Gatehouse reports it; anything unknown is not connected. */
export function statusOf(account: ListedProvider['connectedAccount']): PipesStatus {
  if (!account) return 'not_installed';
  switch (account.state) {
    case 'connected':
      return 'connected';
    case 'needs_reauthorization':
      return 'needs_reauthorization';
    default:
      return 'disconnected';
  }
}

/** Each listed provider's connection, by slug. */
export function pipesConnections(list: readonly ListedProvider[]): Map<string, PipesConnection> {
  const out = new Map<string, PipesConnection>();
  for (const d of list) {
    const account = d.connectedAccount;
    const status = statusOf(account);
    out.set(d.slug, {
      status,
      // "If the integration has requested scopes that aren't present on the access token, they're
      // listed" as missing_scopes when a token is vended (https://workos.com/docs/reference/pipes/access-token):
      // the same difference, read before any token is asked for.
      missingScopes:
        account && status !== 'disconnected'
          ? (d.scopes ?? []).filter((s) => !account.scopes.includes(s))
          : [],
      account: account?.accountDisplayName ?? account?.accountIdentifier ?? null,
      config: account?.config ?? {},
    });
  }
  return out;
}

/** What the human must do for a provider that is not usable, in one sentence; undefined when it is. */
export function pipesProblem(name: string, c: PipesConnection | undefined): string | undefined {
  switch (c?.status ?? 'not_installed') {
    case 'connected':
      return c && c.missingScopes.length > 0
        ? `${name} is connected without the scopes ${c.missingScopes.join(', ')}: calls that need them fail until the human re-authorizes ${name} in WorkOS Pipes.`
        : undefined;
    case 'needs_reauthorization':
      return `${name} is connected but needs re-authorization in WorkOS Pipes${c && c.missingScopes.length > 0 ? ` (missing scopes: ${c.missingScopes.join(', ')})` : ''}: ask the human to reconnect it.`;
    case 'disconnected':
      return `${name} was disconnected in WorkOS Pipes: ask the human to connect it again.`;
    default:
      return `${name} is not connected in WorkOS Pipes: ask the human to connect it first.`;
  }
}
