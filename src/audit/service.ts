import type { AuditOutcome, Environment } from '../../db/schema/enums.ts';
import { newId } from '../crypto/random.ts';
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
  /** Stored with secrets stripped. */
  args?: unknown;
  latencyMs?: number | null;
  details?: unknown;
}

export type AuditEntry = typeof schema.auditEntries.$inferSelect;

/** Optional signer for each entry's hash (Ed25519 in the console issue). */
export type HashSigner = (hash: string) => string;

const MAX_FIELD_CHARS = 16_384;

function encode(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  const s = JSON.stringify(filterValue(v, { pii: false }));
  return s.length > MAX_FIELD_CHARS ? `${s.slice(0, MAX_FIELD_CHARS)}…[truncated]` : s;
}

/**
 * The append-only audit trail (DESIGN §6): each entry chains to the previous one by SHA-256.
 * `appendTx` writes inside the caller's transaction, so the entry commits with the state change
 * it records, or not at all.
 */
export class AuditService {
  private readonly lastHash;
  private readonly insert;

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
        environment, outcome, reason, args, latency_ms, details, prev_hash, hash, signature)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
    const fields: ChainedFields = {
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
      args: encode(input.args),
      latencyMs:
        input.latencyMs === undefined || input.latencyMs === null ? null : Math.round(input.latencyMs),
      details: encode(input.details),
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
      row.prevHash,
      row.hash,
      row.signature,
    );
    return { ...row, seq: Number(inserted.lastInsertRowid) };
  }
}
