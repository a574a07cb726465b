/**
 * bulk_invite_users within WorkOS's rate limits (https://workos.com/docs/reference/rate-limits):
 * a 429's Retry-After is waited out while the waits stay within the call's budget; past it the run
 * stops, says how far it got and when to call again, and the rows left are "not_attempted".
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { AppError } from '../../src/errors/app-error.ts';
import { sendPaced } from '../../src/tools/users/paced.ts';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

const limited = (seconds: number) =>
  new AppError('rate_limited', 'WorkOS rate-limited the request.', { retryAfterSeconds: seconds });

describe('sendPaced — the waits it asks for (injected, never slept)', () => {
  test('a 429 is waited out for its Retry-After and the same item sent again', async () => {
    const sent: string[] = [];
    const refusals = new Map([['b', 2]]);
    const slept: number[] = [];
    const report = await sendPaced(
      ['a', 'b', 'c'],
      async (item) => {
        const left = refusals.get(item) ?? 0;
        if (left > 0) {
          refusals.set(item, left - 1);
          throw limited(7);
        }
        sent.push(item);
      },
      { signal: new AbortController().signal, sleep: async (ms) => void slept.push(ms) },
    );
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(slept).toEqual([7000, 7000]);
    expect(report).toEqual({ attempted: 3, waits: [7, 7] });
  });

  test('a wait past the budget stops the run where it is, naming the Retry-After', async () => {
    const slept: number[] = [];
    const report = await sendPaced(
      [1, 2, 3, 4],
      async (n) => {
        if (n >= 2) throw limited(n === 2 && slept.length === 0 ? 10 : 25);
      },
      { signal: new AbortController().signal, budgetMs: 30_000, sleep: async (ms) => void slept.push(ms) },
    );
    expect(slept).toEqual([10_000]);
    expect(report).toEqual({
      attempted: 1,
      waits: [10],
      stopped: { reason: 'rate_limited', retryAfterSeconds: 25 },
    });
  });

  test('other errors are not rate limits: they propagate; a cancelled call stops before the next item', async () => {
    const boom = sendPaced(
      [1],
      async () => {
        throw new AppError('upstream_failed', 'nope');
      },
      { signal: new AbortController().signal },
    );
    await expect(boom).rejects.toThrow('nope');
    const ac = new AbortController();
    const report = await sendPaced(
      [1, 2, 3],
      async (n) => {
        if (n === 2) ac.abort();
      },
      { signal: ac.signal },
    );
    expect(report).toEqual({ attempted: 2, waits: [], stopped: { reason: 'cancelled' } });
  });
});

describe('bulk_invite_users against an embedded WorkOS that allows 15 requests an hour', () => {
  let gh: TestGatehouse;
  let client: AnyClient;
  let acme: string;
  beforeAll(async () => {
    gh = await startTestGatehouse({ env: { GATEHOUSE_EMBEDDED_RATE_LIMITS: '15/3600s' } });
    client = await connectV1(gh.url, (await tokensFor(gh.url, 'member@demo.test')).access_token);
    const list = await call(client, 'list_workos_organizations', { limit: 100 });
    const orgs = (list.structured?.organizations ?? []) as { id: string; name: string }[];
    acme = orgs.find((o) => o.name === 'Acme Corp')!.id;
  });
  afterAll(async () => {
    await client?.close();
    await gh?.stop();
  });

  test('30 new people — invites until WorkOS refuses, then stops with progress, the rest not_attempted and when to call again', async () => {
    const csv = ['name,email', ...Array.from({ length: 30 }, (_, i) => `P${i},pace${i}@acme.test`)].join(
      '\n',
    );
    const r = await call(client, 'bulk_invite_users', { csv, organization_id: acme });
    expect(r.isError).toBe(false);
    const s = r.structured!;
    const counts = s.counts as Record<string, number>;
    const progress = s.progress as Record<string, unknown>;
    expect(counts.invited).toBeGreaterThan(0);
    expect(counts.not_attempted).toBeGreaterThan(0);
    expect(counts.invited! + counts.not_attempted!).toBe(30);
    expect(counts.failed).toBe(0);
    expect(progress).toMatchObject({ to_invite: 30, attempted: counts.invited, complete: false });
    expect(progress.retry_after_seconds as number).toBeGreaterThan(30);
    const rows = s.rows as { status: string; reason: string | null }[];
    expect(rows.at(-1)).toMatchObject({ status: 'not_attempted' });
    expect(rows.at(-1)!.reason).toContain("WorkOS's rate limit; call again with the same CSV in");
    expect(r.text).toContain(`Stopped after ${counts.invited} of 30 invitations: WorkOS's rate limit.`);
    expect(s.ignored_columns).toEqual(['name']);
  });
});
