/**
 * The bridge's wait for its worker's answer (src/db/pg/rendezvous.ts), against a stand-in worker
 * (test/support/bridge-worker.ts): no PostgreSQL needed, so it runs on both passes.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { MessageChannel, Worker } from 'node:worker_threads';
import { nextSeq, Rendezvous, SIGNAL_SLOTS } from '../../src/db/pg/rendezvous.ts';

const shared = new SharedArrayBuffer(SIGNAL_SLOTS * Int32Array.BYTES_PER_ELEMENT);
const signal = new Int32Array(shared);
const queries = new MessageChannel();
const worker = new Worker(new URL('../support/bridge-worker.ts', import.meta.url), {
  workerData: { signal: shared, port: queries.port2 },
  transferList: [queries.port2],
});
afterAll(async () => {
  queries.port1.close();
  await worker.terminate();
});

const rendezvous = new Rendezvous(queries.port1, signal);
let seq = 0;
/** One request to the stand-in; a wait that misses its answer runs into the test's own timeout. */
function ask(mode: 'late' | 'stale' | 'overtaken' | 'silent', timeoutMs = 70_000) {
  seq = rendezvous.next();
  queries.port1.postMessage({ seq, mode });
  return rendezvous.answer<{ seq: number; rows: unknown[][] }>(seq, timeoutMs);
}

describe('bridge rendezvous', () => {
  test('rendezvous — an answer still in transit after the wake-up is waited for, not reported missing', () => {
    for (let i = 0; i < 20; i++) {
      const a = ask('late');
      expect(a?.seq).toBe(seq);
      expect(a?.rows).toEqual([['late']]);
    }
  });

  test('rendezvous — an earlier request’s late answer is dropped, never read as this one’s rows', () => {
    const a = ask('stale');
    expect(a?.seq).toBe(seq);
    expect(a?.rows).toEqual([['stale']]);
    // And the request after it gets its own answer too.
    expect(ask('late')?.rows).toEqual([['late']]);
  });

  test('rendezvous — an answer counted before an earlier request’s late one is still waited for, not slept past', () => {
    expect(ask('overtaken')?.rows).toEqual([['overtaken']]);
    expect(ask('late')?.rows).toEqual([['late']]);
  });

  test('rendezvous — no answer within the timeout is undefined; its late answer is not handed to the next request', () => {
    expect(ask('silent', 20)).toBeUndefined();
    // The next request's stand-in first posts the answer to the request that gave up (seq - 1).
    expect(ask('stale')?.rows).toEqual([['stale']]);
    expect(ask('overtaken')?.rows).toEqual([['overtaken']]);
  });

  test('nextSeq — stays positive and wraps before the Int32 slot would', () => {
    expect(nextSeq(0)).toBe(1);
    expect(nextSeq(41)).toBe(42);
    expect(nextSeq(0x7fff_ffff)).toBe(1);
  });
});
