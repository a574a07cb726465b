/**
 * How the bridge's main thread waits for the worker's answer to one request (docs/postgresql.md,
 * "The bridge"). The worker posts each answer on the port, tagged with its request's sequence
 * number, then counts it in `signal[ANSWERS]` and notifies.
 *
 * Three things the wait must not trust:
 * - Bun may wake the main thread before the posted message can be received on its side of the
 *   port (measured: about 1 in 200,000 answers on an idle machine, more under load). While the
 *   worker has counted more answers than this side has received, one is in transit: the wait
 *   naps a tenth of a millisecond at a time until it is there.
 * - An answer can belong to an earlier request that gave up waiting (a timeout). One that is not
 *   this request's is dropped (but counted as received), so it is never read as this one's rows.
 * - Answers are not signalled in request order: the worker serves a cursor's fetch on its own
 *   connection, so an earlier request's late answer can be signalled after this one's. Hence a
 *   count of answers rather than "the last sequence number answered", which such an answer
 *   would overwrite, leaving the wait asleep until its timeout.
 */
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';

/** `signal` slots: answers posted (wrapping Int32), the notification counter, and a nap slot. */
export const ANSWERS = 0;
export const NOTIFIED = 1;
const NAP = 2;
export const SIGNAL_SLOTS = 3;

/** How long one nap lasts while a counted answer is still on its way through the port. */
const NAP_MS = 0.1;

/** The next sequence number: positive, and it wraps before the Int32 slot would. */
export function nextSeq(seq: number): number {
  return seq >= 0x7fff_ffff ? 1 : seq + 1;
}

/** The waiting side of one bridge: numbers its requests and receives their answers. */
export class Rendezvous {
  private seq = 0;
  /** Answers received from the port, stale ones included (wraps like the worker's count). */
  private received = 0;

  constructor(
    private readonly port: MessagePort,
    private readonly signal: Int32Array,
  ) {}

  /** The sequence number of the next request. */
  next(): number {
    this.seq = nextSeq(this.seq);
    return this.seq;
  }

  /** The answer to request `seq`, or undefined when none came within `timeoutMs`. */
  answer<T extends { seq: number }>(seq: number, timeoutMs: number): T | undefined {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (m) {
        this.received = (this.received + 1) | 0;
        if ((m.message as T).seq === seq) return m.message as T;
        continue; // an earlier request's late answer: never this one's
      }
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      const posted = Atomics.load(this.signal, ANSWERS);
      if (((posted - this.received) | 0) > 0) Atomics.wait(this.signal, NAP, 0, Math.min(left, NAP_MS));
      else Atomics.wait(this.signal, ANSWERS, posted, left);
    }
  }
}
