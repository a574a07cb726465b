/**
 * A CPU profile of the 2025-era sessionful path: N v1 SDK sessions call `tool` back to back
 * against an in-process local-mode server. Run with
 *   bun --cpu-prof-md --cpu-prof-dir=/tmp/prof bench/profile-legacy.ts [calls] [sessions] [tool]
 * Prints calls/s (a figure for comparison, never a test).
 */
import { connectV1, tokensFor } from '../test/support/mcp.ts';
import { seededTeamId, startTestGatehouse } from '../test/support/server.ts';

const calls = Number(process.argv[2] ?? 4000);
const sessions = Number(process.argv[3] ?? 16);
const tool = process.argv[4] ?? 'whoami';
const gh = await startTestGatehouse();
const { access_token } = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' });
gh.ctx.settings.update(
  seededTeamId(gh),
  { toolCallsPerMinute: 100_000 },
  { userId: 'bench', email: 'bench@demo.test' },
);
const clients = await Promise.all(Array.from({ length: sessions }, () => connectV1(gh.url, access_token)));
for (const c of clients) await c.callTool({ name: tool, arguments: {} });
const started = performance.now();
let left = calls;
await Promise.all(
  clients.map(async (c) => {
    while (left-- > 0) {
      const r = await c.callTool({ name: tool, arguments: {} });
      if (r.isError) throw new Error(`call failed: ${JSON.stringify(r).slice(0, 300)}`);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
console.log(
  `${tool} (2025 sessions): ${calls} calls, ${sessions} sessions: ${(calls / seconds).toFixed(0)} calls/s`,
);
await Promise.all(clients.map((c) => c.close()));
await gh.stop();
