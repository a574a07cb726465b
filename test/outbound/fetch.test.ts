import { afterAll, afterEach, expect, spyOn, test } from 'bun:test';
import { AppError } from '../../src/errors/app-error.ts';
import { guardedFetch, type Resolver } from '../../src/outbound/index.ts';

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('was accepted');
}

const answering =
  (addresses: string[]): Resolver =>
  async () =>
    addresses;

// Nothing here may reach the network: every case is refused before a connection is opened.
const fetchSpy = spyOn(globalThis, 'fetch');
afterEach(() => fetchSpy.mockClear());
afterAll(() => fetchSpy.mockRestore());

test('fetch — http:// is refused before any connection', async () => {
  const e = await refusal(guardedFetch('http://api.linear.app/graphql'));
  expect(e.code).toBe('forbidden');
  expect(e.message).toContain('only https: is allowed');
  expect(fetchSpy).not.toHaveBeenCalled();
});

test('fetch — IP literal spellings of loopback and metadata are refused before any connection', async () => {
  for (const raw of [
    'https://0x7f000001/',
    'https://2130706433/',
    'https://0177.0.0.1/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://10.0.0.1/',
    'https://169.254.169.254/latest/meta-data',
  ]) {
    const e = await refusal(guardedFetch(raw, { resolver: answering(['93.184.216.34']) }));
    expect(e.code).toBe('forbidden');
  }
  expect(fetchSpy).not.toHaveBeenCalled();
});

test('fetch — a DNS name resolving to a private address is refused', async () => {
  const e = await refusal(
    guardedFetch('https://intranet.example.com/', { resolver: answering(['192.168.1.10']) }),
  );
  expect(e.code).toBe('forbidden');
  expect(e.message).toContain('intranet.example.com');
  expect(e.message).toContain('192.168.1.10 is private network');
  expect(fetchSpy).not.toHaveBeenCalled();
});

test('fetch — mixed public and private DNS answers are refused', async () => {
  const resolver = answering(['93.184.216.34', '127.0.0.1']);
  const e = await refusal(guardedFetch('https://rebind.example.com/', { resolver }));
  expect(e.code).toBe('forbidden');
  expect(e.message).toContain('127.0.0.1 is loopback');
  expect(fetchSpy).not.toHaveBeenCalled();
});

test('fetch — the wrong host is refused when allowedHosts is given', async () => {
  const e = await refusal(
    guardedFetch('https://evil.example/graphql', {
      allowedHosts: (h) => h === 'api.linear.app',
      resolver: answering(['93.184.216.34']),
    }),
  );
  expect(e.code).toBe('forbidden');
  expect(e.message).toContain('evil.example is not an allowed host');
  expect(fetchSpy).not.toHaveBeenCalled();
});

test('fetch — a resolver that never answers is cut off by the timeout', async () => {
  const hanging: Resolver = () => new Promise<string[]>(() => {});
  const e = await refusal(
    guardedFetch('https://slow-dns.example.com/', { resolver: hanging, timeoutMs: 200 }),
  );
  expect(e.code).toBe('upstream_failed');
  expect(e.message).toContain('did not answer within 200 ms');
});

test('fetch — a public address is connected to as resolved (the pinned address reaches fetch)', async () => {
  fetchSpy.mockImplementationOnce((async () => new Response('ok')) as unknown as typeof fetch);
  const res = await guardedFetch('https://api.example.com/v1?x=1', {
    resolver: answering(['93.184.216.34']),
  });
  expect(res.status).toBe(200);
  expect(res.text()).toBe('ok');
  expect(res.url).toBe('https://api.example.com/v1?x=1');
  const [wire, init] = fetchSpy.mock.calls[0]! as [URL, BunFetchRequestInit];
  expect(String(wire)).toBe('https://93.184.216.34/v1?x=1');
  expect(new Headers(init.headers).get('host')).toBe('api.example.com');
  expect(init.tls?.serverName).toBe('api.example.com');
  expect(init.redirect).toBe('manual');
});

test('fetch — limits that would switch a guard off are refused', async () => {
  expect((await refusal(guardedFetch('https://api.example.com/', { timeoutMs: 0 }))).code).toBe(
    'invalid_input',
  );
  expect(
    (await refusal(guardedFetch('https://api.example.com/', { maxResponseBytes: Number.NaN }))).code,
  ).toBe('invalid_input');
});

test('fetch — an IPv6 answer is connected to in brackets, with the name kept for TLS and Host', async () => {
  fetchSpy.mockImplementationOnce(
    (async () => new Response(null, { status: 204 })) as unknown as typeof fetch,
  );
  const res = await guardedFetch('https://api.example.com:8443/x', {
    allowedPorts: [8443],
    resolver: answering(['2606:4700::1111', '93.184.216.34']),
  });
  expect(res.status).toBe(204);
  const [wire, init] = fetchSpy.mock.calls[0]! as [URL, BunFetchRequestInit];
  expect(String(wire)).toBe('https://[2606:4700::1111]:8443/x');
  expect(new Headers(init.headers).get('host')).toBe('api.example.com:8443');
  expect(init.tls?.serverName).toBe('api.example.com');
});
