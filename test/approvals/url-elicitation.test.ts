import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { call, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(() => gh.stop());

test('request_elevated_access — a client with URL-mode elicitation is sent the approval URL directly', async () => {
  const t = await tokensFor(gh.url, 'member@demo.test');
  const client = new Client(
    { name: 'url-elicit', version: '1.0.0' },
    { capabilities: { elicitation: { form: {}, url: {} } } },
  );
  const received: { mode?: string; url?: string; message?: string }[] = [];
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    received.push(req.params as never);
    return { action: 'accept' };
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${gh.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${t.access_token}` } },
    }),
  );
  const r = await call(client, 'request_elevated_access', {
    kind: 'session',
    level: 'read',
    providers: ['linear'],
    reason: 'read issues',
  });
  expect(r.isError).toBe(false);
  const approvalUrl = (r.structured as { approval_url: string }).approval_url;
  expect(received).toHaveLength(1);
  expect(received[0]!.mode).toBe('url');
  expect(received[0]!.url).toBe(approvalUrl);
  expect(received[0]!.message).toContain('read issues');
  await client.close();
});

test('request_elevated_access — a client without elicitation just gets the URL in the result', async () => {
  const t = await tokensFor(gh.url, 'member@demo.test');
  const client = new Client({ name: 'plain', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${gh.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${t.access_token}` } },
    }),
  );
  const r = await call(client, 'request_elevated_access', {
    kind: 'session',
    level: 'read',
    providers: ['linear'],
    reason: 'read issues',
  });
  expect((r.structured as { approval_url: string }).approval_url).toContain('/approvals/');
  await client.close();
});
