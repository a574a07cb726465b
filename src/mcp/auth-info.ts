import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Principal } from '../oauth/principal.ts';

/** Wraps the resolved principal into the SDK's per-request AuthInfo (`ctx.http.authInfo`). */
export function toAuthInfo(token: string, p: Principal, requestId?: string): AuthInfo {
  return {
    token,
    clientId: p.clientId ?? `connection:${p.familyId}`,
    scopes: p.scopes,
    ...(p.expiresAt !== null ? { expiresAt: Math.floor(p.expiresAt / 1000) } : {}),
    extra: { principal: p, requestId },
  };
}

/** The id of the HTTP request a handler is serving (the access log's), if the endpoint set one. */
export function requestIdOf(authInfo: AuthInfo | undefined): string | undefined {
  const id = (authInfo?.extra as { requestId?: unknown } | undefined)?.requestId;
  return typeof id === 'string' ? id : undefined;
}

/** The principal of the request a handler is serving; throws if the endpoint did not attach one. */
export function principalOf(authInfo: AuthInfo | undefined): Principal {
  const p = (authInfo?.extra as { principal?: Principal } | undefined)?.principal;
  if (!p) throw new Error('MCP request without a resolved principal');
  return p;
}
