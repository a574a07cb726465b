/**
 * Load generator, run as its own process so the measured server does not share its event loop:
 * opens N real MCP clients, then each calls the tool M times back to back. Prints one JSON line:
 * per-call latencies (ms) of the calls that succeeded, wall time, the number of failed calls (an
 * isError result or a thrown error) and what they said, counted by message. A failed call is
 * never a latency sample: a fast refusal would flatter the side that fails.
 *
 * Clients: `v1` — 2025-era sessions with the v1 SDK (`@modelcontextprotocol/sdk`), each
 * initialised once; `v2` — 2026-07-28 stateless requests with the v2 client
 * (`@modelcontextprotocol/client`, version negotiation `auto`): no session, every call carries
 * its own envelope.
 * Usage: bun bench/load.ts <mcp-url> <token|-> <clients> <calls-per-client> [tool] [v1|v2]
 */
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [url, token, sessionsArg, callsArg, toolArg, kindArg] = process.argv.slice(2);
const sessions = Number(sessionsArg);
const calls = Number(callsArg);
const tool = toolArg ?? 'list_workos_organizations';
const kind = kindArg ?? 'v1';
if (kind !== 'v1' && kind !== 'v2') throw new Error(`unknown client kind "${kind}" (v1 or v2)`);
const headers = token && token !== '-' ? { Authorization: `Bearer ${token}` } : undefined;
const args = tool === 'list_workos_organizations' ? { limit: 5 } : {};

interface Caller {
  callTool(p: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

async function open(): Promise<Caller> {
  const init = headers ? { requestInit: { headers } } : {};
  if (kind === 'v1') {
    const c = new Client({ name: 'bench', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(url!), init);
    await c.connect(transport);
    return {
      callTool: (p) => c.callTool(p),
      // Ends the session on the server (HTTP DELETE): a person may hold only so many open.
      close: async () => {
        await transport.terminateSession().catch(() => {});
        await c.close();
      },
    };
  }
  const c = new ClientV2({ name: 'bench', version: '2.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await c.connect(new TransportV2(new URL(url!), init));
  return c as unknown as Caller;
}

const clients = await Promise.all(Array.from({ length: sessions }, open));

const latencies: number[] = [];
let errors = 0;
/** Failure messages (first line, ids and numbers blurred so alike ones count together). */
const messages: Record<string, number> = {};
function failed(message: string) {
  errors++;
  const key = (message.split('\n')[0] ?? '')
    .replace(/\b(req|org|user|directory)_[0-9A-Za-z]+/g, '$1_…')
    .replace(/\d+/g, 'N')
    .slice(0, 200);
  messages[key] = (messages[key] ?? 0) + 1;
}

const started = performance.now();
await Promise.all(
  clients.map(async (c) => {
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      try {
        const r = (await c.callTool({ name: tool, arguments: args })) as {
          isError?: boolean;
          content?: { type: string; text?: string }[];
        };
        if (r.isError) failed((r.content ?? []).map((x) => x.text ?? '').join(' ') || '(isError, no text)');
        else latencies.push(performance.now() - t);
      } catch (e) {
        failed(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
      }
    }
  }),
);
const wallMs = performance.now() - started;
await Promise.all(clients.map((c) => c.close().catch(() => {})));
// Exits only once the line is written: a pipe holds 64 KiB, and an exit drops what is left.
await new Promise<void>((done) =>
  process.stdout.write(`${JSON.stringify({ latencies, wallMs, errors, messages })}\n`, () => done()),
);
process.exit(0);
