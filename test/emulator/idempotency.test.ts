/**
 * IdempotentPosts (src/emulator/idempotency.ts) on its own: what the fixture front does with an
 * Idempotency-Key when the first answer is one a retry should not get again.
 */
import { expect, test } from 'bun:test';
import { IdempotentPosts } from '../../src/emulator/idempotency.ts';

test('IdempotentPosts — a first answer that is a 503 is not given again: of the repeats racing it, one runs, the rest get its answer', async () => {
  const posts = new IdempotentPosts();
  let runs = 0;
  let release: () => void = () => {};
  const first = posts.answer('/organizations', 'k', '{}', async () => {
    runs++;
    await new Promise<void>((r) => (release = r));
    return new Response('busy', { status: 503 });
  });
  const run = async () => {
    runs++;
    return new Response('{"id":"org_1"}', { status: 201 });
  };
  const repeats = [
    posts.answer('/organizations', 'k', '{}', run),
    posts.answer('/organizations', 'k', '{}', run),
  ];
  release();
  expect((await first).status).toBe(503);
  const answers = await Promise.all(repeats);
  expect(answers.map((a) => a.status)).toEqual([201, 201]);
  expect(await Promise.all(answers.map((a) => a.text()))).toEqual(['{"id":"org_1"}', '{"id":"org_1"}']);
  expect(runs).toBe(2);
});

test('IdempotentPosts — a key past 24 hours is a new request; an overlong key is refused', async () => {
  let now = 0;
  const posts = new IdempotentPosts(() => now);
  let runs = 0;
  const run = async () => new Response(String(++runs), { status: 201 });
  expect(await (await posts.answer('/p', 'k', '{}', run)).text()).toBe('1');
  now += 23 * 60 * 60 * 1000;
  expect(await (await posts.answer('/p', 'k', '{}', run)).text()).toBe('1');
  now += 2 * 60 * 60 * 1000;
  expect(await (await posts.answer('/p', 'k', '{}', run)).text()).toBe('2');
  await expect(posts.answer('/p', 'k'.repeat(257), '{}', run)).rejects.toMatchObject({ status: 400 });
});
