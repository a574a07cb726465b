/**
 * One session on each of two servers, called in turn, call by call: the same client process, the
 * same moments, so drift on the machine (which moves single runs by ±20% here) falls on both
 * alike. Prints one JSON line: per side, the latencies (ms) of the calls that succeeded and the
 * number that failed. The first side of each pair alternates.
 * Usage: bun bench/pair.ts <url-a> <token-a|-> <tool-a> <url-b> <token-b|-> <tool-b> <calls>
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [urlA, tokenA, toolA, urlB, tokenB, toolB, callsArg] = process.argv.slice(2);
if (!urlA || !tokenA || !toolA || !urlB || !tokenB || !toolB || !callsArg)
  throw new Error(
    'usage: bun bench/pair.ts <url-a> <token-a|-> <tool-a> <url-b> <token-b|-> <tool-b> <calls>',
  );
const calls = Number(callsArg);

interface Side {
  client: Client;
  transport: StreamableHTTPClientTransport;
  tool: string;
  latencies: number[];
  errors: number;
}

async function open(url: string, token: string, tool: string): Promise<Side> {
  const headers = token !== '-' ? { Authorization: `Bearer ${token}` } : undefined;
  const transport = new StreamableHTTPClientTransport(
    new URL(url),
    headers ? { requestInit: { headers } } : {},
  );
  const client = new Client({ name: 'bench-pair', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, tool, latencies: [], errors: 0 };
}

async function callOnce(side: Side): Promise<void> {
  const args = side.tool === 'list_workos_organizations' ? { limit: 5 } : {};
  const t = performance.now();
  try {
    const r = await side.client.callTool({ name: side.tool, arguments: args });
    if (r.isError) side.errors++;
    else side.latencies.push(performance.now() - t);
  } catch {
    side.errors++;
  }
}

const a = await open(urlA, tokenA, toolA);
const b = await open(urlB, tokenB, toolB);
for (let i = 0; i < calls; i++) {
  const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
  await callOnce(first);
  await callOnce(second);
}
for (const s of [a, b]) {
  await s.transport.terminateSession().catch(() => {});
  await s.client.close();
}
const out = (s: Side) => ({ latencies: s.latencies, errors: s.errors });
// Exits only once the line is written (see load.ts).
await new Promise<void>((done) =>
  process.stdout.write(`${JSON.stringify({ a: out(a), b: out(b) })}\n`, () => done()),
);
process.exit(0);
