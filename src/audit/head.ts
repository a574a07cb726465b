import type { Database } from 'bun:sqlite';
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { dialectOf } from '../db/dialect.ts';
import { GENESIS_HASH } from './chain.ts';
import { type AuditKey, checkMessage, signMessage } from './keys.ts';

/**
 * The signed head: the newest entry's sequence number and hash, signed with the audit key and
 * kept in the data dir beside it, outside the database. The hash chain alone cannot show that
 * entries were cut off its end (the shorter chain is still a valid chain); the head can: a trail
 * that ends before the head's entry, or whose entry at that position has another hash, was cut.
 *
 * Each head also carries a counter that only grows, one per head written. The head alone cannot
 * show that the database and the head were both replaced by an older copy of the two; a witness
 * can: with GATEHOUSE_AUDIT_WITNESS set, every head is also appended to that file (on another
 * volume), and `audit verify` checks the trail and the head against every head it ever saw.
 */
export const HEAD_FILE = 'audit-head.json';

/** How often the head is brought up to date while entries are being written. */
export const HEAD_INTERVAL_MS = 1_000;

export interface SignedHead {
  seq: number;
  hash: string;
  at: number;
  /** How many heads were written before this one, plus one (absent in heads of older versions). */
  counter?: number;
  signature: string;
}

