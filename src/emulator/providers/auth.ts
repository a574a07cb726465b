/**
 * Who a demo provider's caller is: the bearer token must be one the embedded Pipes fixture vends
 * for that provider, on a connection that is still `connected`. Anything else — no token, a
 * guessed one, another provider's, one of a connection needing re-authorization — is refused by
 * the fake itself, so Gatehouse's token injection is really exercised.
 */
import type { PipeConnectionRecord } from '../fixtures/state.ts';

/** The Pipes connection behind a presented token. */
export interface ProviderCaller {
  userId: string;
  /** The provider account (`account_display_name` of the connected account). */
  account: string;
  /** Scopes the user granted to this connection. */
  scopes: readonly string[];
}

/** Resolves a presented token to its caller, or undefined. */
export type TokenCheck = (token: string | undefined) => ProviderCaller | undefined;

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerOf(req: Request): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get('authorization') ?? '');
  return m?.[1];
}

/** Checks tokens against the Pipes connected accounts of `provider` (read live: state may change). */
export function pipesTokenCheck(
  pipes: ReadonlyMap<string, PipeConnectionRecord>,
  provider: string,
): TokenCheck {
  return (token) => {
    if (!token) return undefined;
    for (const c of pipes.values()) {
      if (c.provider === provider && c.state === 'connected' && c.access_token === token)
        return { userId: c.user_id, account: c.account_display_name, scopes: c.scopes };
    }
    return undefined;
  };
}
