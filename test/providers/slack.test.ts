/**
 * Slack as local mode's demo provider, end to end with a real MCP client (see linear.test.ts):
 * only the host map sends slack.com to the loopback fake.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import {
  callGrant,
  type DemoRun,
  providerCall,
  refusedCall,
  sessionGrant,
  startDemo,
  withoutInjectedToken,
} from './support.ts';

setDefaultTimeout(60_000);

const API = 'https://slack.com/api';
let run: DemoRun;

beforeAll(async () => {
  run = await startDemo();
});
afterAll(() => run?.stop());

const history = async () => {
  const r = await providerCall(run, {
    method: 'GET',
    url: `${API}/conversations.history?channel=C0DEMOENG1`,
  });
  return (r.body.messages as { text: string }[]).map((m) => m.text);
};

test('slack — a read under a broad read grant lists the demo channels', async () => {
  await sessionGrant(run, 'slack', 'read');
  const r = await providerCall(run, {
    method: 'GET',
    url: `${API}/conversations.list?exclude_archived=true`,
  });
  expect(r.status).toBe(200);
  expect(r.body.ok).toBe(true);
  expect((r.body.channels as { name: string }[]).map((c) => c.name)).toEqual([
    'general',
    'demo-engineering',
    'demo-incidents',
  ]);
  expect((await history())[0]).toContain('Demo:');
});

test('slack — a write under a read grant is refused by Gatehouse and nothing changes', async () => {
  const before = await history();
  const text = await refusedCall(run, {
    method: 'POST',
    url: `${API}/chat.postMessage`,
    body: { channel: 'C0DEMOENG1', text: 'not allowed' },
  });
  expect(text).toContain('This Slack request changes data, but your approval is read-only');
  expect(await history()).toEqual(before);
});

test('slack — an exact-call chat.postMessage posts once (read back), and a second use is refused', async () => {
  const body = { channel: 'C0DEMOENG1', text: 'Demo: posted by the agent' };
  const url = `${API}/chat.postMessage`;
  const id = await callGrant(run, { method: 'POST', url, body });
  const posted = await providerCall(run, { method: 'POST', url, body, request_id: id });
  expect(posted.body).toMatchObject({ ok: true, channel: 'C0DEMOENG1', message: { text: body.text } });
  expect((await history())[0]).toBe(body.text);
  expect(await refusedCall(run, { method: 'POST', url, body, request_id: id })).toContain('already used');
  expect((await history()).filter((t) => t === body.text)).toHaveLength(1);
});

test('slack — the fake itself refuses a call without the token Pipes issued', async () => {
  expect(await withoutInjectedToken(run, `${API}/conversations.list`)).toEqual({
    status: 200,
    body: { ok: false, error: 'not_authed' },
  });
  expect(
    await withoutInjectedToken(run, `${API}/conversations.list`, {
      headers: { authorization: 'Bearer xoxp-guessed-000000' },
    }),
  ).toEqual({ status: 200, body: { ok: false, error: 'invalid_auth' } });
});
