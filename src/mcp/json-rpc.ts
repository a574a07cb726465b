import { withSecurityHeaders } from '../http/responses.ts';

/** A JSON-RPC error response outside any transport (id null: the request could not be matched). */
export function jsonRpcError(status: number, code: number, message: string, headers?: HeadersInit): Response {
  const h = withSecurityHeaders(new Headers(headers));
  h.set('Content-Type', 'application/json');
  return new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }), {
    status,
    headers: h,
  });
}
