import type { Database } from 'bun:sqlite';
import { sha256 } from '../crypto/random.ts';
import { type ChainedFields, entryHash, GENESIS_HASH } from './chain.ts';
import { headSignatureValid, type ReadHead } from './head.ts';
import { type AuditKey, checkSignature } from './keys.ts';
import { checkWitness, type WitnessSnapshot } from './witness.ts';

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
  /** The trail or the head is not what the witness saw (a rollback), when a witness was given. */
  witnessProblem?: string;
  /** Heads of the witness checked, when one was given. */
  witnessHeads?: number;
}

interface Row extends ChainedFields {
  seq: number;
  prevHash: string;
  hash: string;
  signature: string | null;
  argsRecord: string | null;
  detailsRecord: string | null;
}

const SELECT = `SELECT e.seq, e.id, e.at, e.event, e.team_id AS teamId, e.user_id AS userId,
  e.actor_email AS actorEmail, e.client_id AS clientId, e.family_id AS familyId, e.session_id AS sessionId,
  e.tool, e.environment, e.outcome, e.reason, e.args, e.latency_ms AS latencyMs, e.details,
  e.args_sha256 AS argsSha256, e.args_bytes AS argsBytes, e.details_sha256 AS detailsSha256,
  e.details_bytes AS detailsBytes, e.prev_hash AS prevHash, e.hash, e.signature,
  ra.content AS argsRecord, rd.content AS detailsRecord
  FROM audit_entries e
  LEFT JOIN audit_records ra ON e.args_sha256 IS NOT NULL AND ra.entry_id = e.id AND ra.field = 'args'
  LEFT JOIN audit_records rd ON e.details_sha256 IS NOT NULL AND rd.entry_id = e.id AND rd.field = 'details'
  ORDER BY e.seq`;

/**
 * What is wrong with an entry's out-of-line record of `field`, if anything: it must be there,
 * and its SHA-256 and byte length must be the ones the signed entry commits to.
 */
function recordProblem(
  field: 'args' | 'details',
  sha: string | null | undefined,
  bytes: number | null | undefined,
  content: string | null,
): string | undefined {
  if ((sha ?? null) === null && (bytes ?? null) === null) return undefined;
  if (content === null) return `its whole ${field} (kept out of line) is missing`;
  if (sha256(content) !== sha || Buffer.byteLength(content, 'utf8') !== bytes)
    return `its whole ${field} (kept out of line) does not match the SHA-256 and length in the signed entry: the record was altered`;
  return undefined;
}

/**
 * Walks the whole audit chain in order and reports the first entry that does not hold:
 * altered (its hash no longer matches its content, or its out-of-line record no longer matches
 * the hash the entry commits to), missing or reordered (its prev_hash does not name the entry
 * before it), or not signed by the audit key. Then, given the signed head (read before the walk,
 * so entries appended meanwhile only lengthen the chain), it checks that the trail reaches the
 * head's entry with the head's hash: entries cut off the end are caught too. Given the witness
 * (snapshotted before the head was read), it checks the trail and the head against every head
 * the witness saw: a database restored with its head from an older copy is reported as a rollback.
 */
export function verifyChain(
  sqlite: Database,
  key: AuditKey,
  head?: ReadHead,
  witness?: WitnessSnapshot,
): VerifyResult {
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
    const outOfLine =
      recordProblem('args', row.argsSha256, row.argsBytes, row.argsRecord) ??
      recordProblem('details', row.detailsSha256, row.detailsBytes, row.detailsRecord);
    if (outOfLine) return fail(outOfLine);
    prev = row.hash;
    prevSeq = row.seq;
    if (wanted && row.seq === wanted.seq) hashAtHead = row.hash;
    checked++;
  }
  const endProblem = head ? checkEnd(key, head, checked, prevSeq, hashAtHead) : undefined;
  if (endProblem) return { ok: false, checked, lastSeq: prevSeq, endProblem };
  const seen = witness ? checkWitness(sqlite, key, witness, head) : undefined;
  const witnessed = seen ? { witnessHeads: seen.heads } : {};
  if (seen?.problem)
    return { ok: false, checked, lastSeq: prevSeq, witnessProblem: seen.problem, ...witnessed };
  return { ok: true, checked, lastSeq: prevSeq, ...(wanted ? { headSeq: wanted.seq } : {}), ...witnessed };
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
    const witness =
      r.witnessHeads === undefined
        ? ''
        : `, ${r.witnessHeads} witnessed head${r.witnessHeads === 1 ? '' : 's'} agree`;
    return `Audit trail intact: ${n} verified (hash chain, out-of-line records and Ed25519 signatures${head}${witness}).`;
  }
  if (r.witnessProblem)
    return `Audit trail ROLLED BACK: ${r.witnessProblem}. The ${n} present verify on their own.`;
  if (!r.firstBad) return `Audit trail BROKEN: ${r.endProblem}. The ${n} present verify.`;
  const b = r.firstBad;
  return `Audit trail BROKEN at entry #${b.seq} (${b.id}, ${new Date(b.at).toISOString()}): ${b.problem}. ${r.checked} entr${r.checked === 1 ? 'y' : 'ies'} before it verified.`;
}
