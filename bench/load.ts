/**
 * Load generator, run as its own process so the measured server does not share its event loop:
 * opens N real MCP client sessions (v1 SDK, initialised once), then each session calls the tool
 * M times back to back. Prints one JSON line: per-call latencies (ms), wall time, errors.
 * Usage: bun bench/load.ts <mcp-url> <token|-> <sessions> <calls-per-session>
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [url, token, sessionsArg, callsArg] = process.argv.slice(2);
const sessions = Number(sessionsArg);
const calls = Number(callsArg);
const headers = token && token !== '-' ? { Authorization: `Bearer ${token}` } : undefined;

const clients = await Promise.all(
  Array.from({ length: sessions }, async () => {
    const c = new Client({ name: 'bench', version: '1.0.0' });
    await c.connect(
      new StreamableHTTPClientTransport(new URL(url!), headers ? { requestInit: { headers } } : {}),
    );
    return c;
  }),
);

const latencies: number[] = [];
let errors = 0;
const started = performance.now();
await Promise.all(
  clients.map(async (c) => {
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      try {
        const r = (await c.callTool({ name: 'list_workos_organizations', arguments: { limit: 5 } })) as {
          isError?: boolean;
        };
        if (r.isError) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  }),
);
const wallMs = performance.now() - started;
await Promise.all(clients.map((c) => c.close().catch(() => {})));
process.stdout.write(`${JSON.stringify({ latencies, wallMs, errors })}\n`);
process.exit(0);
