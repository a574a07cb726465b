/**
 * How /mcp answers a call (src/mcp/answers.ts): one JSON body when nothing is streamed before
 * the result, an SSE stream for a session whose client can be asked questions, and a call held
 * past the keep-alive interval streamed so Bun's idle timeout never cuts it. A call waiting in a
 * JSON body is answered at once when its session ends.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { IDLE_TIMEOUT_S, SSE_KEEPALIVE_MS } from '../../src/config/constants.ts';
import type { Tokens } from '../support/mcp.ts';
import { INITIALIZE, mcpPost, openRawSession, sseMessages } from '../support/raw-mcp.ts';
import { withFakeLinear } from './held-calls.ts';

setDefaultTimeout(30_000);

const suite = withFakeLinear();
const { callBody, onSession, linearSession, holdLinear, linearCall } = suite;

/** Revokes the access token at /revoke (RFC 7009), as its client would; the status. */
async function revoke(tokens: Tokens): Promise<number> {
  const clientId = suite.gh.ctx.oauth.tokens.bearer(tokens.access_token)!.family.clientId!;
  const res = await fetch(`${suite.gh.url}/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: tokens.access_token, client_id: clientId }),
  });
  return res.status;
}

/** What is left of a stream, as text, once it ends. */
async function restOf(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let rest = '';
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += decoder.decode(r.value);
  return rest;
}

test('answers — a session whose client declared no elicitation gets its results in one JSON body', async () => {
  const id = await openRawSession(suite.gh.url, suite.member().access_token);
  const res = await mcpPost(suite.gh.url, suite.member().access_token, callBody(2, 'whoami'), onSession(id));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  expect(res.headers.get('mcp-session-id')).toBe(id);
  const body = (await res.json()) as { id: number; result: { isError?: boolean } };
  expect(body.id).toBe(2);
  expect(body.result.isError).toBeFalsy();
});

test('answers — a session whose client can be asked (elicitation) gets its results on an SSE stream', async () => {
  const init = { ...INITIALIZE, params: { ...INITIALIZE.params, capabilities: { elicitation: {} } } };
  const opened = await mcpPost(suite.gh.url, suite.member().access_token, init);
  await opened.arrayBuffer();
  const id = opened.headers.get('mcp-session-id')!;
  const ack = await mcpPost(
    suite.gh.url,
    suite.member().access_token,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    onSession(id),
  );
  expect(ack.status).toBe(202);
  const res = await mcpPost(suite.gh.url, suite.member().access_token, callBody(3, 'whoami'), onSession(id));
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const messages = sseMessages(await res.text()) as { id?: number; result?: unknown }[];
  expect(messages.find((m) => m.id === 3)?.result).toBeDefined();
});

test('answers — a sessionless 2026-07-28 call gets its result in one JSON body', async () => {
  const res = await mcpPost(
    suite.gh.url,
    suite.member().access_token,
    {
      ...callBody(4, 'whoami'),
      params: {
        name: 'whoami',
        arguments: {},
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    },
    { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'whoami' },
  );
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  expect(((await res.json()) as { id: number }).id).toBe(4);
});

test('answers — a call held past the keep-alive interval becomes an SSE stream and still delivers its result', async () => {
  // Streamed before Bun's idle timeout could cut the connection (the first bytes go at once).
  expect(SSE_KEEPALIVE_MS).toBeLessThan(IDLE_TIMEOUT_S * 1000);
  const { tokens, sessionId } = await linearSession();
  const held = holdLinear();
  const res = await mcpPost(suite.gh.url, tokens.access_token, linearCall(5), onSession(sessionId));
  // The answer comes only once the call has waited SSE_KEEPALIVE_MS: it is the stream.
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  expect(res.headers.get('mcp-session-id')).toBe(sessionId);
  await held.arrived;
  const reader = res.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  expect(first.startsWith(':')).toBe(true);
  held.release();
  const rest = await restOf(reader);
  const messages = sseMessages(rest) as { id?: number; result?: { isError?: boolean } }[];
  const answer = messages.find((m) => m.id === 5);
  expect(answer?.result?.isError).toBeFalsy();
});

test('answers — a call waiting in a JSON body is answered at once when its token is revoked', async () => {
  const { tokens, sessionId } = await linearSession();
  const held = holdLinear();
  const pending = mcpPost(suite.gh.url, tokens.access_token, linearCall(6), onSession(sessionId));
  await held.arrived;
  expect(await revoke(tokens)).toBe(200);
  // Answered while Linear still holds the call: no result after the revocation.
  const res = await pending;
  expect(res.status).toBe(404);
  const body = (await res.json()) as { id: number; error: { message: string } };
  expect(body.id).toBe(6);
  expect(body.error.message).toContain('its authorization was revoked');
  held.release();
});

test('answers — a call waiting in a JSON body is answered at once when the client ends its session', async () => {
  const { tokens, sessionId } = await linearSession();
  const held = holdLinear();
  const pending = mcpPost(suite.gh.url, tokens.access_token, linearCall(7), onSession(sessionId));
  await held.arrived;
  const del = await fetch(`${suite.gh.url}/mcp`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${tokens.access_token}`, ...onSession(sessionId) },
  });
  expect(del.status).toBe(200);
  const res = await pending;
  expect(res.status).toBe(404);
  expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
    'the client closed it',
  );
  held.release();
});

test('answers — a call cancelled in its own POST is answered at once with a stand-in, and its id is free', async () => {
  const id = await openRawSession(suite.gh.url, suite.member().access_token);
  // A cancelled request gets no answer from the server (MCP cancellation): a stand-in closes its
  // JSON body instead of leaving it to wait forever.
  const res = await mcpPost(
    suite.gh.url,
    suite.member().access_token,
    [
      { jsonrpc: '2.0', id: 50, method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 50 } },
    ],
    onSession(id),
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as { id: number; error?: { message: string } }[] | { id: number };
  expect(JSON.stringify(body)).toContain('"id":50');
  const again = await mcpPost(
    suite.gh.url,
    suite.member().access_token,
    { jsonrpc: '2.0', id: 50, method: 'ping' },
    onSession(id),
  );
  expect(again.status).toBe(200);
});

test('answers — a call already streamed when its token is revoked gets the error as its message, then the stream ends', async () => {
  const { tokens, sessionId } = await linearSession();
  const held = holdLinear();
  // The answer comes once the call has waited SSE_KEEPALIVE_MS: it is the stream.
  const res = await mcpPost(suite.gh.url, tokens.access_token, linearCall(8), onSession(sessionId));
  await held.arrived;
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  expect(new TextDecoder().decode((await reader.read()).value).startsWith(':')).toBe(true);
  expect(await revoke(tokens)).toBe(200);
  const rest = await restOf(reader);
  const messages = sseMessages(rest) as { id?: number; result?: unknown; error?: { message: string } }[];
  // Ended while Linear still holds the call: its error, never a result.
  expect(messages.find((m) => m.id === 8)?.error?.message).toContain('its authorization was revoked');
  expect(messages.some((m) => m.result !== undefined)).toBe(false);
  held.release();
});
