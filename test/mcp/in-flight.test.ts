import { describe, expect, test } from 'bun:test';
import type { JSONRPCErrorResponse } from '@modelcontextprotocol/server';
import { InFlightIds } from '../../src/mcp/in-flight.ts';

const k = InFlightIds.key;
const request = (id: string | number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: {} });
const cancel = (requestId: unknown, reason?: unknown) => ({
  jsonrpc: '2.0',
  method: 'notifications/cancelled',
  params: { requestId, ...(reason === undefined ? {} : { reason }) },
});

/** Stand-ins sent, delivered at once (as the transport does without an event store). */
function standIns() {
  const sent: JSONRPCErrorResponse[] = [];
  const send = (answer: JSONRPCErrorResponse) => {
    sent.push(answer);
    return Promise.resolve();
  };
  return { sent, send };
}

/** The server answers `id`: handed to the transport, then delivered. */
function answer(ids: InFlightIds, id: string | number): boolean {
  const goes = ids.answering(k(id));
  if (goes) ids.delivered(k(id));
  return goes;
}

/** The transport dispatches the requests of `post`. */
function dispatch(ids: InFlightIds, send: (a: JSONRPCErrorResponse) => Promise<void>, ...msgs: unknown[]) {
  for (const m of msgs) ids.dispatched(m, send);
}

describe('in-flight ids', () => {
  test('in-flight ids — 1 and "1" are different ids; a repeat within one POST clashes', () => {
    const ids = new InFlightIds();
    ids.admit([1]);
    expect(ids.clash([k('1')])).toBeUndefined();
    expect(ids.clash([k(1)])).toBe(k(1));
    expect(ids.clash([k(2), k(2)])).toBe(k(2));
  });

  test('in-flight ids — only string and number ids are tracked (others make the transport refuse)', () => {
    expect(InFlightIds.trackable(1)).toBe(true);
    expect(InFlightIds.trackable('a')).toBe(true);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(InFlightIds.trackable(deep)).toBe(false);
    expect(InFlightIds.trackable(null)).toBe(false);
  });

  test('in-flight ids — an answered id is free once its whole POST is answered, not before', () => {
    const ids = new InFlightIds();
    ids.admit([1, 2]);
    expect(answer(ids, 1)).toBe(true);
    expect(ids.has(k(1))).toBe(true);
    expect(answer(ids, 2)).toBe(true);
    expect(ids.size).toBe(0);
  });

  test('in-flight ids — a left call gets one stand-in, stays busy until its own answer, which is dropped', async () => {
    const ids = new InFlightIds();
    const { sent, send } = standIns();
    const post = ids.admit([1, 2]);
    answer(ids, 2);
    ids.leave(post, send);
    ids.leave(post, send);
    await Promise.resolve();
    expect(sent.map((s) => s.id)).toEqual([1]);
    expect(ids.has(k(1))).toBe(true);
    expect(ids.answering(k(1))).toBe(false);
    expect(ids.size).toBe(0);
  });

  test('in-flight ids — a cancellation after its request stops it: a stand-in, and the id is free', async () => {
    const ids = new InFlightIds();
    const { sent, send } = standIns();
    ids.admit([8]);
    dispatch(ids, send, request(8), cancel(8));
    await Promise.resolve();
    await Promise.resolve();
    expect(sent).toEqual([
      { jsonrpc: '2.0', id: 8, error: { code: -32000, message: 'The client cancelled the request.' } },
    ]);
    expect(ids.size).toBe(0);
  });

  test('in-flight ids — a cancellation the SDK would not act on frees nothing', async () => {
    const ids = new InFlightIds();
    const { sent, send } = standIns();
    ids.admit([5, 6]);
    // With a reason that is no string; one that is a request (it has an id); for a request
    // whose answer is on its way; of an id of another type.
    dispatch(ids, send, request(5), cancel(5, 1), { ...cancel(5), id: 100 }, request(6));
    ids.answering(k(6));
    dispatch(ids, send, cancel(6), cancel('5'));
    await Promise.resolve();
    expect(sent).toEqual([]);
    expect(ids.has(k(5))).toBe(true);
  });

  test('in-flight ids — a cancellation before its request in one POST stops it (the SDK reads it a microtask later)', async () => {
    const ids = new InFlightIds();
    const { sent, send } = standIns();
    ids.admit([7]);
    dispatch(ids, send, cancel(7), request(7));
    await Promise.resolve();
    await Promise.resolve();
    expect(sent.map((s) => s.id)).toEqual([7]);
    expect(ids.size).toBe(0);
  });

  test('in-flight ids — a call whose client left, then cancelled, is free once its stand-in went', async () => {
    const ids = new InFlightIds();
    const { sent, send } = standIns();
    const post = ids.admit([9]);
    dispatch(ids, send, request(9));
    ids.leave(post, send);
    await Promise.resolve();
    expect(ids.has(k(9))).toBe(true);
    dispatch(ids, send, cancel(9));
    await Promise.resolve();
    await Promise.resolve();
    expect(sent.map((s) => s.id)).toEqual([9]);
    expect(ids.size).toBe(0);
  });

  test('in-flight ids — a refused POST frees its ids; a POST reusing none of them is untouched', async () => {
    const ids = new InFlightIds();
    const kept = ids.admit([1]);
    const refused = ids.admit([2, 3]);
    ids.settleWith(Promise.resolve(new Response(null, { status: 406 })), refused);
    ids.settleWith(Promise.resolve(new Response(null, { status: 200 })), kept);
    await Promise.resolve();
    await Promise.resolve();
    expect(ids.size).toBe(1);
    expect(ids.has(k(1))).toBe(true);
  });
});
