/**
 * A session's JSON-RPC ids while their requests are pending (src/mcp/in-flight.ts): an id is busy
 * until neither the transport nor the server holds it, so no request is ever handed another's
 * answer, and nothing stays busy once both let go. Each case reproduces an outsider's attack.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { mcpPost, openRawSession, sseMessages } from '../support/raw-mcp.ts';
import { withFakeLinear } from './held-calls.ts';

setDefaultTimeout(30_000);

const suite = withFakeLinear();
const { callBody, onSession, linearSession, holdLinear, linearCall, heldCall } = suite;
const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'ping' });
const cancel = (requestId: number, reason?: unknown) => ({
  jsonrpc: '2.0',
  method: 'notifications/cancelled',
  params: { requestId, ...(reason === undefined ? {} : { reason }) },
});

test('in-flight ids — a call whose client left keeps its id until it ends: a new request reusing the id never gets its answer', async () => {
  const { tokens, sessionId, held, leave } = await heldCall(5);
  await leave();
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
  const { tokens, sessionId, held, leave } = await heldCall(5);
  const note = await mcpPost(suite.gh.url, tokens.access_token, cancel(5, 1), onSession(sessionId));
  expect(note.status).toBe(202);
  const reuse = await mcpPost(suite.gh.url, tokens.access_token, callBody(5, 'whoami'), onSession(sessionId));
  expect(reuse.status).toBe(409);
  await leave();
  held.release();
});

test('in-flight ids — a cancelled call is answered at once with a stand-in; a reuse gets its own answer, never the late one', async () => {
  const { tokens, sessionId } = await linearSession();
  const held = holdLinear();
  const first = mcpPost(suite.gh.url, tokens.access_token, linearCall(8), onSession(sessionId));
  await held.arrived;
  expect((await mcpPost(suite.gh.url, tokens.access_token, cancel(8), onSession(sessionId))).status).toBe(
    202,
  );
  // Its POST is closed by the stand-in (the client ignores it, MCP "Cancellation"), not held.
  const stood = (await (await first).json()) as { id: number; error: { message: string } };
  expect(stood).toMatchObject({ id: 8, error: { message: 'The client cancelled the request.' } });
  // The server will never answer 8: the id is free, and its reuse gets its own answer.
  const reuse = mcpPost(
    suite.gh.url,
    tokens.access_token,
    [callBody(8, 'whoami'), linearCall(9)],
    onSession(sessionId),
  );
  held.release();
  const answers = (await (await reuse).json()) as { id: number; result?: { content: { text: string }[] } }[];
  const whoami = answers.find((a) => a.id === 8)!;
  expect(whoami.result!.content[0]!.text).toContain('member@demo.test');
  expect(whoami.result!.content[0]!.text).not.toContain('viewer');
});

test('in-flight ids — a request named notifications/cancelled (it has an id) cancels nothing', async () => {
  const { tokens, sessionId, held, leave } = await heldCall(5);
  const asRequest = await mcpPost(
    suite.gh.url,
    tokens.access_token,
    { ...cancel(5), id: 100 },
    onSession(sessionId),
  );
  expect(((await asRequest.json()) as { error: { code: number } }).error.code).toBe(-32601);
  await leave();
  // The call runs on at Linear: its id is still its own.
  const reuse = await mcpPost(suite.gh.url, tokens.access_token, callBody(5, 'whoami'), onSession(sessionId));
  expect(reuse.status).toBe(409);
  held.release();
});

test('in-flight ids — a cancellation of an id not in flight yet never stops the request that later takes it', async () => {
  const { tokens, sessionId } = await linearSession();
  const post = (body: unknown, signal: AbortSignal) =>
    mcpPost(suite.gh.url, tokens.access_token, body, onSession(sessionId), { signal }).catch(() => undefined);
  const held = holdLinear();
  // B cancels 5 while no request holds it (the SDK stops nothing), and waits at Linear.
  const leaveB = new AbortController();
  const b = post([linearCall(6), cancel(5)], leaveB.signal);
  await held.arrived;
  // C takes 5 and waits at Linear too.
  const leaveC = new AbortController();
  const c = post(linearCall(5), leaveC.signal);
  const probe = () => mcpPost(suite.gh.url, tokens.access_token, ping(5), onSession(sessionId));
  let status = 0;
  for (let i = 0; i < 200 && status !== 409; i++) status = (await probe()).status;
  expect(status).toBe(409);
  // Both clients leave: B's old cancellation must not count against C, whose call runs on.
  leaveB.abort();
  await b;
  leaveC.abort();
  await c;
  expect((await probe()).status).toBe(409);
  held.release();
});

test('in-flight ids — SSE session: a cancelled call gets its stand-in on its stream, which ends; the id is free', async () => {
  // A client that can be asked questions gets SSE answers (no JSON body, no leaving stand-in).
  const { tokens, sessionId } = await linearSession({ elicitation: {} });
  const held = holdLinear();
  const stream = await mcpPost(suite.gh.url, tokens.access_token, linearCall(100), onSession(sessionId));
  expect(stream.headers.get('content-type')).toContain('text/event-stream');
  await held.arrived;
  expect((await mcpPost(suite.gh.url, tokens.access_token, cancel(100), onSession(sessionId))).status).toBe(
    202,
  );
  // The stream carries the stand-in and ends, as the SDK client's timeout cancellation expects.
  const messages = sseMessages(await stream.text()) as { id?: number; error?: { message: string } }[];
  expect(messages.find((m) => m.id === 100)?.error?.message).toBe('The client cancelled the request.');
  const again = await mcpPost(suite.gh.url, tokens.access_token, ping(100), onSession(sessionId));
  expect(again.status).toBe(200);
  held.release();
});

test('in-flight ids — a cancellation before its request in the same POST stops it too (as the SDK does): stand-in, id free', async () => {
  const id = await openRawSession(suite.gh.url, suite.member().access_token);
  const res = await mcpPost(
    suite.gh.url,
    suite.member().access_token,
    [cancel(100), ping(100)],
    onSession(id),
  );
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('The client cancelled the request.');
  const again = await mcpPost(suite.gh.url, suite.member().access_token, ping(100), onSession(id));
  expect(again.status).toBe(200);
});

test('in-flight ids — a client that leaves, then cancels: the call is stopped and its id free', async () => {
  const { tokens, sessionId, held, leave } = await heldCall(5);
  await leave();
  expect((await mcpPost(suite.gh.url, tokens.access_token, cancel(5), onSession(sessionId))).status).toBe(
    202,
  );
  let res: Response | undefined;
  for (let i = 0; i < 200 && res?.status !== 200; i++)
    res = await mcpPost(suite.gh.url, tokens.access_token, ping(5), onSession(sessionId));
  expect(res!.status).toBe(200);
  held.release();
});
