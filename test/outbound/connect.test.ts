import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { fetchPinned, type WireRequest } from '../../src/outbound/connect.ts';
import { hasOpenssl, makeTestPki, type TestPki } from './support/certs.ts';
import { startRelay } from './support/servers.ts';

// The connect-to-checked-address mechanism, proven against a real TLS server on loopback: the
// URL names `api.example.test` (which does not resolve anywhere), the socket goes to the
// address we hand over, and the certificate is still verified for the name.
describe.skipIf(!hasOpenssl)('connect — pinned TLS connection', () => {
  let pki: TestPki;
  let server: ReturnType<typeof Bun.serve>;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  const seen: { host: string | null; path: string }[] = [];

  const request = (): WireRequest => ({
    method: 'GET',
    headers: new Headers({ 'x-test': '1' }),
    body: undefined,
    signal: AbortSignal.timeout(5_000),
  });

  beforeAll(async () => {
    pki = makeTestPki();
    server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      tls: { cert: pki.cert, key: pki.key },
      fetch(req) {
        const url = new URL(req.url);
        seen.push({ host: req.headers.get('host'), path: url.pathname + url.search });
        return new Response('pinned ok');
      },
    });
    relay = await startRelay(server.port!);
  });
  afterAll(() => {
    relay.stop();
    server.stop(true);
  });

  test('connect — connects to the checked address with SNI, Host and certificate for the real name', async () => {
    const target = new URL(`https://api.example.test:${relay.port}/v1/thing?q=1`);
    const res = await fetchPinned(target, '127.0.0.1', request(), { ca: pki.ca });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('pinned ok');
    expect(seen.at(-1)).toEqual({ host: `api.example.test:${relay.port}`, path: '/v1/thing?q=1' });
    // SNI travels in clear in the ClientHello: the real name, not the IP.
    expect(relay.hellos.at(-1)?.includes('api.example.test')).toBe(true);
  });

  test('connect — a certificate for another name is refused although the address is right', async () => {
    const target = new URL(`https://wrong.example.test:${relay.port}/`);
    const before = seen.length;
    await expect(fetchPinned(target, '127.0.0.1', request(), { ca: pki.ca })).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    expect(seen.length).toBe(before);
  });

  test('connect — a certificate from an unknown CA is refused', async () => {
    const target = new URL(`https://api.example.test:${relay.port}/`);
    await expect(fetchPinned(target, '127.0.0.1', request())).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  test('connect — NODE_TLS_REJECT_UNAUTHORIZED=0 does not switch verification off', async () => {
    const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      const target = new URL(`https://api.example.test:${relay.port}/`);
      await expect(fetchPinned(target, '127.0.0.1', request())).rejects.toMatchObject({
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      });
    } finally {
      if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
    }
  });

  test('connect — redirects are returned, not followed', async () => {
    const redirecting = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      tls: { cert: pki.cert, key: pki.key },
      fetch: () => new Response(null, { status: 302, headers: { location: 'https://169.254.169.254/' } }),
    });
    try {
      const target = new URL(`https://api.example.test:${redirecting.port}/`);
      const res = await fetchPinned(target, '127.0.0.1', request(), { ca: pki.ca });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('https://169.254.169.254/');
    } finally {
      redirecting.stop(true);
    }
  });
});
