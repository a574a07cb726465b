import { withSecurityHeaders } from '../http/responses.ts';

/** The JSON-RPC server-error code Gatehouse answers limits with (a quota full, a rate exceeded). */
export const LIMIT_EXCEEDED = -32029;

/** The messages of a parsed JSON-RPC body: a batch's elements, or the one message. */
export function messagesOf(body: unknown): unknown[] {
  return Array.isArray(body) ? body : [body];
}

/** The first message of a parsed body (alone or in a batch) whose method is `method`. */
export function messageCalling(
  body: unknown,
  method: string,
): { id?: unknown; params?: unknown } | undefined {
  return messagesOf(body).find(
    (m) => !!m && typeof m === 'object' && (m as { method?: unknown }).method === method,
  ) as { id?: unknown; params?: unknown } | undefined;
}

/** A JSON-RPC error response outside any transport (id null: the request could not be matched). */
export function jsonRpcError(status: number, code: number, message: string, headers?: HeadersInit): Response {
  return jsonRpcErrors(status, [null], code, message, headers);
}

/**
 * A JSON-RPC error answering each of `ids` (one error object, or an array for a batch), with
 * optional `data` (e.g. how long to wait).
 */
export function jsonRpcErrors(
  status: number,
  ids: readonly (string | number | null)[],
  code: number,
  message: string,
  headers?: HeadersInit,
  data?: Record<string, unknown>,
): Response {
  const h = withSecurityHeaders(new Headers(headers));
  h.set('Content-Type', 'application/json');
  const error = data ? { code, message, data } : { code, message };
  const bodies = ids.map((id) => ({ jsonrpc: '2.0', id, error }));
  return new Response(JSON.stringify(bodies.length === 1 ? bodies[0] : bodies), { status, headers: h });
}
