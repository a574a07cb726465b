import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { IDLE_TIMEOUT_S, MCP_SESSION_IDLE_TTL_MS, SSE_KEEPALIVE_MS } from '../../src/config/constants.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { INITIALIZE, mcpPost, openRawSession } from '../support/raw-mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let clock: ManualClock;
let member: { access_token: string; refresh_token: string };
let viewer: { access_token: string; refresh_token: string };

const INIT = INITIALIZE;

const post = (token: string, body: unknown, headers: Record<string, string> = {}) =>
  mcpPost(gh.url, token, body, headers);

/** Opens a 2025-era session over raw HTTP and returns its id. */
const openSession = (token: string) => openRawSession(gh.url, token);

function listTools(token: string, sessionId: string) {
  return post(
    token,
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
  );
}

beforeAll(async () => {
  clock = new ManualClock();
  gh = await startTestGatehouse({ clock });
  [member, viewer] = await Promise.all([
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'viewer@demo.test'),
  ]);
});
afterAll(() => gh.stop());

describe('mcp transport', () => {
  test('origin — a foreign Origin is refused with 403 (DNS rebinding)', async () => {
    const res = await post(member.access_token, INIT, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Origin not allowed');
  });

  test('origin — the server\u2019s own origin is accepted', async () => {
    const res = await post(member.access_token, INIT, { origin: gh.url });
    expect(res.status).toBe(200);
  });

  test('host — a foreign Host is refused with 403', async () => {
    const res = await post(member.access_token, INIT, { host: 'attacker.example:80' });
    expect(res.status).toBe(403);
  });

  test('session — another human\u2019s token cannot use it', async () => {
    const id = await openSession(member.access_token);
    const res = await listTools(viewer.access_token, id);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('belongs to another authorization');
    expect((await listTools(member.access_token, id)).status).toBe(200);
  });

  test('session — a refreshed token of the same authorization keeps using it', async () => {
    const t = await tokensFor(gh.url, 'member@demo.test');
    const id = await openSession(t.access_token);
    const r = await fetch(`${gh.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: t.refresh_token,
        client_id: await clientIdOf(t.access_token),
      }),
    });
    const fresh = (await r.json()) as { access_token: string };
    expect(r.status).toBe(200);
    expect((await listTools(fresh.access_token, id)).status).toBe(200);
  });

  test('session — unknown session id is a 404 telling the client to re-initialize', async () => {
    const res = await listTools(member.access_token, 'no-such-session');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Initialize a new session');
  });

  test('session — DELETE ends it', async () => {
    const id = await openSession(member.access_token);
    const del = await fetch(`${gh.url}/mcp`, {
      method: 'DELETE',
      headers: {
        authorization: `Bearer ${member.access_token}`,
        'mcp-session-id': id,
        'mcp-protocol-version': '2025-06-18',
      },
    });
    expect(del.status).toBe(200);
    expect((await listTools(member.access_token, id)).status).toBe(404);
  });

  test('session — evicted after the team\u2019s idle TTL', async () => {
    const id = await openSession(member.access_token);
    clock.advance(MCP_SESSION_IDLE_TTL_MS + 1000);
    gh.mcp.live.sweep();
    // The sweep closes asynchronously; give the event loop a turn.
    await Bun.sleep(0);
    expect((await listTools(member.access_token, id)).status).toBe(404);
    clock.advance(-(MCP_SESSION_IDLE_TTL_MS + 1000));
  });

  test('session — revoking the token closes its open SSE stream and the session', async () => {
    const t = await tokensFor(gh.url, 'member@demo.test');
    const id = await openSession(t.access_token);
    const stream = await fetch(`${gh.url}/mcp`, {
      headers: {
        authorization: `Bearer ${t.access_token}`,
        accept: 'text/event-stream',
        'mcp-session-id': id,
        'mcp-protocol-version': '2025-06-18',
      },
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const revoked = await fetch(`${gh.url}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t.access_token, client_id: await clientIdOf(t.access_token) }),
    });
    expect(revoked.status).toBe(200);
    // The stream ends (done) rather than hanging.
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(done).toBe(true);
    expect(gh.mcp.sessions.state(id)).toBeUndefined();
    expect((await listTools(t.access_token, id)).status).toBe(401);
  });

  test('json-rpc — malformed JSON gets a JSON-RPC parse error, not a 500', async () => {
    const res = await post(member.access_token, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: number } };
    expect(body.error.code).toBe(-32700);
  });

  test('json-rpc — a non-JSON-RPC object is an invalid request, not a 500', async () => {
    const res = await post(member.access_token, { hello: 'world' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  test('json-rpc — an unknown method is method-not-found', async () => {
    const id = await openSession(member.access_token);
    const res = await post(
      member.access_token,
      { jsonrpc: '2.0', id: 9, method: 'nope/nothing' },
      { 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' },
    );
    const text = await res.text();
    expect(text).toContain('-32601');
  });

  test('body — a request over the size limit is refused with 413', async () => {
    const huge = JSON.stringify({ ...INIT, params: { ...INIT.params, padding: 'x'.repeat(1_100_000) } });
    const res = await post(member.access_token, huge);
    expect(res.status).toBe(413);
  });

  /**
   * A session whose client can be asked (elicitation), a new organization, and its delete (id
   * `callId`) read up to the question it asks: the request stays in flight until answered.
   */
  async function deleteAsked(name: string, callId: number) {
    const init = await post(member.access_token, {
      ...INIT,
      params: { ...INIT.params, protocolVersion: '2025-11-25', capabilities: { elicitation: {} } },
    });
    await init.text();
    const id = init.headers.get('mcp-session-id')!;
    const headers = { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' };
    await (
      await post(member.access_token, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers)
    ).text();
    const org = await teamWorkOS(gh).organizations.createOrganization({ name });
    const first = await post(
      member.access_token,
      {
        jsonrpc: '2.0',
        id: callId,
        method: 'tools/call',
        params: { name: 'delete_organization', arguments: { organization_id: org.id } },
      },
      headers,
    );
    const reader = first.body!.getReader();
    let sse = '';
    while (!sse.includes('elicitation/create')) {
      const r = await reader.read();
      if (r.done) throw new Error(`the stream ended before the elicitation: ${sse}`);
      sse += new TextDecoder().decode(r.value);
    }
    const elicitId = (JSON.parse(/data: (\{.*\})/.exec(sse)![1]!) as { id: number }).id;
    return { headers, org, reader, sse, elicitId };
  }

  test('json-rpc — a second request reusing an id still in flight is refused; the first is still answered', async () => {
    const asked = await deleteAsked('Duplicate Id Org', 77);
    const { headers, reader, elicitId } = asked;
    let sse = asked.sse;

    const second = await post(member.access_token, { jsonrpc: '2.0', id: 77, method: 'tools/list' }, headers);
    expect(second.status).toBe(409);
    expect(await second.text()).toContain('already in progress');

    // The human declines; the first request is answered after all.
    const answer = await post(
      member.access_token,
      { jsonrpc: '2.0', id: elicitId, result: { action: 'decline' } },
      headers,
    );
    expect(answer.status).toBe(202);
    while (!sse.includes('"id":77')) {
      const r = await reader.read();
      if (r.done) break;
      sse += new TextDecoder().decode(r.value);
    }
    expect(sse).toContain('the human declined');
    // Once answered, the id may be used again.
    const again = await post(member.access_token, { jsonrpc: '2.0', id: 77, method: 'tools/list' }, headers);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('"tools"');
  });

  test('json-rpc — a delete cancelled while its question waits never runs, whatever the answer that comes later', async () => {
    const { headers, org, reader, elicitId } = await deleteAsked('Cancelled Delete Org', 78);
    // The call's end, as the metrics record it (after its audit entry).
    const metrics = gh.ctx.metrics;
    const recordCall = metrics.recordCall;
    const ended = new Promise<string>((resolve) => {
      metrics.recordCall = (input) => {
        recordCall.call(metrics, input);
        if (input.tool !== 'delete_organization') return;
        metrics.recordCall = recordCall;
        resolve(input.outcome);
      };
    });
    const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 78 } };
    expect((await post(member.access_token, cancel, headers)).status).toBe(202);
    // The call's stream gets its stand-in and ends.
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += new TextDecoder().decode(r.value);
    expect(rest).toContain('The client cancelled the request.');
    // An accept sent now confirms nothing: the question was withdrawn with the call.
    await post(
      member.access_token,
      { jsonrpc: '2.0', id: elicitId, result: { action: 'accept', content: { confirm: true } } },
      headers,
    );
    expect(await ended).not.toBe('ok');
    const still = await teamWorkOS(gh).organizations.getOrganization(org.id);
    expect(still.id).toBe(org.id);
  });

  test('content type — a non-JSON POST is refused with 415', async () => {
    const res = await post(member.access_token, 'hello', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
  });

  test('tools — an unknown tool and invalid arguments are isError results, each audited', async () => {
    const client = await connectV1(gh.url, member.access_token);
    const unknown = await call(client, 'no_such_tool');
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('There is no tool named');
    const bad = await call(client, 'whoami', { extra: 1 });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('unknown field(s) extra');
    await client.close();
  });

  test('sse — a GET stream gets keep-alive comments well within Bun\u2019s idle timeout', async () => {
    // The stream outlives the idle timeout because a comment is written more often than it
    // fires: the relation is checked, then the first keep-alive is awaited (no wall-clock race).
    expect(SSE_KEEPALIVE_MS * 2).toBeLessThanOrEqual(IDLE_TIMEOUT_S * 1000);
    const id = await openSession(member.access_token);
    const stream = await fetch(`${gh.url}/mcp`, {
      headers: {
        authorization: `Bearer ${member.access_token}`,
        accept: 'text/event-stream',
        'mcp-session-id': id,
        'mcp-protocol-version': '2025-06-18',
      },
    });
    const reader = stream.body!.getReader();
    // The stream may open with a comment; a second one is the periodic keep-alive.
    let seen = '';
    const comments = () => (seen.match(/^:/gm) ?? []).length;
    while (comments() < 2) {
      const r = await reader.read();
      if (r.done) throw new Error('the SSE stream was closed before a keep-alive');
      seen += new TextDecoder().decode(r.value);
    }
    expect(comments()).toBeGreaterThanOrEqual(2);
    await reader.cancel();
  }, 60_000);
});

/** The client_id behind an access token (test shortcut through the service). */
async function clientIdOf(accessToken: string): Promise<string> {
  const record = gh.ctx.oauth.tokens.bearer(accessToken)!;
  return record.family.clientId!;
}
