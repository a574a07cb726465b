/**
 * Where the signed head is kept and how it is read (src/audit/head.ts writes it): the file in the
 * data dir on SQLite, the one row of `audit_heads` on PostgreSQL, and the witness file's lines.
 */
import type { Database } from 'bun:sqlite';
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { replaceFile } from '../crypto/secret-files.ts';
import { dialectOf } from '../db/dialect.ts';
import { type AuditKey, checkMessage } from './keys.ts';

export const HEAD_FILE = 'audit-head.json';

/** Where the head is kept on PostgreSQL, as reports name it. */
export const HEAD_TABLE = 'the audit_heads table';

/** How often the head is brought up to date while entries are being written. */
/**
 * The lock head writers take turns by (a SQLite file: its lock ends with the process that held
 * it). Its name starts with the server lock's, gatehouse.lock, so backups leave it out.
 */
export const HEAD_LOCK_FILE = 'gatehouse.lock-head';
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
export function headMessage(h: Pick<SignedHead, 'seq' | 'hash' | 'at' | 'counter'>): Buffer {
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

/** The head kept in the database (PostgreSQL): the one row of `audit_heads`. */
export function readHeadRow(sqlite: Database): ReadHead {
  let row: Record<string, unknown> | null;
  try {
    row = sqlite
      .query<Record<string, unknown>, []>(
        'SELECT seq, hash, at, counter, signature FROM audit_heads WHERE id = 1',
      )
      .get();
  } catch (e) {
    return { kind: 'unreadable', path: HEAD_TABLE, why: (e as Error).message };
  }
  if (!row) return { kind: 'missing', path: HEAD_TABLE };
  const parsed = headSchema.safeParse(row);
  return parsed.success
    ? { kind: 'ok', head: parsed.data }
    : { kind: 'unreadable', path: HEAD_TABLE, why: 'its row is not a signed head' };
}

/** The signed head where this engine keeps it: the data dir's file on SQLite, the table on PostgreSQL. */
export function readStoredHead(sqlite: Database, dataDir: string): ReadHead {
  return dialectOf(sqlite) === 'postgresql' ? readHeadRow(sqlite) : readHead(join(dataDir, HEAD_FILE));
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

/**
 * Replaces `path` with one JSON line (0600), synced before it takes the old one's place: a crash
 * leaves the old file or the new one whole, never half of either (the signed head, a checkpoint).
 */
export function replaceJsonFile(path: string, value: unknown): void {
  replaceFile(path, `${JSON.stringify(value)}\n`);
}

/** Appends one head to the witness as a line, synced before returning. */
export function appendWitness(path: string, head: SignedHead): void {
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
