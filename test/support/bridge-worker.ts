/**
 * A stand-in for the bridge's PostgreSQL worker (src/db/pg/worker.ts) that answers the ways the
 * real one can be seen to from the main thread (src/db/pg/rendezvous.ts):
 * - `late`: the wake-up comes before the posted answer can be received (what Bun does now and then);
 * - `stale`: an earlier request's answer arrives first, then this one's;
 * - `silent`: no answer at all.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { ANSWERED } from '../../src/db/pg/rendezvous.ts';

const { signal: shared, port } = workerData as { signal: SharedArrayBuffer; port: MessagePort };
const signal = new Int32Array(shared);

function wake(seq: number) {
  Atomics.store(signal, ANSWERED, seq);
  Atomics.notify(signal, ANSWERED);
}

port.on('message', (req: { seq: number; mode: 'late' | 'stale' | 'silent' }) => {
  const answer = { seq: req.seq, ok: true, rows: [[req.mode]], names: ['mode'], count: 1 };
  if (req.mode === 'late') {
    wake(req.seq);
    // The answer follows the wake-up on a later turn of this worker's loop.
    setImmediate(() => port.postMessage(answer));
  } else if (req.mode === 'stale') {
    port.postMessage({ ...answer, seq: req.seq - 1, rows: [['an earlier request’s rows']] });
    port.postMessage(answer);
    wake(req.seq);
  }
});
