/**
 * The Events API's documented rules in the embedded WorkOS (https://workos.com/docs/reference/events):
 * events are kept 30 days, and range_start is mutually exclusive with the after cursor.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { UnprocessableEntityException } from '@workos-inc/node';
import { startTestWorkOS, type TestWorkOS } from '../support/embedded-workos.ts';

setDefaultTimeout(30_000);

let t: TestWorkOS;
beforeAll(async () => {
  t = await startTestWorkOS('production');
});
afterAll(() => t.close());

test('fixture events — an event older than 30 days is no longer returned', async () => {
  // Oscorp Workday last provisioned 30 days ago: its event has just left the window.
  const dirs = await t.workos.directorySync.listDirectories({ limit: 100 });
  const oscorp = dirs.data.find((d) => d.name === 'Oscorp Workday')!;
  const recent = dirs.data.find((d) => d.name !== 'Oscorp Workday' && d.state === 'active')!;
  const events = await t.workos.events.listEvents({ events: ['dsync.user.updated'], limit: 100 });
  const about = (id: string) =>
    events.data.filter((e) => (e.data as { directoryId?: string }).directoryId === id);
  expect(about(recent.id)).toHaveLength(1);
  expect(about(oscorp.id)).toEqual([]);
});

test('fixture events — range_start with an after cursor is a 422 naming after; after with range_end pages on', async () => {
  const first = await t.workos.events.listEvents({ events: ['dsync.user.updated'], limit: 1, order: 'desc' });
  const after = first.listMetadata.after ?? '';
  expect(after).not.toBe('');
  const refused = await t.workos.events
    .listEvents({
      events: ['dsync.user.updated'],
      rangeStart: new Date(Date.now() - 86_400_000).toISOString(),
      after,
    })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(refused).toBeInstanceOf(UnprocessableEntityException);
  const res = await t.request(
    `/events?events=dsync.user.updated&after=${after}&range_start=${encodeURIComponent(new Date().toISOString())}`,
  );
  expect(res.status).toBe(422);
  expect(((await res.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe('after');
  const next = await t.workos.events.listEvents({
    events: ['dsync.user.updated'],
    rangeEnd: new Date(Date.now() + 60_000).toISOString(),
    order: 'desc',
    after,
  });
  expect(next.data.map((e) => e.id)).not.toContain(first.data[0]?.id);
});
