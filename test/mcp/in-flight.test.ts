import { describe, expect, test } from 'bun:test';
import { InFlightIds } from '../../src/mcp/in-flight.ts';

const k = InFlightIds.key;
const cancel = (requestId: string | number, reason?: unknown) => ({
  jsonrpc: '2.0',
  method: 'notifications/cancelled',
  params: { requestId, ...(reason === undefined ? {} : { reason }) },
});

/** The server answers `id`: handed to the transport, then delivered. */
function answer(ids: InFlightIds, id: string | number): boolean {
  const goes = ids.answering(k(id));
  if (goes) ids.delivered(k(id));
  return goes;
}

describe('in-flight ids', () => {
  test('in-flight ids — 1 and "1" are different ids; a repeat within one POST clashes', () => {
    const ids = new InFlightIds();
    ids.admit([1]);
    expect(ids.clash([k('1')])).toBeUndefined();
    expect(ids.clash([k(1)])).toBe(k(1));
    expect(ids.clash([k(2), k(2)])).toBe(k(2));
  });

  test('in-flight ids — an answered id is free once its whole POST is answered, not before', () => {
    const ids = new InFlightIds();
    ids.admit([1, 2]);
    expect(answer(ids, 1)).toBe(true);
    // The transport still holds 1's answer until 2 is answered: 1 is still busy.
    expect(ids.has(k(1))).toBe(true);
    expect(answer(ids, 2)).toBe(true);
    expect(ids.size).toBe(0);
  });

  test('in-flight ids — a left call gets one stand-in, stays busy until its own answer, which is dropped', () => {
    const ids = new InFlightIds();
    const post = ids.admit([1, 2]);
    answer(ids, 2);
    expect(ids.abandon(post)).toEqual([1]);
    ids.delivered(k(1));
    expect(ids.abandon(post)).toEqual([]);
    expect(ids.has(k(1))).toBe(true);
    expect(ids.has(k(2))).toBe(false);
    expect(ids.answering(k(1))).toBe(false);
    expect(ids.size).toBe(0);
  });

  test('in-flight ids — an accepted cancellation frees the id once its POST is answered (its stand-in)', () => {
    const ids = new InFlightIds();
    const post = ids.admit([8]);
    const other = ids.admit([]);
    ids.cancelled([cancel(8)], other);
    // Its POST still waits for an answer the server will never send: 8 stays busy.
    expect(ids.has(k(8))).toBe(true);
    expect(ids.abandon(post)).toEqual([8]);
    ids.delivered(k(8));
    expect(ids.size).toBe(0);
  });

  test('in-flight ids — a cancellation the SDK would reject, or for an answer on its way, frees nothing', () => {
    const ids = new InFlightIds();
    const post = ids.admit([5, 6]);
    const other = ids.admit([]);
    ids.cancelled(
      [cancel(5, 1), { method: 'notifications/cancelled', params: { requestId: { x: 1 } } }],
      other,
    );
    ids.answering(k(6));
    ids.cancelled([cancel(6)], other);
    ids.abandon(post);
    ids.delivered(k(5));
    ids.delivered(k(6));
    // 5 runs on (its cancellation was not valid): busy until the server answers it.
    expect(ids.has(k(5))).toBe(true);
    expect(ids.has(k(6))).toBe(false);
  });

  test('in-flight ids — a refused POST frees its ids; a later POST reusing none of them is untouched', () => {
    const ids = new InFlightIds();
    const kept = ids.admit([1]);
    const refused = ids.admit([2, 3]);
    ids.refused(refused);
    expect(ids.size).toBe(1);
    ids.refused(kept);
    expect(ids.size).toBe(0);
  });
});
