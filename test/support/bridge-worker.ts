/**
 * A stand-in for the bridge's PostgreSQL worker (src/db/pg/worker.ts) that answers the ways the
 * real one can be seen to from the main thread (src/db/pg/rendezvous.ts). Every answer it posts
 * is counted in `signal[ANSWERS]`, as the real worker counts them; the modes differ in order:
 * - `late`: counted before the answer can be received (what Bun does now and then);
 * - `stale`: the previous request's answer (one that gave up waiting) arrives first, then this one's;
 * - `overtaken`: this answer is counted but still in transit when the previous request's late
 *   answer is posted and counted after it (answers from a cursor's own connection are not in order);
 * - `silent`: no answer at all.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { ANSWERS } from '../../src/db/pg/rendezvous.ts';

const { signal: shared, port } = workerData as { signal: SharedArrayBuffer; port: MessagePort };
const signal = new Int32Array(shared);

function count() {
  Atomics.add(signal, ANSWERS, 1);
  Atomics.notify(signal, ANSWERS);
}

type Mode = 'late' | 'stale' | 'overtaken' | 'silent';

port.on('message', (req: { seq: number; mode: Mode }) => {
  const answer = { seq: req.seq, ok: true, rows: [[req.mode]], names: ['mode'], count: 1 };
  const previous = { ...answer, seq: req.seq - 1, rows: [['an earlier request’s rows']] };
  if (req.mode === 'late') {
    count();
    // The answer follows its count on a later turn of this worker's loop.
    setImmediate(() => port.postMessage(answer));
  } else if (req.mode === 'stale') {
    port.postMessage(previous);
    count();
    port.postMessage(answer);
    count();
  } else if (req.mode === 'overtaken') {
    count();
    port.postMessage(previous);
    count();
    setImmediate(() => port.postMessage(answer));
  }
});
