import { sha256 } from '../crypto/random.ts';

/** The hash that precedes the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields covered by the hash chain, in their fixed canonical order. */
export interface ChainedFields {
  id: string;
  at: number;
  event: string;
  teamId: string | null;
  userId: string | null;
  actorEmail: string | null;
  clientId: string | null;
  familyId: string | null;
  sessionId: string | null;
  tool: string | null;
  environment: string | null;
  outcome: string;
  reason: string | null;
  args: string | null;
  latencyMs: number | null;
  details: string | null;
}

/**
 * Canonical encoding: a JSON array of the fields in a fixed order, then the previous hash. Any
 * change to a covered field, to the order of entries or to the set of entries changes some hash.
 */
export function canonical(f: ChainedFields, prevHash: string): string {
  return JSON.stringify([
    f.id,
    f.at,
    f.event,
    f.teamId,
    f.userId,
    f.actorEmail,
    f.clientId,
    f.familyId,
    f.sessionId,
    f.tool,
    f.environment,
    f.outcome,
    f.reason,
    f.args,
    f.latencyMs,
    f.details,
    prevHash,
  ]);
}

export function entryHash(f: ChainedFields, prevHash: string): string {
  return sha256(canonical(f, prevHash));
}
