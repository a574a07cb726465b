/**
 * How the bridge's main thread waits for the worker's answer to one request (docs/postgresql.md,
 * "The bridge"). The worker posts the answer on the port, then stores the request's sequence
 * number in `signal[ANSWERED]` and notifies.
 *
 * Two things the wait must not trust:
 * - Bun may wake the main thread before the posted message can be received on its side of the
 *   port (measured: about 1 in 200,000 answers on an idle machine, more under load). The wait
 *   keeps receiving, napping a tenth of a millisecond at a time, until the message is there.
 * - An answer can belong to an earlier request that gave up waiting (a timeout). Each answer
 *   carries its request's `seq`; one that is not this request's is dropped, so a late answer can
 *   never be read as the next request's rows.
 */
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';

/** `signal` slots: the sequence number of the last answer, the notification counter, and a nap slot. */
export const ANSWERED = 0;
export const NOTIFIED = 1;
const NAP = 2;
export const SIGNAL_SLOTS = 3;

/** How long one nap lasts while a notified answer is still on its way through the port. */
const NAP_MS = 0.1;

/** The next sequence number: positive, and it wraps before the Int32 slot would. */
export function nextSeq(seq: number): number {
  return seq >= 0x7fff_ffff ? 1 : seq + 1;
}

/** The answer to request `seq`, or undefined when none came within `timeoutMs`. */
export function awaitAnswer<T extends { seq: number }>(
  port: MessagePort,
  signal: Int32Array,
  seq: number,
  timeoutMs: number,
): T | undefined {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (m) {
      if ((m.message as T).seq === seq) return m.message as T;
      continue; // an earlier request's late answer: never this one's
    }
    const left = deadline - performance.now();
    if (left <= 0) return undefined;
    const last = Atomics.load(signal, ANSWERED);
    if (last === seq) Atomics.wait(signal, NAP, 0, Math.min(left, NAP_MS));
    else Atomics.wait(signal, ANSWERED, last, left);
  }
}
