/**
 * Raw MCP over HTTP, without an SDK client: the headers a Streamable HTTP client sends, a
 * 2025-era session opened by hand, and the messages of an SSE body. For tests that need to send
 * what no SDK client would (stress, fuzzing, two replicas, attacks).
 */

export const PROTOCOL_2025 = '2025-06-18';

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: PROTOCOL_2025,
    capabilities: {},
    clientInfo: { name: 'gatehouse-raw', version: '1' },
  },
};

/** A POST to /mcp with the headers a Streamable HTTP client sends. */
export function mcpPost(
  base: string,
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
  init: RequestInit = {},
): Promise<Response> {
  return fetch(`${base}/mcp`, {
    method: 'POST',
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Opens a 2025-era session over raw HTTP (initialize + initialized) and returns its id. */
export async function openRawSession(
  base: string,
  token: string,
  capabilities: Record<string, unknown> = {},
): Promise<string> {
  const res = await mcpPost(base, token, { ...INITIALIZE, params: { ...INITIALIZE.params, capabilities } });
  await res.arrayBuffer();
  const id = res.headers.get('mcp-session-id');
  if (res.status !== 200 || !id) throw new Error(`initialize answered ${res.status} without a session id`);
  const ack = await mcpPost(
    base,
    token,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_2025 },
  );
  await ack.arrayBuffer();
  if (ack.status !== 202) throw new Error(`notifications/initialized answered ${ack.status}`);
  return id;
}

/** The JSON-RPC messages carried by an SSE body (`data:` lines, joined per event). */
export function sseMessages(text: string): unknown[] {
  const out: unknown[] = [];
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).replace(/^ /, ''))
      .join('\n');
    if (data) out.push(JSON.parse(data));
  }
  return out;
}

/**
 * Opens the 2025-era GET stream of `sessionId` and reads its opening comment;
 * `ended` settles when the server ends (or resets) the stream. A test awaits it with no timer of
 * its own: the test's timeout is the only bound.
 */
export async function openStream(
  base: string,
  token: string,
  sessionId: string,
): Promise<{ status: number; ended: Promise<void> }> {
  const stream = await fetch(`${base}/mcp`, {
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': PROTOCOL_2025,
    },
  });
  if (stream.status !== 200 || !stream.body) return { status: stream.status, ended: Promise.resolve() };
  const reader = stream.body.getReader();
  await reader.read(); // the opening comment: the stream is open
  const ended = (async () => {
    try {
      while (!(await reader.read()).done) {}
    } catch {
      // A reset ends it as well.
    }
  })();
  return { status: stream.status, ended };
}

/** The `_meta` a 2026-07-28 request carries (no session: each request says who it is). */
export const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'gatehouse-raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** An open (or refused) listen stream: `ended` settles when the server ends it. */
export interface ListenStream {
  /** The answer: 200 with the stream (its body is being read), or the refusal, body unread. */
  res: Response;
  ended: Promise<void>;
  /** Ends it from the client's side (nothing for a refusal). */
  close(): Promise<void>;
}

/**
 * Opens a 2026-07-28 `subscriptions/listen` stream (request `id`) and reads up to its
 * acknowledgement; `ended` settles when the server ends (or resets) the stream, as
 * `openStream`'s does. A refusal comes back as it is.
 */
export async function openListen(base: string, token: string, id = 1): Promise<ListenStream> {
  const res = await mcpPost(
    base,
    token,
    {
      jsonrpc: '2.0',
      id,
      method: 'subscriptions/listen',
      params: { notifications: { toolsListChanged: true }, _meta: MODERN_META },
    },
    { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
  );
  if (res.status !== 200 || !res.body) return { res, ended: Promise.resolve(), close: async () => {} };
  const reader = res.body.getReader();
  let seen = '';
  while (!seen.includes('subscriptions/acknowledged')) {
    const r = await reader.read();
    if (r.done) throw new Error(`the listen stream ended before its acknowledgement: ${seen}`);
    seen += new TextDecoder().decode(r.value);
  }
  const ended = (async () => {
    try {
      while (!(await reader.read()).done) {}
    } catch {
      // A reset ends it as well.
    }
  })();
  return { res, ended, close: () => reader.cancel().catch(() => {}) };
}
