/** Messages between the synchronous bridge (bridge.ts) and its worker (worker.ts). */

/** The channel every replica LISTENs on (docs/postgresql.md, "Changes reach every replica"). */
export const NOTIFY_CHANNEL = 'gatehouse';

export type BridgeOp =
  | { op: 'query'; sql: string; params: unknown[] }
  | { op: 'exec'; sql: string }
  | { op: 'open'; sql: string; params: unknown[] }
  | { op: 'fetch'; cursor: number; batch: number }
  | { op: 'close'; cursor: number }
  | { op: 'end' };

/** A request carries its sequence number, and so does its answer (rendezvous.ts). */
export type BridgeRequest = BridgeOp & { seq: number };

export type BridgeResult =
  | { ok: true; rows: unknown[][]; names: string[]; count: number }
  | { ok: false; message: string; code: string; detail?: string | undefined };

export type BridgeAnswer = BridgeResult & { seq: number };
