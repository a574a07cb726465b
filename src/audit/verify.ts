import type { Database } from 'bun:sqlite';
import { type ChainedFields, entryHash, GENESIS_HASH } from './chain.ts';
import { headSignatureValid, type ReadHead } from './head.ts';
import { type AuditKey, checkSignature } from './keys.ts';

export interface VerifyProblem {
  seq: number;
  id: string;
  at: number;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  lastSeq: number | null;
  firstBad?: VerifyProblem;
  /** What is wrong at the end of the trail (entries cut off), when no single entry is bad. */
  endProblem?: string;
  /** The entry the signed head vouches for, when it was checked. */
  headSeq?: number;
}

interface Row extends ChainedFields {
  seq: number;
  prevHash: string;
  hash: string;
  signature: string | null;
}

const SELECT = `SELECT seq, id, at, event, team_id AS teamId, user_id AS userId, actor_email AS actorEmail,
  client_id AS clientId, family_id AS familyId, session_id AS sessionId, tool, environment, outcome, reason,
  args, latency_ms AS latencyMs, details, prev_hash AS prevHash, hash, signature
  FROM audit_entries ORDER BY seq`;

/**
 * Walks the whole audit chain in order and reports the first entry that does not hold:
 * altered (its hash no longer matches its content), missing or reordered (its prev_hash does not
 * name the entry before it), or not signed by the audit key. Then, given the signed head (read
 * before the walk, so entries appended meanwhile only lengthen the chain), it checks that the
 * trail reaches the head's entry with the head's hash: entries cut off the end are caught too.
 */
export function verifyChain(sqlite: Database, key: AuditKey, head?: ReadHead): VerifyResult {
  const wanted = head?.kind === 'ok' ? head.head : undefined;
  let hashAtHead: string | undefined;
  let prev = GENESIS_HASH;
  let prevSeq: number | null = null;
  let checked = 0;
  for (const row of sqlite.query<Row, []>(SELECT).iterate()) {
    const fail = (problem: string): VerifyResult => ({
      ok: false,
      checked,
      lastSeq: prevSeq,
      firstBad: { seq: row.seq, id: row.id, at: row.at, problem },
    });
    if (row.prevHash !== prev) {
      const where = prevSeq === null ? 'the start of the log' : `entry #${prevSeq}`;
      return fail(
        `its prev_hash does not match ${where}: an entry before it is missing, or entries were reordered`,
      );
    }
    if (entryHash(row, row.prevHash) !== row.hash)
      return fail('its content does not match its hash: the entry was altered');
    const sig = checkSignature(key, row.hash, row.signature);
    if (sig !== 'valid') {
      const why = {
        missing: 'it has no signature',
        malformed: 'its signature is malformed',
        other_key: 'it was signed by another key',
        invalid: 'its signature is invalid: the hash was recomputed without the audit key',
      }[sig];
      return fail(why);
    }
    prev = row.hash;
    prevSeq = row.seq;
    if (wanted && row.seq === wanted.seq) hashAtHead = row.hash;
    checked++;
  }
  const endProblem = head ? checkEnd(key, head, checked, prevSeq, hashAtHead) : undefined;
  if (endProblem) return { ok: false, checked, lastSeq: prevSeq, endProblem };
  return { ok: true, checked, lastSeq: prevSeq, ...(wanted ? { headSeq: wanted.seq } : {}) };
}

function checkEnd(
  key: AuditKey,
  head: ReadHead,
  checked: number,
  lastSeq: number | null,
  hashAtHead: string | undefined,
): string | undefined {
  if (head.kind === 'missing') {
    return checked === 0
      ? undefined
      : `the signed head (${head.path}) is missing, so entries removed from the end could not be detected`;
  }
  if (head.kind === 'unreadable') return `the signed head (${head.path}) cannot be read: ${head.why}`;
  const h = head.head;
  if (!headSignatureValid(key, h)) return 'the signed head is not signed by the audit key';
  if (h.seq === 0) return undefined;
  const when = new Date(h.at).toISOString();
  if (lastSeq === null || lastSeq < h.seq) {
    const end = lastSeq === null ? 'the trail is empty' : `the trail ends at entry #${lastSeq}`;
    return `${end}, but the signed head (${when}) records entry #${h.seq}: entries were removed from the end`;
  }
  if (hashAtHead !== h.hash)
    return `entry #${h.seq} is not the entry the signed head (${when}) records: the end of the trail was replaced`;
  return undefined;
}

export function describeResult(r: VerifyResult): string {
  const n = `${r.checked} entr${r.checked === 1 ? 'y' : 'ies'}`;
  if (r.ok) {
    const head = r.headSeq === undefined ? '' : `, signed head at #${r.headSeq}`;
    return `Audit trail intact: ${n} verified (hash chain and Ed25519 signatures${head}).`;
  }
  if (!r.firstBad) return `Audit trail BROKEN: ${r.endProblem}. The ${n} present verify.`;
  const b = r.firstBad;
  return `Audit trail BROKEN at entry #${b.seq} (${b.id}, ${new Date(b.at).toISOString()}): ${b.problem}. ${r.checked} entr${r.checked === 1 ? 'y' : 'ies'} before it verified.`;
}
