/**
 * The audit trail's entries read back as written, and a stretch of them checked link by link
 * (docs/architecture.md "Storage and audit"): what `audit verify` walks, and what the service and
 * the head writer check before they chain an entry or sign a head onto an end they did not write.
 */
import type { Database } from 'bun:sqlite';
import { sha256 } from '../crypto/random.ts';
import { type ChainedFields, entryHash } from './chain.ts';

/** The entry's fields, by the names the chain hashes them under, and its out-of-line records. */
export interface Row extends ChainedFields {
  seq: number;
  prevHash: string;
  hash: string;
  signature: string | null;
  argsRecord: string | null;
  detailsRecord: string | null;
}

export const SELECT = `SELECT e.seq, e.id, e.at, e.event, e.team_id AS teamId, e.user_id AS userId,
  e.actor_email AS actorEmail, e.client_id AS clientId, e.family_id AS familyId, e.session_id AS sessionId,
  e.tool, e.environment, e.outcome, e.reason, e.args, e.latency_ms AS latencyMs, e.details,
  e.args_sha256 AS argsSha256, e.args_bytes AS argsBytes, e.details_sha256 AS detailsSha256,
  e.details_bytes AS detailsBytes, e.prev_hash AS prevHash, e.hash, e.signature,
  ra.content AS argsRecord, rd.content AS detailsRecord
  FROM audit_entries e
  LEFT JOIN audit_records ra ON e.args_sha256 IS NOT NULL AND ra.entry_id = e.id AND ra.field = 'args'
  LEFT JOIN audit_records rd ON e.details_sha256 IS NOT NULL AND rd.entry_id = e.id AND rd.field = 'details'
  WHERE e.seq > ? AND e.seq <= ?
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
 * What is wrong with one entry read back, if anything: 'link' when it does not link to `prevHash`
 * (the entry before it), 'hash' when its content does not hash to its stored hash, else what is
 * wrong with its out-of-line records. verify and segmentProblem word each for their reader.
 */
export function rowProblem(row: Row, prevHash: string): 'link' | 'hash' | string | undefined {
  if (row.prevHash !== prevHash) return 'link';
  if (entryHash(row, row.prevHash) !== row.hash) return 'hash';
  return (
    recordProblem('args', row.argsSha256, row.argsBytes, row.argsRecord) ??
    recordProblem('details', row.detailsSha256, row.detailsBytes, row.detailsRecord)
  );
}

/** A point in the trail: an entry's seq and hash. */
export interface TrailPoint {
  seq: number;
  hash: string;
}

/**
 * Why the entries after `from` up to `to` do not chain from one to the other, if they do not:
 * each must link to the one before, hash to its stored hash (its out-of-line records too), and the
 * last must be `to`. The seq is outside an entry's hash, so a signed entry copied to the end
 * carries a valid signature but links to its old place: only this walk shows it. Costs 3–5 µs
 * an entry (bench/README.md); callers walk what another process appended since they last looked.
 */
export function segmentProblem(sqlite: Database, from: TrailPoint, to: TrailPoint): string | undefined {
  let prev = from.hash;
  let last: number | undefined;
  for (const row of sqlite.query<Row, [number, number]>(SELECT).iterate(from.seq, to.seq)) {
    const bad = rowProblem(row, prev);
    if (bad === 'link') return `entry #${row.seq} does not link to the entry before it`;
    if (bad === 'hash') return `entry #${row.seq} does not match its hash`;
    if (bad) return `entry #${row.seq}: ${bad}`;
    prev = row.hash;
    last = row.seq;
  }
  if (last !== to.seq || prev !== to.hash)
    return `the trail does not reach entry #${to.seq} from entry #${from.seq}`;
  return undefined;
}
