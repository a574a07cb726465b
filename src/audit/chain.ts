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
  /** SHA-256 and UTF-8 byte length of the whole args when `args` holds only a preview. */
  argsSha256?: string | null;
  argsBytes?: number | null;
  /** The same for `details`. */
  detailsSha256?: string | null;
  detailsBytes?: number | null;
}

/** Whether an entry keeps part of its content out of line (its encoding then covers the hashes). */
export function hasOutOfLine(f: ChainedFields): boolean {
  return (
    (f.argsSha256 ?? null) !== null ||
    (f.argsBytes ?? null) !== null ||
    (f.detailsSha256 ?? null) !== null ||
    (f.detailsBytes ?? null) !== null
  );
}

/**
 * Canonical encoding: a JSON array of the fields in a fixed order, then the previous hash. Any
 * change to a covered field, to the order of entries or to the set of entries changes some hash.
 * An entry with out-of-line content also covers the SHA-256 and byte length of each whole value
 * (four more elements before the previous hash); an entry without any keeps the original
 * 17-element form, so entries written before out-of-line records existed verify as they did.
 */
export function canonical(f: ChainedFields, prevHash: string): string {
  const outOfLine = hasOutOfLine(f)
    ? [f.argsSha256 ?? null, f.argsBytes ?? null, f.detailsSha256 ?? null, f.detailsBytes ?? null]
    : [];
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
    ...outOfLine,
    prevHash,
  ]);
}

/** SHA-256 of the canonical encoding, hex (Bun's native hasher: half the cost of node:crypto's). */
export function entryHash(f: ChainedFields, prevHash: string): string {
  return Bun.CryptoHasher.hash('sha256', canonical(f, prevHash), 'hex');
}
