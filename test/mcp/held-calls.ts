/**
 * Calls held at a fake Linear, for tests of how /mcp answers a call that takes its time: a raw
 * 2025-era session whose human approved Linear reads, and a switch that holds Linear's answers.
 */
import { afterAll, beforeAll, expect } from 'bun:test';
import {
  Console,
  type FakeLinear,
  LINEAR_URL,
  requestAccess,
  sessionRequest,
  startFakeLinear,
  VIEWER_QUERY,
} from '../approvals/support.ts';
import { connectV1, type Tokens, tokensFor } from '../support/mcp.ts';
import { mcpPost, openRawSession, PROTOCOL_2025 } from '../support/raw-mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

export function heldCalls(server: () => TestGatehouse, linear: () => FakeLinear) {
  const callBody = (id: number, name: string, args: Record<string, unknown> = {}) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args },
  });
  const onSession = (id: string) => ({ 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_2025 });

  /** A member's authorization holding an approved read grant on Linear, and a raw session of it. */
  async function linearSession(
    capabilities: Record<string, unknown> = {},
  ): Promise<{ tokens: Tokens; sessionId: string }> {
    const tokens = await tokensFor(server().url, 'member@demo.test');
    const agent = await connectV1(server().url, tokens.access_token);
    const req = await requestAccess(agent, sessionRequest(['linear'], 'read'));
    const consoleOf = await Console.signIn(server().url, 'member@demo.test');
    expect((await consoleOf.approve(req.id, { providers: ['linear'], level: 'read' })).status).toBe(303);
    await agent.close();
    return { tokens, sessionId: await openRawSession(server().url, tokens.access_token, capabilities) };
  }

  /** Holds Linear's next answer until `release()`; `arrived` settles when the call reaches it. */
  function holdLinear() {
    const release = Promise.withResolvers<void>();
    const arrived = Promise.withResolvers<void>();
    linear().mode = { kind: 'slow', release: release.promise, arrived: arrived.resolve };
    return {
      arrived: arrived.promise,
      release: () => {
        release.resolve();
        linear().mode = { kind: 'graphql' };
      },
    };
  }

  const linearCall = (id: number) =>
    callBody(id, 'call_integration_api', { method: 'POST', url: LINEAR_URL, body: VIEWER_QUERY });

  /**
   * A Linear call (id `id`) on a new session, held at Linear, whose client may leave: `leave()`
   * aborts its POST and waits until it is gone; `held.release()` lets Linear answer.
   */
  async function heldCall(id: number) {
    const { tokens, sessionId } = await linearSession();
    const held = holdLinear();
    const client = new AbortController();
    const pending = mcpPost(server().url, tokens.access_token, linearCall(id), onSession(sessionId), {
      signal: client.signal,
    }).catch(() => undefined);
    await held.arrived;
    const leave = async () => {
      client.abort();
      await pending;
    };
    return { tokens, sessionId, held, leave };
  }

  return { callBody, onSession, linearSession, holdLinear, linearCall, heldCall };
}

/**
 * Starts Gatehouse with Linear served by a fake for this file's tests (stopped after them), a
 * member's tokens, and the held-call helpers on them.
 */
export function withFakeLinear() {
  const suite = { gh: undefined as unknown as TestGatehouse, fake: undefined as unknown as FakeLinear };
  let member: Tokens | undefined;
  beforeAll(async () => {
    suite.fake = startFakeLinear();
    suite.gh = await startTestGatehouse({
      testHooks: { outboundHostMap: { 'api.linear.app': suite.fake.origin } },
    });
    member = await tokensFor(suite.gh.url, 'member@demo.test');
  });
  afterAll(async () => {
    await suite.gh?.stop();
    suite.fake?.stop();
  });
  return {
    get gh() {
      return suite.gh;
    },
    get fake() {
      return suite.fake;
    },
    /** The member's tokens (after the suite started). */
    member: () => member!,
    ...heldCalls(
      () => suite.gh,
      () => suite.fake,
    ),
  };
}
