import { afterAll, afterEach, beforeAll, expect, spyOn, test } from 'bun:test';
import { AppError } from '../../src/errors/app-error.ts';
import { createOutbound, type Outbound } from '../../src/outbound/index.ts';
import { startSilentServer } from './support/servers.ts';

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('was accepted');
}

const MiB = 1024 * 1024;
const requests: { path: string; host: string | null; originalHost: string | null; method: string }[] = [];
let fake: ReturnType<typeof Bun.serve>;
let silent: Awaited<ReturnType<typeof startSilentServer>>;
let outbound: Outbound;
const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];

/** A fake third-party API on loopback, reached through the test host map. */
function fakeApi(req: Request): Response {
  const url = new URL(req.url);
  requests.push({
    path: url.pathname + url.search,
    host: req.headers.get('host'),
    originalHost: req.headers.get('x-original-host'),
    method: req.method,
  });
  switch (url.pathname) {
    case '/redirect':
      return new Response('moved', { status: 302, headers: { location: 'http://169.254.169.254/' } });
    case '/big-declared':
      return new Response('x'.repeat(2 * MiB));
    case '/big-streamed': {
      // No Content-Length: chunked, so only counting while streaming can catch it.
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          sent += 64 * 1024;
          if (sent > 4 * MiB) controller.close();
          else controller.enqueue(new Uint8Array(64 * 1024));
        },
      });
      return new Response(stream);
    }
    case '/stall-body':
      // Headers and a first chunk, then nothing: the deadline must cover the body too.
      return new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('partial'));
          },
        }),
      );
    case '/graphql':
      return Response.json({ echoed: req.method });
    default:
      return new Response('hello');
  }
}

beforeAll(async () => {
  fake = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: fakeApi });
  silent = await startSilentServer();
  outbound = createOutbound({
    testHostMap: {
      'api.linear.app': `http://127.0.0.1:${fake.port}`,
      'hang.example.com': `http://127.0.0.1:${silent.port}`,
    },
    log: { warn: (msg, fields) => warnings.push({ msg, fields }) },
  });
});
afterAll(() => {
  fake.stop(true);
  silent.stop();
});
afterEach(() => {
  requests.length = 0;
});

test('test host map — the loud warning is logged once, naming the hosts', () => {
  expect(warnings).toEqual([
    {
      msg: 'OUTBOUND TEST HOST MAP IS ACTIVE — never use in production',
      fields: { hosts: ['api.linear.app', 'hang.example.com'] },
    },
  ]);
});

test('test host map — no map means no warning and the plain guard', () => {
  const quiet: string[] = [];
  createOutbound({ log: { warn: (msg) => quiet.push(msg) } });
  createOutbound({ testHostMap: {}, log: { warn: (msg) => quiet.push(msg) } });
  expect(quiet).toEqual([]);
});

test('test host map — a mapped host reaches the loopback fake with path, query and x-original-host', async () => {
  const res = await outbound.fetch('https://api.linear.app/graphql?op=viewer', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"query":"{ viewer { id } }"}',
  });
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text())).toEqual({ echoed: 'POST' });
  expect(res.url).toBe('https://api.linear.app/graphql?op=viewer');
  expect(requests).toEqual([
    {
      path: '/graphql?op=viewer',
      host: `127.0.0.1:${fake.port}`,
      originalHost: 'api.linear.app',
      method: 'POST',
    },
  ]);
});

test('test host map — a redirect is returned as-is and not followed', async () => {
  const fetchSpy = spyOn(globalThis, 'fetch');
  try {
    const res = await outbound.fetch('https://api.linear.app/redirect');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://169.254.169.254/');
    expect(res.text()).toBe('moved');
    // Exactly one request left Gatehouse, and the fake saw exactly one.
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(requests.map((r) => r.path)).toEqual(['/redirect']);
  } finally {
    fetchSpy.mockRestore();
  }
});

test('test host map — the time limit aborts a server that never answers', async () => {
  const e = await refusal(outbound.fetch('https://hang.example.com/slow', { timeoutMs: 200 }));
  expect(e.code).toBe('upstream_failed');
  expect(e.message).toBe('hang.example.com did not answer within 200 ms.');
  expect(silent.connections()).toBeGreaterThan(0);
});

test('test host map — the time limit also covers a body that stops mid-way', async () => {
  const e = await refusal(outbound.fetch('https://api.linear.app/stall-body', { timeoutMs: 200 }));
  expect(e.code).toBe('upstream_failed');
  expect(e.message).toBe('api.linear.app did not answer within 200 ms.');
});

test('test host map — an oversized response with Content-Length is refused before reading', async () => {
  const e = await refusal(outbound.fetch('https://api.linear.app/big-declared', { maxResponseBytes: MiB }));
  expect(e.code).toBe('upstream_failed');
  expect(e.message).toContain(`declared Content-Length ${2 * MiB}`);
  expect(e.message).toContain(`${MiB}-byte limit`);
});

test('test host map — an oversized streamed response without Content-Length is cut off', async () => {
  const e = await refusal(outbound.fetch('https://api.linear.app/big-streamed', { maxResponseBytes: MiB }));
  expect(e.code).toBe('upstream_failed');
  expect(e.message).toContain(`sent more than ${MiB} bytes`);
});

test('test host map — the default limit is 1 MiB', async () => {
  const e = await refusal(outbound.fetch('https://api.linear.app/big-streamed'));
  expect(e.message).toContain(`${MiB}-byte limit`);
});

test('test host map — URL rules still apply to mapped hosts', async () => {
  expect((await refusal(outbound.fetch('http://api.linear.app/graphql'))).code).toBe('forbidden');
  const e = await refusal(
    outbound.fetch('https://api.linear.app/graphql', { allowedHosts: (h) => h === 'api.notion.com' }),
  );
  expect(e.message).toContain('not an allowed host');
  expect(requests).toEqual([]);
});

test('test host map — hosts not in the map go through the full guard', async () => {
  const e = await refusal(
    outbound.fetch('https://api.notion.com/v1/pages', { resolver: async () => ['10.0.0.7'] }),
  );
  expect(e.code).toBe('forbidden');
  expect(e.message).toContain('10.0.0.7 is private network');
  expect(requests).toEqual([]);
});

test('test host map — only plain-http loopback origins can be mapped', () => {
  for (const origin of [
    'https://127.0.0.1:4567',
    'http://10.0.0.1:4567',
    'http://example.com',
    'http://127.0.0.1:4567/prefix',
    'not a url',
  ]) {
    expect(() => createOutbound({ testHostMap: { 'api.linear.app': origin }, log: { warn() {} } })).toThrow(
      'only http:// loopback origins are allowed',
    );
  }
  expect(() =>
    createOutbound({ testHostMap: { 'a.example': 'http://[::1]:1' }, log: { warn() {} } }),
  ).not.toThrow();
});
