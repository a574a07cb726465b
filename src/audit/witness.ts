import type { Database } from 'bun:sqlite';
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { parseHead, type ReadHead, type SignedHead } from './head.ts';

/**
 * The witness as it was when verification began: only the lines present then are checked, so
 * heads appended while the trail is walked cannot make a live trail look rolled back. Taken
 * before the signed head is read (the writer writes the head file first, then the witness).
 */
export type WitnessSnapshot =
  | { kind: 'ok'; path: string; size: number }
  | { kind: 'missing'; path: string }
  | { kind: 'unreadable'; path: string; why: string };

export function snapshotWitness(path: string): WitnessSnapshot {
  if (!existsSync(path)) return { kind: 'missing', path };
  try {
    const fd = openSync(path, 'r');
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) return { kind: 'unreadable', path, why: 'it is not a file' };
      return { kind: 'ok', path, size: stat.size };
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return { kind: 'unreadable', path, why: (e as Error).message };
  }
}

/** The lines of the first `size` bytes of a file, read in chunks (the witness only grows). */
function* lines(path: string, size: number): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    let offset = 0;
    let rest = '';
    while (offset < size) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - offset), offset);
      if (n <= 0) break;
      offset += n;
      const parts = (rest + buf.toString('utf8', 0, n)).split('\n');
      rest = parts.pop()!;
      yield* parts;
    }
    if (rest !== '') yield rest;
  } finally {
    closeSync(fd);
  }
}

export interface WitnessCheck {
  /** Why the trail or the head is not what the witness saw (a rollback, usually). */
  problem?: string;
  /** Heads the witness holds (all checked, when there is no problem). */
  heads: number;
}

const when = (ms: number) => new Date(ms).toISOString();

/**
 * A line a crash cut short while it was appended (not JSON at all: a prefix of a JSON object
 * never is). It vouches for nothing and is passed over; a whole line that is not a correctly
 * signed head is a problem.
 */
function torn(line: string): boolean {
  try {
    JSON.parse(line);
    return false;
  } catch {
    return true;
  }
}

/**
 * Checks the trail and the signed head against every head the witness saw: each is signed by
 * the audit key (or by a key the trail declared replaced, when its public half is given), their counters grow and the entries they name never go back; each entry a
 * head named is still in the trail with the same hash; and the signed head is not older than
 * the newest head of the witness. A database restored with its head from an older copy fails
 * the last two: the witness, on another volume, was not restored with them.
 */
export function checkWitness(
  sqlite: Database,
  /** Whether a head is signed by a key verify trusts for it (src/audit/verify.ts). */
  trusted: (h: SignedHead) => boolean,
  witness: WitnessSnapshot,
  head: ReadHead | undefined,
): WitnessCheck {
  const where = `the witness (${witness.path})`;
  if (witness.kind === 'unreadable') return { heads: 0, problem: `${where} cannot be read: ${witness.why}` };
  const lastSeq =
    sqlite.query<{ seq: number | null }, []>('SELECT max(seq) AS seq FROM audit_entries').get()?.seq ?? null;
  if (witness.kind === 'missing' || witness.size === 0) {
    return lastSeq === null
      ? { heads: 0 }
      : {
          heads: 0,
          problem: `${where} is ${witness.kind === 'missing' ? 'missing' : 'empty'}, so a rollback of the trail could not be detected`,
        };
  }
  const hashAt = sqlite.prepare<{ hash: string }, [number]>('SELECT hash FROM audit_entries WHERE seq = ?');
  let prev: (SignedHead & { counter: number }) | undefined;
  let heads = 0;
  let lineNo = 0;
  for (const line of lines(witness.path, witness.size)) {
    lineNo++;
    if (line.trim() === '' || torn(line)) continue;
    const h = parseHead(line);
    if (!h || h.counter === undefined)
      return { heads, problem: `line ${lineNo} of ${where} is not a signed head with a counter` };
    if (!trusted(h))
      return {
        heads,
        problem: `line ${lineNo} of ${where} is not signed by the audit key (a head signed before a declared key replacement is checked with that key's public half: --replaced-key)`,
      };
    const c = { ...h, counter: h.counter };
    if (prev && c.counter <= prev.counter)
      return {
        heads,
        problem: `${where} is out of order at line ${lineNo}: head #${c.counter} comes after head #${prev.counter}`,
      };
    if (prev && (c.seq < prev.seq || (c.seq === prev.seq && c.hash !== prev.hash)))
      return {
        heads,
        problem: `rollback: the witness's head #${c.counter} (${when(c.at)}) records entry #${c.seq}, but the earlier head #${prev.counter} (${when(prev.at)}) recorded entry #${prev.seq}${c.seq === prev.seq ? ' with another hash' : ''}: the trail was restored from an older copy and written again`,
      };
    if (c.seq > 0) {
      const found = hashAt.get(c.seq);
      if (!found) {
        const end = lastSeq === null ? 'the trail is empty' : `the trail ends at entry #${lastSeq}`;
        return {
          heads,
          problem: `rollback: the witness saw signed head #${c.counter} (${when(c.at)}) recording entry #${c.seq}, but ${end}: the database was restored from an older copy`,
        };
      }
      if (found.hash !== c.hash)
        return {
          heads,
          problem: `rollback: entry #${c.seq} is not the entry the witness saw in signed head #${c.counter} (${when(c.at)}): the database was restored from an older copy and written again`,
        };
    }
    prev = c;
    heads++;
  }
  if (!prev && lastSeq !== null)
    return {
      heads,
      problem: `${where} holds no signed head, so a rollback of the trail could not be detected`,
    };
  if (prev && head?.kind === 'ok') {
    const counter = head.head.counter ?? 0;
    if (counter < prev.counter)
      return {
        heads,
        problem: `rollback: the signed head is #${counter} (${when(head.head.at)}), older than head #${prev.counter} (${when(prev.at)}) the witness saw: the head was restored from an older copy`,
      };
  }
  return { heads };
}
