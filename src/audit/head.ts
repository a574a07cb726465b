import type { Database } from 'bun:sqlite';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { GENESIS_HASH } from './chain.ts';
import { type AuditKey, checkMessage, signMessage } from './keys.ts';

/**
 * The signed head: the newest entry's sequence number and hash, signed with the audit key and
 * kept in the data dir beside it, outside the database. The hash chain alone cannot show that
 * entries were cut off its end (the shorter chain is still a valid chain); the head can: a trail
 * that ends before the head's entry, or whose entry at that position has another hash, was cut.
 */
export const HEAD_FILE = 'audit-head.json';

/** How often the head is brought up to date while entries are being written. */
export const HEAD_INTERVAL_MS = 1_000;

export interface SignedHead {
  seq: number;
  hash: string;
  at: number;
  signature: string;
}

const headSchema = z.strictObject({
  seq: z.number().int().nonnegative(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.number().int().nonnegative(),
  signature: z.string().max(200),
});

function headMessage(h: Pick<SignedHead, 'seq' | 'hash' | 'at'>): Buffer {
  return Buffer.from(`gatehouse-audit-head\n${h.seq}\n${h.hash}\n${h.at}`);
}

export type ReadHead =
  | { kind: 'ok'; head: SignedHead }
  | { kind: 'missing'; path: string }
  | { kind: 'unreadable'; path: string; why: string };

export function readHead(path: string): ReadHead {
  if (!existsSync(path)) return { kind: 'missing', path };
  try {
    const parsed = headSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) return { kind: 'unreadable', path, why: 'it is not a signed head' };
    return { kind: 'ok', head: parsed.data };
  } catch (e) {
    return { kind: 'unreadable', path, why: (e as Error).message };
  }
}

/** True when the head was signed by this key. */
export function headSignatureValid(key: AuditKey, head: SignedHead): boolean {
  return checkMessage(key, headMessage(head), head.signature) === 'valid';
}

/**
 * Keeps the signed head up to date: at start, then at most once per interval when entries were
 * added, and at shutdown. Before writing, the WAL is checkpointed (SQLite syncs the WAL first),
 * so the head never names an entry that a power loss could take back; the file is written to a
 * temporary name, synced and renamed, so a crash leaves the old head or the new one.
 */
export class AuditHeadWriter {
  private readonly latest;
  private written = -1;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly sqlite: Database,
    private readonly key: AuditKey,
    dataDir: string,
    private readonly now: () => number,
  ) {
    this.path = join(dataDir, HEAD_FILE);
    this.latest = sqlite.prepare<{ seq: number; hash: string }, []>(
      'SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1',
    );
  }

  readonly path: string;

  start(intervalMs = HEAD_INTERVAL_MS): void {
    this.flush();
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref?.();
  }

  /** Writes the head if entries were added since the last write. */
  flush(): void {
    const last = this.latest.get() ?? { seq: 0, hash: GENESIS_HASH };
    if (last.seq === this.written) return;
    this.sqlite.exec('PRAGMA wal_checkpoint(PASSIVE)');
    const unsigned = { seq: last.seq, hash: last.hash, at: this.now() };
    const head: SignedHead = { ...unsigned, signature: signMessage(this.key, headMessage(unsigned)) };
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, `${JSON.stringify(head)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    this.written = last.seq;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
