/**
 * A tool call that meets WorkOS's rate limit (https://workos.com/docs/reference/rate-limits)
 * tells the agent it was rate-limited and when to retry — never "WorkOS failed (HTTP 500)".
 * Local mode with GATEHOUSE_EMBEDDED_RATE_LIMITS set low, so the embedded WorkOS refuses soon.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse({ env: { GATEHOUSE_EMBEDDED_RATE_LIMITS: '25/60s' } });
});
afterAll(() => gh.stop());

test('a tool call over the WorkOS rate limit — isError naming when to retry, never HTTP 500', async () => {
  const t = await tokensFor(gh.url, 'member@demo.test');
  const client = await connectV1(gh.url, t.access_token);
  try {
    let refused: { isError: boolean; text: string } | undefined;
    let ok = 0;
    // Both tools are answered by the fixture layer, whose own calls to the emulator once turned a 429 into a 500.
    for (let i = 0; i < 60 && !refused; i++) {
      const r = await call(client, i % 2 === 0 ? 'list_workos_organizations' : 'list_directories', {
        limit: 1,
      });
      if (r.isError) refused = r;
      else ok++;
    }
    expect(ok).toBeGreaterThan(0);
    expect(refused).toBeDefined();
    expect(refused!.text).not.toContain('HTTP 500');
    expect(refused!.text).not.toContain('usually temporary');
    expect(refused!.text).toMatch(/^Error \(rate_limited\): WorkOS rate-limited the request to list /);
    const wait = Number(/Retry after: (\d+) seconds\./.exec(refused!.text)?.[1]);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    expect(refused!.text).toContain(`What to do: Wait ${wait} seconds before retrying.`);
  } finally {
    await client.close();
  }
});
