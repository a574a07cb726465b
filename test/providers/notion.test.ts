/**
 * Notion as local mode's demo provider, end to end with a real MCP client (see linear.test.ts):
 * only the host map sends api.notion.com to the loopback fake.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { CANARY_NOTION_TOKEN } from '../../src/emulator/seed/canaries.ts';
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

const SEARCH = 'https://api.notion.com/v1/search';
const PAGES = 'https://api.notion.com/v1/pages';
let run: DemoRun;
let wikiId: string;

beforeAll(async () => {
  run = await startDemo();
});
afterAll(() => run?.stop());

const pageTitles = async () => {
  const r = await providerCall(run, { method: 'POST', url: SEARCH, body: { query: 'Demo' } });
  return (r.body.results as { properties: { title: { title: { plain_text: string }[] } } }[]).map(
    (p) => p.properties.title.title[0]!.plain_text,
  );
};

test('notion — a read under a broad read grant searches and gets the demo pages', async () => {
  await sessionGrant(run, 'notion', 'read');
  const found = await providerCall(run, {
    method: 'POST',
    url: SEARCH,
    body: { query: 'wiki', filter: { property: 'object', value: 'page' } },
  });
  expect(found.status).toBe(200);
  expect(found.body).toMatchObject({ object: 'list', has_more: false });
  const wiki = found.body.results[0];
  expect(wiki.properties.title.title[0].plain_text).toBe('Gatehouse Demo Wiki (local mode)');
  wikiId = wiki.id;
  const page = await providerCall(run, { method: 'GET', url: `${PAGES}/${wikiId}` });
  expect(page.body).toMatchObject({ object: 'page', id: wikiId });
  const paged = await providerCall(run, { method: 'POST', url: SEARCH, body: { page_size: 2 } });
  expect(paged.body.results).toHaveLength(2);
  expect(paged.body.has_more).toBe(true);
});

test('notion — a write under a read grant is refused by Gatehouse and nothing changes', async () => {
  const before = await pageTitles();
  const text = await refusedCall(run, {
    method: 'POST',
    url: PAGES,
    body: {
      parent: { page_id: wikiId },
      properties: { title: { title: [{ text: { content: 'Demo: nope' } }] } },
    },
  });
  expect(text).toContain('This Notion request changes data, but your approval is read-only');
  expect(await pageTitles()).toEqual(before);
});

test('notion — an exact-call write creates the page once (read back), and a second use is refused', async () => {
  const body = {
    parent: { page_id: wikiId },
    properties: { title: { title: [{ text: { content: 'Demo: notes from the agent' } }] } },
  };
  const id = await callGrant(run, { method: 'POST', url: PAGES, body });
  const created = await providerCall(run, { method: 'POST', url: PAGES, body, request_id: id });
  expect(created.body).toMatchObject({ object: 'page', parent: { type: 'page_id', page_id: wikiId } });
  expect((await pageTitles())[0]).toBe('Demo: notes from the agent');
  expect(await refusedCall(run, { method: 'POST', url: PAGES, body, request_id: id })).toContain(
    'already used',
  );
  expect((await pageTitles()).filter((t) => t === 'Demo: notes from the agent')).toHaveLength(1);
});

test('notion — the fake itself refuses a call without the token Pipes issued, or with one needing re-authorization', async () => {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'notion-version': '2022-06-28' },
    body: '{}',
  };
  expect(await withoutInjectedToken(run, SEARCH, init)).toMatchObject({
    status: 401,
    body: { code: 'unauthorized' },
  });
  // Max's Notion connection needs re-authorization: its old token no longer works.
  const stale = await withoutInjectedToken(run, SEARCH, {
    ...init,
    headers: { ...init.headers, authorization: `Bearer ${CANARY_NOTION_TOKEN}` },
  });
  expect(stale).toMatchObject({ status: 401, body: { object: 'error', code: 'unauthorized' } });
});
