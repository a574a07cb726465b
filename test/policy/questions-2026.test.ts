/**
 * The destructive gate for 2026-07-28 clients (src/mcp/questions.ts): a stateless client that
 * declares form elicitation in the request is asked directly through `input_required`; its
 * retry carries the human's answer and the server's requestState, which is HMAC-protected,
 * bound to the caller and single use.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { orgExists, rawToolCall2026, setNeedsPerson, throwawayOrg } from '../support/confirm.ts';
import { call, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let token: string;

beforeAll(async () => {
  gh = await startTestGatehouse();
  token = (await tokensFor(gh.url, 'member@demo.test')).access_token;
});
afterAll(async () => {
  await gh?.stop();
});

type Reply = { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, boolean> };

/** A v2 client on the 2026-07-28 revision that declares form elicitation and answers `reply`. */
async function eliciting(bearer: string, autoFulfill = true) {
  const asked: { message: string }[] = [];
  let reply: Reply = { action: 'decline' };
  const client = new ClientV2(
    { name: 'gatehouse-test-mrtr', version: '2.0.0' },
    {
      versionNegotiation: { mode: 'auto' },
      capabilities: { elicitation: { form: {} } },
      inputRequired: { autoFulfill },
    },
  );
  client.setRequestHandler('elicitation/create', async (req) => {
    asked.push({ message: (req.params as { message: string }).message });
    return reply;
  });
  await client.connect(
    new TransportV2(new URL(`${gh.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
    }),
  );
  return { client, asked, answer: (r: Reply) => (reply = r) };
}

const throwaway = (name: string) => throwawayOrg(gh, name);
const exists = (id: string) => orgExists(gh, id);
const setting = (on: boolean) => setNeedsPerson(gh, on);

test('2026-07-28 question — the human is asked in the call; accept deletes, decline keeps, no token reaches the agent', async () => {
  const h = await eliciting(token);
  try {
    const org = await throwaway('MRTR Decline');
    h.answer({ action: 'decline' });
    const kept = await call(h.client, 'delete_organization', { organization_id: org });
    expect(h.asked).toHaveLength(1);
    expect(h.asked[0]!.message).toContain('MRTR Decline');
    expect(kept.isError).toBe(true);
    expect(kept.text).toContain('the human declined');
    expect(kept.text).not.toContain('confirm_');
    expect(await exists(org)).toBe(true);

    h.answer({ action: 'accept', content: { confirm: true } });
    const deleted = await call(h.client, 'delete_organization', { organization_id: org });
    expect(deleted.isError).toBe(false);
    expect(await exists(org)).toBe(false);
  } finally {
    await h.client.close();
  }
});

test('2026-07-28 question — with "deletions need a person" the human’s answer in the client confirms', async () => {
  const h = await eliciting(token);
  setting(true);
  try {
    const org = await throwaway('MRTR Person');
    h.answer({ action: 'accept', content: { confirm: true } });
    const deleted = await call(h.client, 'delete_organization', { organization_id: org });
    expect(deleted.isError).toBe(false);
    expect(await exists(org)).toBe(false);
  } finally {
    setting(false);
    await h.client.close();
  }
});

/** One raw 2026-07-28 tools/call declaring form elicitation; its JSON-RPC result or error. */
const rawCall = (bearer: string, params: Record<string, unknown>) => rawToolCall2026(gh, bearer, params);

test('2026-07-28 question — a forged state, another caller’s state and other arguments confirm nothing', async () => {
  const org = await throwaway('MRTR Replay');
  const first = await rawCall(token, { name: 'delete_organization', arguments: { organization_id: org } });
  expect(first.result?.resultType).toBe('input_required');
  const state = first.result?.requestState as string;
  expect(typeof state).toBe('string');
  const accept = { confirm: { action: 'accept', content: { confirm: true } } };

  // Tampered: one character of the MAC changed (to one it was not: the old check looked at the
  // last character while replacing the one before it, which was sometimes already 'A').
  const forged = `${state.slice(0, -2)}${state.at(-2) === 'A' ? 'B' : 'A'}${state.slice(-1)}`;
  expect(forged).not.toBe(state);
  const bad = await rawCall(token, {
    name: 'delete_organization',
    arguments: { organization_id: org },
    inputResponses: accept,
    requestState: forged,
  });
  expect(bad.error?.code).toBe(-32602);
  expect(await exists(org)).toBe(true);

  // Another person's authorization echoing this state: refused by the binding.
  const other = (await tokensFor(gh.url, 'admin@demo.test')).access_token;
  const stolen = await rawCall(other, {
    name: 'delete_organization',
    arguments: { organization_id: org },
    inputResponses: accept,
    requestState: state,
  });
  expect(stolen.error?.code).toBe(-32602);
  expect(await exists(org)).toBe(true);

  // The answer applied to different arguments: refused, nothing deleted.
  const decoy = await throwaway('MRTR Decoy');
  const swapped = await rawCall(token, {
    name: 'delete_organization',
    arguments: { organization_id: decoy },
    inputResponses: accept,
    requestState: state,
  });
  expect(swapped.result?.isError).toBe(true);
  expect(JSON.stringify(swapped.result)).toContain('different call');
  expect(await exists(decoy)).toBe(true);

  // Refusals spend nothing: the human's answer still confirms the exact call it was for.
  const real = await rawCall(token, {
    name: 'delete_organization',
    arguments: { organization_id: org },
    inputResponses: accept,
    requestState: state,
  });
  expect(real.result?.isError).not.toBe(true);
  expect(await exists(org)).toBe(false);
});

test('2026-07-28 question — the answered state works exactly once', async () => {
  const org = await throwaway('MRTR Once');
  const first = await rawCall(token, { name: 'delete_organization', arguments: { organization_id: org } });
  const state = first.result?.requestState as string;
  const accept = { confirm: { action: 'accept', content: { confirm: true } } };
  const once = await rawCall(token, {
    name: 'delete_organization',
    arguments: { organization_id: org },
    inputResponses: accept,
    requestState: state,
  });
  expect(once.result?.isError).not.toBe(true);
  expect(await exists(org)).toBe(false);
  const replay = await rawCall(token, {
    name: 'delete_organization',
    arguments: { organization_id: org },
    inputResponses: accept,
    requestState: state,
  });
  expect(replay.result?.isError).toBe(true);
  expect(JSON.stringify(replay.result)).toContain('already answered');
});
