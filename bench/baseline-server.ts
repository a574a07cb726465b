/**
 * The benchmark's baseline: a bare MCP server built with the same SDK (v2) on the same Bun,
 * exposing the same tool against the same embedded WorkOS — with no auth, policy, audit or
 * metrics — and `echo`, a tool with no upstream call (set against Gatehouse's `whoami` to show
 * Gatehouse's own cost). It serves 2025-era sessions and 2026-07-28 stateless requests, as
 * Gatehouse does. Usage: bun bench/baseline-server.ts <port> <workos-url> <api-key>
 */
import {
  createMcpHandler,
  isLegacyRequest,
  McpServer,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { WorkOS } from '@workos-inc/node';
import { z } from 'zod';

const [portArg, workosUrl, apiKey] = process.argv.slice(2);
if (!portArg || !workosUrl || !apiKey) {
  console.error('usage: bun bench/baseline-server.ts <port> <workos-url> <api-key>');
  process.exit(2);
}
const target = new URL(workosUrl);
const workos = new WorkOS({
  apiKey,
  apiHostname: target.hostname,
  port: Number(target.port),
  https: false,
  maxRetries: 0,
});

function buildServer() {
  const server = new McpServer({ name: 'baseline', version: '1.0.0' });
  server.registerTool(
    'list_workos_organizations',
    {
      description: 'List organizations',
      inputSchema: z.object({ limit: z.number().int().min(1).max(100).optional() }),
    },
    async ({ limit }) => {
      const page = await workos.organizations.listOrganizations({ limit: limit ?? 10 });
      const data = page.data.map((o) => ({
        id: o.id,
        name: o.name,
        domains: o.domains.map((d) => d.domain),
      }));
      return {
        content: [{ type: 'text', text: JSON.stringify({ data, list_metadata: page.listMetadata }) }],
      };
    },
  );
  server.registerTool(
    'echo',
    { description: 'Answers at once, with no upstream call', inputSchema: z.object({}) },
    async () => ({ content: [{ type: 'text', text: JSON.stringify({ ok: true, at: Date.now() }) }] }),
  );
  return server;
}

/** 2026-07-28 requests: one server per request, as the SDK's stateless handler builds them. */
const modern = createMcpHandler(() => buildServer(), { legacy: 'reject' });

const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();

Bun.serve({
  port: Number(portArg),
  hostname: '127.0.0.1',
  async fetch(request) {
    const id = request.headers.get('mcp-session-id');
    if (id) {
      const t = sessions.get(id);
      if (!t) return new Response('unknown session', { status: 404 });
      return t.handleRequest(request);
    }
    if (!(await isLegacyRequest(request))) return modern.fetch(request);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (sid) => {
        sessions.set(sid, transport);
      },
    });
    await buildServer().connect(transport);
    return transport.handleRequest(request);
  },
});
console.log('ready');
