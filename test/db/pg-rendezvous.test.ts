/**
 * The bridge's wait for its worker's answer (src/db/pg/rendezvous.ts), against a stand-in worker
 * (test/support/bridge-worker.ts): no PostgreSQL needed, so it runs on both passes.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { MessageChannel, Worker } from 'node:worker_threads';
import { awaitAnswer, nextSeq, SIGNAL_SLOTS } from '../../src/db/pg/rendezvous.ts';

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

let seq = 0;
function ask(mode: 'late' | 'stale' | 'silent', timeoutMs = 70_000) {
  seq = nextSeq(seq);
  queries.port1.postMessage({ seq, mode });
  return awaitAnswer<{ seq: number; rows: unknown[][] }>(queries.port1, signal, seq, timeoutMs);
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

  test('rendezvous — no answer within the timeout is undefined; the next request is not handed it later', () => {
    expect(ask('silent', 20)).toBeUndefined();
    expect(ask('stale')?.rows).toEqual([['stale']]);
  });

  test('nextSeq — stays positive and wraps before the Int32 slot would', () => {
    expect(nextSeq(0)).toBe(1);
    expect(nextSeq(41)).toBe(42);
    expect(nextSeq(0x7fff_ffff)).toBe(1);
  });
});
