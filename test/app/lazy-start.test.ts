import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';

setDefaultTimeout(60_000);

describe('start — what serving needs only once an agent calls is loaded on first use (src/app/lazy.ts)', () => {
  test('a ready server has not loaded the MCP SDK, the endpoint or the tools; /mcp and ctx.tools load them', async () => {
    const probe = Bun.spawn(['bun', join(import.meta.dir, 'lazy-probe.ts')], {
      stdout: 'pipe',
      stderr: 'inherit',
    });
    const out = await new Response(probe.stdout).text();
    expect(await probe.exited).toBe(0);
    const seen = JSON.parse(out.trim().split('\n').pop()!);
    expect(seen.ready).toBe(200);
    expect(seen.atReady).toEqual({ sdk: 0, endpoint: 0, toolRegistry: 0 });
    // An unauthenticated request is answered by the endpoint itself, so it is loaded now.
    expect(seen.mcp).toBe(401);
    expect(seen.afterMcp.sdk).toBeGreaterThan(0);
    expect(seen.afterMcp.endpoint).toBe(1);
    expect(seen.tools).toBeGreaterThan(10);
    expect(seen.afterTools.toolRegistry).toBe(1);
  });
});
