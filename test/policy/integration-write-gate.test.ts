import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(() => gh.stop());

test('allow write off — integrations become read-only too: write requests refused, read requests still allowed', async () => {
  const t = await tokensFor(gh.url, 'member@demo.test');
  const fam = gh.ctx.oauth.tokens.bearer(t.access_token)!.family;
  gh.ctx.settings.update(
    fam.teamId,
    { allowWrite: false },
    { userId: fam.userId, email: 'member@demo.test' },
  );
  const client = await connectV1(gh.url, t.access_token);
  const write = await call(client, 'request_elevated_access', {
    kind: 'session',
    level: 'write',
    providers: ['linear'],
    reason: 'close issues',
  });
  expect(write.isError).toBe(true);
  expect(write.text).toContain('Write access is turned off for your team');
  const mutation = await call(client, 'request_elevated_access', {
    kind: 'call',
    method: 'POST',
    url: 'https://api.linear.app/graphql',
    body: { query: 'mutation { issueArchive(id: "1") { success } }' },
    reason: 'archive',
  });
  expect(mutation.isError).toBe(true);
  expect(mutation.text).toContain('Write access is turned off');
  const read = await call(client, 'request_elevated_access', {
    kind: 'session',
    level: 'read',
    providers: ['linear'],
    reason: 'read issues',
  });
  expect(read.isError).toBe(false);
  await client.close();
});
