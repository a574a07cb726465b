/**
 * Run as its own process by lazy-start.test.ts (the module cache is the process's): starts a
 * whole Gatehouse (local mode), asks /readyz, and prints which of the modules loaded on first use
 * (src/app/lazy.ts) are loaded; then makes one /mcp request and prints them again. Bun's
 * require.cache lists ES modules too.
 */
import { join } from 'node:path';
// The test helper retries another port when the one it picked was taken meanwhile (other test
// files start servers at the same time); it loads nothing the probe looks for.
import { startTestGatehouse } from '../support/server.ts';

const loaded = () => {
  const keys = Object.keys(require.cache);
  const count = (part: string) => keys.filter((k) => k.includes(part)).length;
  return {
    sdk: count(join('@modelcontextprotocol', '')),
    endpoint: count(join('src', 'mcp', 'endpoint.ts')),
    toolRegistry: count(join('src', 'tools', 'registry.ts')),
  };
};

const gh = await startTestGatehouse();
try {
  const ready = await fetch(`http://127.0.0.1:${gh.port}/readyz`);
  const atReady = loaded();
  const mcp = await fetch(`http://127.0.0.1:${gh.port}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  const afterMcp = loaded();
  // The console's /audit page lists the tools by name: the registry is built for it.
  const tools = gh.ctx.tools.all().length;
  console.log(
    JSON.stringify({ ready: ready.status, atReady, mcp: mcp.status, afterMcp, tools, afterTools: loaded() }),
  );
} finally {
  await gh.stop();
}
