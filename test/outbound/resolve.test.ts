import { expect, test } from 'bun:test';
import { AppError } from '../../src/errors/app-error.ts';
import { type Resolver, resolveAllowed } from '../../src/outbound/resolve.ts';

const answering =
  (addresses: string[]): Resolver =>
  async () =>
    addresses;

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('was accepted');
}

test('resolve — a name resolving to a private address is refused', async () => {
  const e = await refusal(resolveAllowed('corp.example.com', answering(['10.1.2.3'])));
  expect(e.code).toBe('forbidden');
  expect(e.message).toContain('corp.example.com');
  expect(e.message).toContain('10.1.2.3 is private network');
});

test('resolve — mixed public and private answers refuse the whole host (DNS rebinding)', async () => {
  const e = await refusal(
    resolveAllowed('rebind.example.com', answering(['93.184.216.34', '169.254.169.254'])),
  );
  expect(e.code).toBe('forbidden');
  expect(e.message).toContain('cloud metadata');
  const v6 = await refusal(
    resolveAllowed('rebind.example.com', answering(['2606:4700::1111', '::ffff:7f00:1'])),
  );
  expect(v6.message).toContain('IPv4-mapped');
});

test('resolve — public answers are returned deduplicated in resolver order', async () => {
  const addrs = await resolveAllowed(
    'ok.example.com',
    answering(['2606:4700::1111', '93.184.216.34', '93.184.216.34']),
  );
  expect(addrs).toEqual(['2606:4700::1111', '93.184.216.34']);
});

test('resolve — an answer that is not an IP literal is refused', async () => {
  const e = await refusal(resolveAllowed('odd.example.com', answering(['example.org'])));
  expect(e.code).toBe('forbidden');
});

test('resolve — a resolution failure or empty answer is upstream_failed', async () => {
  const failing: Resolver = async () => {
    throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
  };
  const e = await refusal(resolveAllowed('nx.example.com', failing));
  expect(e.code).toBe('upstream_failed');
  expect(e.message).toContain('ENOTFOUND');
  expect((await refusal(resolveAllowed('empty.example.com', answering([])))).code).toBe('upstream_failed');
});

test('resolve — IP literal hosts are checked without calling the resolver', async () => {
  let called = 0;
  const counting: Resolver = async () => {
    called++;
    return ['93.184.216.34'];
  };
  expect(await resolveAllowed('[2606:4700::1111]', counting)).toEqual(['2606:4700::1111']);
  expect((await refusal(resolveAllowed('127.0.0.1', counting))).code).toBe('forbidden');
  expect(called).toBe(0);
});
