import type { Database } from 'bun:sqlite';
import { type ChainedFields, entryHash, GENESIS_HASH } from './chain.ts';
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
 * name the entry before it), or not signed by the audit key.
 */
export function verifyChain(sqlite: Database, key: AuditKey): VerifyResult {
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
    checked++;
  }
  return { ok: true, checked, lastSeq: prevSeq };
}

export function describeResult(r: VerifyResult): string {
  if (r.ok)
    return `Audit trail intact: ${r.checked} entr${r.checked === 1 ? 'y' : 'ies'} verified (hash chain and Ed25519 signatures).`;
  const b = r.firstBad!;
  return `Audit trail BROKEN at entry #${b.seq} (${b.id}, ${new Date(b.at).toISOString()}): ${b.problem}. ${r.checked} entr${r.checked === 1 ? 'y' : 'ies'} before it verified.`;
}
