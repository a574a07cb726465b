/**
 * Helpers for the destructive gate's tests (test/policy, test/security): throwaway WorkOS
 * organizations, the "Deletions need a person" setting, and a raw 2026-07-28 tools/call whose
 * own `_meta` declares (or not) form elicitation — how a stateless client is asked.
 */
import { seededTeamId, type TestGatehouse, teamWorkOS } from './server.ts';

/** A new organization in a seeded team's sandbox (default: the demo team); its id. */
export async function throwawayOrg(gh: TestGatehouse, name: string, seed?: string): Promise<string> {
  return (await teamWorkOS(gh, 'sandbox', seed).organizations.createOrganization({ name })).id;
}

/** Whether the organization still exists in that sandbox. */
export function orgExists(gh: TestGatehouse, id: string, seed?: string): Promise<boolean> {
  return teamWorkOS(gh, 'sandbox', seed)
    .organizations.getOrganization(id)
    .then(
      () => true,
      () => false,
    );
}

/** Switches the team setting "Deletions need a person". */
export function setNeedsPerson(gh: TestGatehouse, on: boolean, seed?: string): void {
  gh.ctx.settings.update(
    seededTeamId(gh, seed),
    { destructiveNeedsPerson: on },
    { userId: 'user_test', email: 'admin@demo.test' },
  );
}

export interface RpcReply {
  status: number;
  result?: Record<string, unknown> & { isError?: boolean; content?: { text?: string }[] };
  error?: { code: number; message: string };
}

/** POSTs a 2026-07-28 tools/call body as it is (a test may send one no client would serialise). */
export function postToolCall2026(
  gh: TestGatehouse,
  bearer: string,
  name: string,
  body: string,
): Promise<Response> {
  return fetch(`${gh.url}/mcp`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${bearer}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2026-07-28',
      'Mcp-Method': 'tools/call',
      'Mcp-Name': name,
    },
    body,
  });
}

/**
 * One raw 2026-07-28 tools/call over HTTP (`params`: name, arguments, and any inputResponses /
 * requestState of a retry); the JSON-RPC result or error, read from the SSE or JSON answer.
 */
export async function rawToolCall2026(
  gh: TestGatehouse,
  bearer: string,
  params: Record<string, unknown>,
  opts: { elicit?: boolean; clientName?: string } = {},
): Promise<RpcReply> {
  const res = await postToolCall2026(
    gh,
    bearer,
    String(params.name),
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: opts.clientName ?? 'raw', version: '1' },
          'io.modelcontextprotocol/clientCapabilities':
            opts.elicit === false ? {} : { elicitation: { form: {} } },
        },
      },
    }),
  );
  const text = await res.text();
  let data: Omit<RpcReply, 'status'> | undefined;
  try {
    data = text
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)))
      .find((m) => 'result' in m || 'error' in m);
    data ??= JSON.parse(text);
  } catch {
    data = { error: { code: res.status, message: text } };
  }
  return { status: res.status, ...data };
}
