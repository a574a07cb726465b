/**
 * A session's JSON-RPC ids while their requests are pending (src/mcp/in-flight.ts): an id is busy
 * until neither the transport nor the server holds it, so no request is ever handed another's
 * answer, and nothing stays busy once both let go. Each case reproduces an outsider's attack.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { mcpPost, openRawSession } from '../support/raw-mcp.ts';
import { withFakeLinear } from './held-calls.ts';

setDefaultTimeout(30_000);

const suite = withFakeLinear();
const { callBody, onSession, linearSession, holdLinear, linearCall } = suite;
const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'ping' });
const cancel = (requestId: number, reason?: unknown) => ({
  jsonrpc: '2.0',
  method: 'notifications/cancelled',
  params: { requestId, ...(reason === undefined ? {} : { reason }) },
});

test('in-flight ids — a call whose client left keeps its id until it ends: a new request reusing the id never gets its answer', async () => {
  const { tokens, sessionId } = await linearSession();
  const held = holdLinear();
  const client = new AbortController();
  const left = mcpPost(suite.gh.url, tokens.access_token, linearCall(5), onSession(sessionId), {
    signal: client.signal,
  }).catch(() => undefined);
  await held.arrived;
  client.abort();
  await left;
  // Still running at Linear: the id is still that call's (a reuse would be handed its answer).
  const reuse = await mcpPost(suite.gh.url, tokens.access_token, callBody(5, 'whoami'), onSession(sessionId));
  expect(reuse.status).toBe(409);
  expect(await reuse.text()).toContain('already in progress');
  held.release();
  // Its answer goes nowhere, and the id is free from then on: a reuse gets its own answer.
  let res = reuse;
  for (let i = 0; i < 200 && res.status === 409; i++)
    res = await mcpPost(suite.gh.url, tokens.access_token, callBody(5, 'whoami'), onSession(sessionId));
  expect(res.status).toBe(200);
  const body = (await res.json()) as { id: number; result: { content: { text: string }[] } };
  expect(body.id).toBe(5);
  expect(body.result.content[0]!.text).not.toContain('viewer');
  expect(body.result.content[0]!.text).toContain('member@demo.test');
});

test('in-flight ids — a request the transport refuses (406, a bad protocol version) leaves its id free', async () => {
  const id = await openRawSession(suite.gh.url, suite.member().access_token);
  const ping = { jsonrpc: '2.0', id: 61, method: 'ping' };
  const refused = await mcpPost(suite.gh.url, suite.member().access_token, ping, {
    ...onSession(id),
    accept: 'application/json',
  });
  expect(refused.status).toBe(406);
  const badVersion = await mcpPost(suite.gh.url, suite.member().access_token, ping, {
    ...onSession(id),
    'mcp-protocol-version': 'nope',
  });
  expect(badVersion.status).toBe(400);
  const again = await mcpPost(suite.gh.url, suite.member().access_token, ping, onSession(id));
  expect(again.status).toBe(200);
  expect(((await again.json()) as { id: number }).id).toBe(61);
});

test('in-flight ids — an empty batch on a session is an Invalid Request (400), as without one', async () => {
  const id = await openRawSession(suite.gh.url, suite.member().access_token);
  const res = await mcpPost(suite.gh.url, suite.member().access_token, [], onSession(id));
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { code: number; message: string } }).error).toMatchObject({
    code: -32600,
    message: expect.stringContaining('empty batch'),
  });
});

test('in-flight ids — a DELETE the transport refuses (bad protocol version) leaves the session open', async () => {
  const id = await openRawSession(suite.gh.url, suite.member().access_token);
  const del = await fetch(`${suite.gh.url}/mcp`, {
    method: 'DELETE',
    headers: {
      authorization: `Bearer ${suite.member().access_token}`,
      'mcp-session-id': id,
      'mcp-protocol-version': 'nope',
    },
  });
  expect(del.status).toBe(400);
  const ping = await mcpPost(
    suite.gh.url,
    suite.member().access_token,
    { jsonrpc: '2.0', id: 1, method: 'ping' },
    onSession(id),
  );
  expect(ping.status).toBe(200);
});

test('in-flight ids — an answered request of a batch still waiting is busy: a reuse never gets its answer', async () => {
  const { tokens, sessionId } = await linearSession();
  const held = holdLinear();
  const batch = mcpPost(
    suite.gh.url,
    tokens.access_token,
    [callBody(1, 'whoami'), linearCall(2)],
    onSession(sessionId),
  );
  await held.arrived;
  // whoami (id 1) is answered, but the transport holds that answer until id 2's comes.
  const reuse = await mcpPost(suite.gh.url, tokens.access_token, [ping(3), ping(1)], onSession(sessionId));
  expect(reuse.status).toBe(409);
  held.release();
  const answers = (await (await batch).json()) as { id: number; result?: { content?: { text: string }[] } }[];
  expect(answers.map((a) => a.id).sort()).toEqual([1, 2]);
  expect(answers.find((a) => a.id === 1)!.result!.content![0]!.text).toContain('member@demo.test');
});

test('in-flight ids — a cancellation the SDK refuses (a number as reason) frees nothing', async () => {
  const { tokens, sessionId } = await linearSession();
  const held = holdLinear();
  const client = new AbortController();
  const first = mcpPost(suite.gh.url, tokens.access_token, linearCall(5), onSession(sessionId), {
    signal: client.signal,
  }).catch(() => undefined);
  await held.arrived;
  const note = await mcpPost(suite.gh.url, tokens.access_token, cancel(5, 1), onSession(sessionId));
  expect(note.status).toBe(202);
  const reuse = await mcpPost(suite.gh.url, tokens.access_token, callBody(5, 'whoami'), onSession(sessionId));
  expect(reuse.status).toBe(409);
  client.abort();
  await first;
  held.release();
});

test('in-flight ids — a cancelled call is busy while its POST waits: a reuse never gets its stand-in', async () => {
  const { tokens, sessionId } = await linearSession();
  const held = holdLinear();
  const client = new AbortController();
  const first = mcpPost(suite.gh.url, tokens.access_token, linearCall(8), onSession(sessionId), {
    signal: client.signal,
  }).catch(() => undefined);
  await held.arrived;
  expect((await mcpPost(suite.gh.url, tokens.access_token, cancel(8), onSession(sessionId))).status).toBe(
    202,
  );
  // Never to be answered, but its POST is still open in the transport: the id is still busy.
  expect(
    (await mcpPost(suite.gh.url, tokens.access_token, callBody(8, 'whoami'), onSession(sessionId))).status,
  ).toBe(409);
  // The client leaves: the stand-in closes its POST, and with the call cancelled the id is free.
  client.abort();
  await first;
  let res: Response | undefined;
  for (let i = 0; i < 200 && res?.status !== 200; i++)
    res = await mcpPost(suite.gh.url, tokens.access_token, callBody(8, 'whoami'), onSession(sessionId));
  expect(res!.status).toBe(200);
  const body = (await res!.json()) as { result: { content: { text: string }[] } };
  expect(body.result.content[0]!.text).toContain('member@demo.test');
  held.release();
});
