/**
 * Local mode's demo providers, driven the way an agent drives them: a real Gatehouse (embedded
 * WorkOS, demo providers on loopback, no test host map), a real MCP client for Ada (admin, every
 * provider connected), and the real console to approve her requests.
 */
import { expect } from 'bun:test';
import { Console, ok, requestAccess } from '../approvals/support.ts';
import { type AnyClient, call, connectV1, type ToolOutcome, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

export interface DemoRun {
  gh: TestGatehouse;
  /** Ada's agent, in the Gatehouse Demo Team. */
  agent: AnyClient;
  /** Ada's console session, where she approves. */
  human: Console;
  stop(): Promise<void>;
}

export async function startDemo(): Promise<DemoRun> {
  const gh = await startTestGatehouse();
  const team = 'Gatehouse Demo Team';
  const tokens = await tokensFor(gh.url, 'admin@demo.test', { team });
  const agent = await connectV1(gh.url, tokens.access_token);
  const human = await Console.signIn(gh.url, 'admin@demo.test', team);
  return {
    gh,
    agent,
    human,
    async stop() {
      await agent.close();
      await gh.stop();
    },
  };
}

/** Asks for broad authority and has the human approve it; returns the grant id. */
export async function sessionGrant(run: DemoRun, provider: string, level: 'read' | 'write'): Promise<string> {
  const req = await requestAccess(run.agent, {
    kind: 'session',
    level,
    providers: [provider],
    reason: `Demo ${level} of ${provider}`,
  });
  expect((await run.human.approve(req.id, { providers: [provider], level })).status).toBe(303);
  return req.id;
}

/** Asks for approval of one exact call and has the human approve it; returns the request id. */
export async function callGrant(
  run: DemoRun,
  request: { method: string; url: string; body?: unknown },
): Promise<string> {
  const req = await requestAccess(run.agent, { kind: 'call', ...request, reason: 'Demo exact call' });
  expect((await run.human.approve(req.id)).status).toBe(303);
  return req.id;
}

/** Calls the provider through Gatehouse and expects the tool to succeed; returns the parsed provider answer. */
export async function providerCall(
  run: DemoRun,
  args: { method: string; url: string; body?: unknown; request_id?: string },
  // biome-ignore lint/suspicious/noExplicitAny: provider answers are asserted field by field
): Promise<{ status: number; body: any; outcome: ToolOutcome }> {
  const outcome = await ok(run.agent, 'call_integration_api', args);
  const s = outcome.structured!;
  expect(s.served_by).toBe('demo provider (local mode)');
  return { status: s.status as number, body: s.body, outcome };
}

/** Calls the provider through Gatehouse and expects Gatehouse to refuse. */
export async function refusedCall(
  run: DemoRun,
  args: { method: string; url: string; body?: unknown; request_id?: string },
): Promise<string> {
  const r = await call(run.agent, 'call_integration_api', args);
  expect(r.isError).toBe(true);
  return r.text;
}

/** A request straight through Gatehouse's outbound client (the host map), with no Pipes token injected. */
export async function withoutInjectedToken(
  run: DemoRun,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  // biome-ignore lint/suspicious/noExplicitAny: provider answers are asserted field by field
): Promise<{ status: number; body: any }> {
  const res = await run.gh.ctx.outbound.fetch(url, init);
  return { status: res.status, body: JSON.parse(res.text()) };
}