const headSchema = z.strictObject({
  seq: z.number().int().nonnegative(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.number().int().nonnegative(),
  counter: z.number().int().positive().optional(),
  signature: z.string().max(200),
});

/** The signed bytes: the counter is covered, so it cannot be lowered or removed without the key. */
function headMessage(h: Pick<SignedHead, 'seq' | 'hash' | 'at' | 'counter'>): Buffer {
  if (h.counter === undefined) return Buffer.from(`gatehouse-audit-head\n${h.seq}\n${h.hash}\n${h.at}`);
  return Buffer.from(`gatehouse-audit-head-v2\n${h.counter}\n${h.seq}\n${h.hash}\n${h.at}`);
}

export type ReadHead =
  | { kind: 'ok'; head: SignedHead }
  | { kind: 'missing'; path: string }
  | { kind: 'unreadable'; path: string; why: string };

/** Parses one head (the head file, or one line of the witness). */
export function parseHead(text: string): SignedHead | undefined {
  try {
    const parsed = headSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function readHead(path: string): ReadHead {
  if (!existsSync(path)) return { kind: 'missing', path };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { kind: 'unreadable', path, why: (e as Error).message };
  }
  const head = parseHead(text);
  return head ? { kind: 'ok', head } : { kind: 'unreadable', path, why: 'it is not a signed head' };
}

/** True when the head was signed by this key. */
export function headSignatureValid(key: AuditKey, head: SignedHead): boolean {
  return checkMessage(key, headMessage(head), head.signature) === 'valid';
}

/** The last head appended to a witness file (its last line), without reading the whole file. */
export function lastWitnessHead(path: string): SignedHead | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 8192);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    // The newest complete head: a line torn by a crash mid-append is passed over.
    for (let k = lines.length - 1; k >= 0; k--) {
      const head = lines[k]!.trim() === '' ? undefined : parseHead(lines[k]!);
      if (head) return head;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Appends one head to the witness as a line, synced before returning. */
function appendWitness(path: string, head: SignedHead): void {
  const fd = openSync(path, 'a+', 0o600);
  try {
    // A line torn by a crash mid-append stays a line of its own; the new head starts afresh.
    const size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    const torn = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
    writeSync(fd, `${torn ? '\n' : ''}${JSON.stringify(head)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface HeadWriterOptions {
  /** GATEHOUSE_AUDIT_WITNESS: every head written is also appended to this file. */
  witness?: string | undefined;
  /**
   * Upkeep of the trail run at every flush, off the request path, before the checkpoint: the
   * console's page index catching up (AuditService.settlePages).
   */
  upkeep?: () => void;
  log?: { error(msg: string, fields?: Record<string, unknown>): void };
}

/**
 * Keeps the signed head up to date: at start, then at most once per interval when entries were
 * added, and at shutdown. Before writing, the WAL is checkpointed (SQLite syncs the WAL first),
 * so the head never names an entry that a power loss could take back; the file is written to a
 * temporary name, synced and renamed, so a crash leaves the old head or the new one. Then the
 * head is appended to the witness, when there is one (a failed append is retried at the next
 * flush; the head file is never behind the witness).
 */
export class AuditHeadWriter {
  private readonly latest;
  private written = -1;
  private counter: number;
  private unwitnessed: SignedHead | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  readonly path: string;
  private readonly sqliteFile: boolean;
  readonly witnessPath: string | undefined;

  constructor(
    private readonly sqlite: Database,
    private readonly key: AuditKey,
    dataDir: string,
    private readonly now: () => number,
    private readonly options: HeadWriterOptions = {},
  ) {
    this.path = join(dataDir, HEAD_FILE);
    // A PostgreSQL server checkpoints on its own (docs/postgresql.md).
    this.sqliteFile = dialectOf(sqlite) === 'sqlite';
    this.witnessPath = options.witness;
    this.latest = sqlite.prepare<{ seq: number; hash: string }, []>(
      'SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1',
    );
    // The counter continues from the newest head known, the witness's included: a head file
    // restored from an older copy does not take the counter back.
    const current = readHead(this.path);
    const fromFile = current.kind === 'ok' ? (current.head.counter ?? 0) : 0;
    const witnessed = options.witness ? lastWitnessHead(options.witness) : undefined;
    this.counter = Math.max(fromFile, witnessed?.counter ?? 0);
    if (witnessed && witnessed.seq > 0) {
      const at = sqlite
        .query<{ hash: string }, [number]>('SELECT hash FROM audit_entries WHERE seq = ?')
        .get(witnessed.seq);
      if (at?.hash !== witnessed.hash)
        options.log?.error(
          'audit rollback: the witness saw an entry this database does not have; `gatehouse audit verify` will report it',
          { witness: options.witness, seq: witnessed.seq, counter: witnessed.counter },
        );
    }
  }

  /** The counter of the last head written (0 before the first). */
  get headCounter(): number {
    return this.counter;
  }

  /**
   * Also takes over checkpointing the WAL: SQLite's automatic checkpoint (every 1,000 pages, at
   * the end of whichever write transaction crosses it) syncs the database file on the request
   * path; the head's own checkpoint, once per interval off the request path, replaces it.
   */
  start(intervalMs = HEAD_INTERVAL_MS): void {
    if (this.sqliteFile) this.sqlite.exec('PRAGMA wal_autocheckpoint = 0');
    this.flush();
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref?.();
  }

  /** Writes the head if entries were added since the last write. */
  flush(): void {
    // Upkeep that fails (the database busy past its timeout) is retried at the next flush; it
    // never keeps the signed head from being written.
    try {
      this.options.upkeep?.();
    } catch (e) {
      this.options.log?.error('audit upkeep failed; retrying at the next head', {
        error: (e as Error).message,
      });
    }
    const last = this.latest.get() ?? { seq: 0, hash: GENESIS_HASH };
    // Every interval, audit entries or not: the automatic checkpoint is off while this runs.
    if (this.sqliteFile) this.sqlite.exec('PRAGMA wal_checkpoint(PASSIVE)');
    if (last.seq !== this.written) {
      const unsigned = { seq: last.seq, hash: last.hash, at: this.now(), counter: this.counter + 1 };
      const head: SignedHead = { ...unsigned, signature: signMessage(this.key, headMessage(unsigned)) };
      const tmp = `${this.path}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, `${JSON.stringify(head)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
      this.counter = unsigned.counter;
      this.written = last.seq;
      if (this.witnessPath) this.unwitnessed = head;
    }
    this.witness();
  }

  /** Appends the newest head to the witness; on failure it stays pending and is retried. */
  private witness(): void {
    if (!this.witnessPath || !this.unwitnessed) return;
    try {
      appendWitness(this.witnessPath, this.unwitnessed);
      this.unwitnessed = undefined;
    } catch (e) {
      this.options.log?.error('audit witness could not be written; retrying at the next head', {
        witness: this.witnessPath,
        error: (e as Error).message,
      });
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      this.flush();
    } catch (e) {
      // A head that cannot be written at shutdown (the data directory removed under a stopping
      // server) is reported, not thrown: the chain itself is committed, and the next start
      // writes the head again.
      this.options.log?.error('audit head could not be written at shutdown', {
        error: (e as Error).message,
      });
    }
    if (this.sqliteFile) this.sqlite.exec('PRAGMA wal_autocheckpoint = 1000');
  }
}
