/**
 * GitHub as local mode's demo provider, end to end with a real MCP client (see linear.test.ts):
 * only the host map sends api.github.com to the loopback fake.
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

const API = 'https://api.github.com';
const ISSUES = `${API}/repos/gatehouse-demo/demo-api/issues`;
let run: DemoRun;

beforeAll(async () => {
  run = await startDemo();
});
afterAll(() => run?.stop());

const openTitles = async () => {
  const r = await providerCall(run, { method: 'GET', url: `${ISSUES}?state=open&per_page=100` });
  return (r.body as { title: string }[]).map((i) => i.title);
};

test('github — a read under a broad read grant returns the user, the demo repositories and their issues', async () => {
  await sessionGrant(run, 'github', 'read');
  const user = await providerCall(run, { method: 'GET', url: `${API}/user` });
  expect(user.status).toBe(200);
  expect(user.body).toMatchObject({ login: 'ada-admin', name: 'Ada Admin' });
  const repos = await providerCall(run, { method: 'GET', url: `${API}/user/repos` });
  expect((repos.body as { full_name: string }[]).map((r) => r.full_name).sort()).toEqual([
    'gatehouse-demo/demo-api',
    'gatehouse-demo/demo-website',
  ]);
  const page = await providerCall(run, { method: 'GET', url: `${ISSUES}?state=all&per_page=2` });
  expect(page.body).toHaveLength(2);
  expect((page.body as { title: string }[]).every((i) => i.title.startsWith('Demo:'))).toBe(true);
  // Pipes reports the scope Ada's connection lacks, and says only the human can grant it.
  expect(user.outcome.structured!.missing_scopes).toEqual(['read:org']);
  expect(user.outcome.structured!.pipes_warning).toContain('re-authorizing GitHub in WorkOS Pipes');
});

test('github — a write under a read grant is refused by Gatehouse and nothing changes', async () => {
  const before = await openTitles();
  const text = await refusedCall(run, { method: 'POST', url: ISSUES, body: { title: 'Not allowed' } });
  expect(text).toContain('This GitHub request changes data, but your approval is read-only');
  expect(await openTitles()).toEqual(before);
});

test('github — an exact-call write creates the issue once (read back), and a second use is refused', async () => {
  const body = { title: 'Demo: opened by the agent', body: 'Created through Gatehouse.' };
  const id = await callGrant(run, { method: 'POST', url: ISSUES, body });
  const created = await providerCall(run, { method: 'POST', url: ISSUES, body, request_id: id });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ title: body.title, state: 'open', user: { login: 'ada-admin' } });
  expect((await openTitles())[0]).toBe(body.title);
  expect(await refusedCall(run, { method: 'POST', url: ISSUES, body, request_id: id })).toContain(
    'already used',
  );
  expect((await openTitles()).filter((t) => t === body.title)).toHaveLength(1);
});

test('github — the fake itself refuses a call without the token Pipes issued', async () => {
  const none = await withoutInjectedToken(run, `${API}/user`);
  expect(none).toMatchObject({ status: 401, body: { message: 'Requires authentication' } });
  const guessed = await withoutInjectedToken(run, `${API}/user`, {
    headers: { authorization: 'Bearer gho_guessed000000000000000000000000' },
  });
  expect(guessed).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
});
