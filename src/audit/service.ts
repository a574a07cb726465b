import type { AuditOutcome, Environment } from '../../db/schema/enums.ts';
import { newId, sha256 } from '../crypto/random.ts';
import type { Db, schema, Tx } from '../db/client.ts';
import type { Clock } from '../kernel/clock.ts';
import { filterValue } from '../secrets/filter.ts';
import { type ChainedFields, entryHash, GENESIS_HASH } from './chain.ts';
import type { AuditEvent } from './events.ts';

export interface AuditInput {
  event: AuditEvent;
  outcome: AuditOutcome;
  teamId?: string | null;
  userId?: string | null;
  actorEmail?: string | null;
  clientId?: string | null;
  familyId?: string | null;
  sessionId?: string | null;
  tool?: string | null;
  environment?: Environment | null;
  reason?: string | null;
  /** Stored whole, with secrets stripped (out of line when large: see `audit_records`). */
  args?: unknown;
  latencyMs?: number | null;
  details?: unknown;
}

export type AuditEntry = typeof schema.auditEntries.$inferSelect;

/** Optional signer for each entry's hash (Ed25519 in the console issue). */
export type HashSigner = (hash: string) => string;

/** Larger `args` / `details` values are kept whole out of line, with a preview in the entry. */
export const INLINE_MAX_CHARS = 16_384;
/** Characters of an out-of-line value kept in the entry itself (shown in lists). */
export const PREVIEW_CHARS = 2_048;

interface Encoded {
  /** What the entry's column holds: the whole JSON, or a preview of it. */
  text: string | null;
  /** The whole JSON when it is kept out of line, with its SHA-256 and UTF-8 byte length. */
  record?: { content: string; sha256: string; bytes: number };
}

/** The first `n` characters, never ending inside a surrogate pair. */
function prefix(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/**
 * The JSON of a value with secrets stripped, whole: nothing is cut. A large value goes out of
 * line; the entry keeps its first characters and the chain covers its hash and length.
 */
function encode(v: unknown): Encoded {
  if (v === undefined || v === null) return { text: null };
  const s = JSON.stringify(filterValue(v, { pii: false })) as string | undefined;
  if (s === undefined) return { text: null };
  if (s.length <= INLINE_MAX_CHARS) return { text: s };
  return {
    text: prefix(s, PREVIEW_CHARS),
    record: { content: s, sha256: sha256(s), bytes: Buffer.byteLength(s, 'utf8') },
  };
}

/**
 * The append-only audit trail (docs/architecture.md "Storage and audit"): each entry chains to the previous one by SHA-256.
 * `appendTx` writes inside the caller's transaction, so the entry commits with the state change
 * it records, or not at all.
 */
export class AuditService {
  private readonly lastHash;
  private readonly insert;
  private readonly insertRecord;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private signer?: HashSigner,
  ) {
    this.lastHash = db.$client.prepare<{ hash: string }, []>(
      'SELECT hash FROM audit_entries ORDER BY seq DESC LIMIT 1',
    );
    this.insert = db.$client.prepare(
      `INSERT INTO audit_entries (id, at, event, team_id, user_id, actor_email, client_id, family_id, session_id, tool,
        environment, outcome, reason, args, latency_ms, details, args_sha256, args_bytes, details_sha256,
        details_bytes, prev_hash, hash, signature)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertRecord = db.$client.prepare(
      'INSERT INTO audit_records (entry_id, field, content) VALUES (?, ?, ?)',
    );
  }

  setSigner(signer: HashSigner | undefined): void {
    this.signer = signer;
  }

  append(input: AuditInput): AuditEntry {
    return this.db.transaction((tx) => this.appendTx(tx, input));
  }

  /**
   * Appends inside the caller's transaction. The statements are prepared once and run on the
   * transaction's own connection (bun:sqlite has one), so every tool call pays only for the insert.
   */
  appendTx(_tx: Tx, input: AuditInput): AuditEntry {
    const last = this.lastHash.get();
    const prevHash = last?.hash ?? GENESIS_HASH;
    const args = encode(input.args);
    const details = encode(input.details);
    const fields: Required<ChainedFields> = {
      id: newId('aud'),
      at: this.clock.now(),
      event: input.event,
      teamId: input.teamId ?? null,
      userId: input.userId ?? null,
      actorEmail: input.actorEmail ?? null,
      clientId: input.clientId ?? null,
      familyId: input.familyId ?? null,
      sessionId: input.sessionId ?? null,
      tool: input.tool ?? null,
      environment: input.environment ?? null,
      outcome: input.outcome,
      reason: input.reason ?? null,
      args: args.text,
      latencyMs:
        input.latencyMs === undefined || input.latencyMs === null ? null : Math.round(input.latencyMs),
      details: details.text,
      argsSha256: args.record?.sha256 ?? null,
      argsBytes: args.record?.bytes ?? null,
      detailsSha256: details.record?.sha256 ?? null,
      detailsBytes: details.record?.bytes ?? null,
    };
    const hash = entryHash(fields, prevHash);
    const row = {
      ...fields,
      environment: fields.environment as Environment | null,
      outcome: input.outcome,
      prevHash,
      hash,
      signature: this.signer?.(hash) ?? null,
    };
    const inserted = this.insert.run(
      row.id,
      row.at,
      row.event,
      row.teamId,
      row.userId,
      row.actorEmail,
      row.clientId,
      row.familyId,
      row.sessionId,
      row.tool,
      row.environment,
      row.outcome,
      row.reason,
      row.args,
      row.latencyMs,
      row.details,
      row.argsSha256,
      row.argsBytes,
      row.detailsSha256,
      row.detailsBytes,
      row.prevHash,
      row.hash,
      row.signature,
    );
    if (args.record) this.insertRecord.run(row.id, 'args', args.record.content);
    if (details.record) this.insertRecord.run(row.id, 'details', details.record.content);
    return { ...row, seq: Number(inserted.lastInsertRowid) };
  }
}
