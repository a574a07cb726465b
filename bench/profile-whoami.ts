/**
 * A CPU profile of Gatehouse's own per-call work (no upstream): N concurrent 2026-07-28 clients
 * call `whoami` against an in-process local-mode server. Run with
 *   bun --cpu-prof-md --cpu-prof-dir=/tmp/prof bench/profile-whoami.ts [calls] [concurrency]
 * and read where the time goes. Prints calls/s (a figure for comparison, never a test).
 */
import { tokensFor } from '../test/support/mcp.ts';
import { seededTeamId, startTestGatehouse } from '../test/support/server.ts';

const calls = Number(process.argv[2] ?? 4000);
const concurrency = Number(process.argv[3] ?? 16);
const tool = process.argv[4] ?? 'whoami';
const gh = await startTestGatehouse();
const { access_token } = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' });
// The per-token tool-call rate at its maximum, as bench/live-tokens.ts does through Settings.
gh.ctx.settings.update(
  seededTeamId(gh),
  { toolCallsPerMinute: 100_000 },
  { userId: 'bench', email: 'bench@demo.test' },
);
const meta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'prof', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
let id = 0;
async function one(): Promise<void> {
  const res = await fetch(`${gh.url}/mcp`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${access_token}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2026-07-28',
      'Mcp-Method': 'tools/call',
      'Mcp-Name': tool,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: ++id,
      method: 'tools/call',
      params: { name: tool, arguments: {}, _meta: meta },
    }),
  });
  const text = await res.text();
  if (!res.ok || text.includes('"isError":true'))
    throw new Error(`call failed: ${res.status} ${text.slice(0, 300)}`);
}
// Warm up.
for (let i = 0; i < 200; i++) await one();
const started = performance.now();
const cpu0 = process.cpuUsage();
let left = calls;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (left-- > 0) await one();
  }),
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
// CPU per call counts the in-process client's work too: compare it between versions, not with the bare server.
console.log(
  `${tool}: ${calls} calls, ${concurrency} concurrent: ${(calls / seconds).toFixed(0)} calls/s, ${((cpu.user + cpu.system) / calls).toFixed(0)} µs CPU per call (server and client)`,
);
await gh.stop();
