import type { AuditOutcome, Environment } from '../../db/schema/enums.ts';
import { ConfigError } from '../config/index.ts';
import type { Db, schema, Tx } from '../db/client.ts';
import { AppError } from '../errors/app-error.ts';
import type { Clock } from '../kernel/clock.ts';
import { type ChainedFields, entryHash, GENESIS_HASH } from './chain.ts';
import { type Encoded, encode, entryId, storable } from './entry-fields.ts';
import type { AuditEvent } from './events.ts';
import { prepareInsert } from './insert.ts';
import { type AuditKey, checkSignature, keyIdOfSignature } from './keys.ts';
import { AuditPages } from './pages.ts';
import { segmentProblem } from './segment.ts';
import { firstSignedBy, signedOnAfter } from './signing-key.ts';

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

export { INLINE_MAX_CHARS, PREVIEW_CHARS, storable } from './entry-fields.ts';

/** An entry encoded and waiting for its batch: everything but its place in the chain. */
interface Queued {
  fields: Required<ChainedFields>;
  args: Encoded;
  details: Encoded;
  resolve(entry: AuditEntry): void;
  reject(error: unknown): void;
}

/**
 * A tool call whose entry is still to come (`AuditService.begin`). `end` says it will not add
 * one after all, or has: calling it again does nothing.
 */
export interface Underway {
  end(): void;
}

/** The most entries one group-commit transaction writes (a longer queue takes several). */
export const MAX_BATCH = 1_024;

/**
 * While calls come one at a time, after this many entries committed at once the next one waits
 * for its turn again, to see whether others now join it (see `record`).
 */
export const PROBE_EVERY = 16;

/**
 * The append-only audit trail (docs/architecture.md "Storage and audit"): each entry chains to the previous one by SHA-256.
 *
 * Three ways in, one chain:
 * - `record` (tool calls, the hot path): group commit. Entries that arrive in the same turn of
 *   the event loop are written in one transaction (one WAL commit); the promise resolves once
 *   that transaction has committed, so a caller that awaits it sends its result only when its
 *   entry is in the trail. While calls come one at a time, an entry from the only call under way
 *   (`begin`) commits at once: waiting for the turn to end would only delay it (see `record`).
 *   Only the batch's last entry is signed: its signature covers its hash, and through the chain
 *   every entry of the batch (`audit verify` proves each one from it).
 * - `appendTx` writes inside the caller's transaction, so the entry commits with the state
 *   change it records, or not at all; it is signed itself (a batch of one).
 * - `append`: `appendTx` in a transaction of its own.
 * The trail therefore always ends with a signed entry, whatever is killed when.
 */
export class AuditService {
  private readonly lastHash;
  private readonly entryBefore;
  private readonly insert;
  private readonly insertRecord;
  private readonly writeBatch;
  private queue: Queued[] = [];
  private scheduled = false;
  /** Calls begun (`begin`) that have not recorded their entry yet. */
  private underway = 0;
  /** Whether the last batch that waited for its turn held one entry: calls come one at a time. */
  private serial = true;
  /** Entries committed at once since that batch. */
  private alone = 0;
  private readonly pages: AuditPages;
  /** Group-commit transactions written so far (tests and the bench read it). */
  batches = 0;
  private readonly keyId: string | undefined;
  /**
   * The hash of the last end this service signed or checked: an end it did not (another process
   * appended) is checked once before anything is chained to it.
   */
  private trustedEnd: string | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private signer?: HashSigner,
    /**
     * The key `signer` signs with. Given, nothing is appended to a trail whose newest entry is not
     * this key's valid signature (docs/architecture.md "Storage and audit"): a process still
     * running with a key that was replaced meanwhile (another process declared it lost), or an
     * end added without the key, fails closed.
     */
    private readonly key?: Pick<AuditKey, 'keyId' | 'publicKey'>,
  ) {
    this.keyId = key?.keyId;
    this.pages = new AuditPages(db.$client);
    this.entryBefore = db.$client.prepare<{ seq: number; hash: string }, [number]>(
      'SELECT seq, hash FROM audit_entries WHERE seq < ? ORDER BY seq DESC LIMIT 1',
    );
    this.lastHash = db.$client.prepare<{ seq: number; hash: string; signature: string | null }, []>(
      'SELECT seq, hash, signature FROM audit_entries ORDER BY seq DESC LIMIT 1',
    );
    this.insert = prepareInsert(db);
    this.insertRecord = db.$client.prepare(
      'INSERT INTO audit_records (entry_id, field, content) VALUES (?, ?, ?)',
    );
    // The chain's end is read inside the transaction, never kept in memory: on PostgreSQL another
    // replica may have appended since, and the transaction's write lock (src/db/pg/bridge.ts)
    // keeps it from appending between this read and the commit.
    this.writeBatch = db.$client.transaction((batch: Queued[]) => {
      let prevHash = this.chainEnd();
      const last = batch.length - 1;
      return batch.map((q, i) => {
        const entry = this.write(q.fields, q.args, q.details, prevHash, i === last);
        prevHash = entry.hash;
        return entry;
      });
    });
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
    const { fields, args, details } = this.prepare(input);
    return this.write(fields, args, details, this.chainEnd(), true);
  }

  /**
   * The hash the next entry chains to, read in the writing transaction; refused when the trail's
   * end was signed by another key than this service's (see `keyId`).
   */
  private chainEnd(): string {
    const last = this.lastHash.get();
    if (this.key && last && last.hash !== this.trustedEnd) {
      const signedWith = last.signature ? keyIdOfSignature(last.signature) : undefined;
      if (signedWith !== undefined && signedWith !== this.key.keyId)
        throw new AppError(
          'unavailable',
          `The audit trail's last entry (#${last.seq}) names key ${signedWith}, not this process's key ${this.key.keyId}: the key was replaced (another process declared it lost), or the entry was added without the audit key. Nothing is recorded, so nothing is done. Restart this process: a start checks which.`,
        );
      // The trail always ends with this key's signed entry (see the class): one that does not
      // was added without the key, and an entry chained to it would vouch for it.
      if (checkSignature(this.key as AuditKey, last.hash, last.signature) !== 'valid')
        throw new AppError(
          'unavailable',
          `The audit trail ends with entry #${last.seq}, which carries no valid signature of the audit key: it was added without the key. Nothing is recorded on top of it (a signature would vouch for it), so nothing is done; \`gatehouse audit verify\` names it.`,
        );
      // A signed entry copied to the end carries a valid signature but links to its old place
      // (the seq is outside the hash): the end must hash to itself and link to the entry before
      // it. The head writer walks everything since the last head (src/audit/head.ts).
      const end = { seq: Number(last.seq), hash: last.hash };
      const before = this.entryBefore.get(end.seq);
      const broken = segmentProblem(
        this.db.$client,
        before ? { seq: Number(before.seq), hash: before.hash } : { seq: 0, hash: GENESIS_HASH },
        end,
      );
      if (broken)
        throw new AppError(
          'unavailable',
          `The audit trail's end (entry #${end.seq}) is not chained as written: ${broken}. Nothing is recorded on top of it, so nothing is done; \`gatehouse audit verify\` names where.`,
        );
      this.trustedEnd = last.hash;
    }
    return last?.hash ?? GENESIS_HASH;
  }

  /**
   * Records that this service's key signs on from here where `declared` (GATEHOUSE_AUDIT_KEY_REPLACES,
   * a key declared lost) signed before: in one transaction with the read of the trail's end, so
   * no other signer can append between. Nothing when the trail is this key's already (or empty);
   * refused when another key than the declared one signed it last (a process with another key
   * wrote since this one checked at start).
   */
  recordKeyReplacement(declared: string | undefined): AuditEntry | undefined {
    return this.db.transaction(() => {
      const last = this.lastHash.get();
      const previous = last?.signature ? keyIdOfSignature(last.signature) : undefined;
      if (previous === undefined || previous === this.keyId) return undefined;
      const signedBefore = this.keyId ? firstSignedBy(this.db.$client, this.keyId) : undefined;
      if (signedBefore !== undefined)
        throw new ConfigError([signedOnAfter(this.keyId!, previous, `from entry #${signedBefore}`)]);
      if (previous !== declared)
        throw new ConfigError([
          `The audit trail is signed with key ${previous}, not this process's key ${this.keyId}${declared ? ` nor the key declared lost (${declared})` : ''}: another process signs it with another key. Nothing was recorded.`,
        ]);
      const { fields, args, details } = this.prepare({
        event: 'audit.key_replaced',
        outcome: 'allowed',
        details: {
          previous_key_id: previous,
          key_id: this.keyId,
          declared_by: 'GATEHOUSE_AUDIT_KEY_REPLACES',
        },
      });
      return this.write(fields, args, details, last!.hash, true);
    });
  }

  /**
   * Group commit: queues the entry for the transaction that writes everything queued in this
   * turn of the event loop, and resolves with the entry once it has committed (rejects if that
   * transaction failed: then none of its entries is in the trail). The entry is encoded now,
   * so a value that cannot be recorded fails this call alone.
   */
  record(input: AuditInput, call?: Underway): Promise<AuditEntry> {
    call?.end();
    const prepared = this.prepare(input);
    return new Promise<AuditEntry>((resolve, reject) => {
      this.queue.push({ ...prepared, resolve, reject });
      if (this.scheduled) return;
      // Commits at once: the only call under way (no other has begun and not yet recorded), while
      // calls come one at a time. A call that runs without waiting on anything (whoami) ends
      // before the next request of the same turn is even read, so "the only one under way" alone
      // does not say no other will join: the turn's batches do. Every PROBE_EVERY-th such entry
      // waits for its turn, and a batch of several there switches to waiting until one holds one.
      if (call && this.serial && this.alone < PROBE_EVERY && this.underway === 0 && this.queue.length === 1) {
        this.alone++;
        this.flush();
        return;
      }
      this.scheduled = true;
      setImmediate(() => this.flushTurn());
    });
  }

  /** The turn's batch: what it gathered says whether calls come one at a time. */
  private flushTurn(): void {
    this.serial = this.queue.length <= 1;
    this.alone = 0;
    this.flush();
  }

  /**
   * A tool call has started and will record an entry (`record(input, call)`). While it runs,
   * other calls' entries wait for their turn's batch, which its entry may join.
   */
  begin(): Underway {
    this.underway++;
    let ended = false;
    return {
      end: () => {
        if (ended) return;
        ended = true;
        this.underway--;
      },
    };
  }

  /** Writes whatever is queued now (also called before the database is closed). */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      let entries: AuditEntry[];
      try {
        entries = this.writeBatch.immediate(batch);
      } catch (e) {
        for (const q of batch) q.reject(e);
        continue;
      }
      this.batches++;
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(entries[i]!);
    }
  }

  /**
   * Brings the console's page index up to the trail (src/audit/pages.ts): readers of
   * `audit_pages` call it first; the head writer calls it once a second.
   */
  settlePages(): number {
    return this.pages.settle();
  }

  /** How many entries wait for their batch. */
  get pending(): number {
    return this.queue.length;
  }

  private prepare(input: AuditInput): Pick<Queued, 'fields' | 'args' | 'details'> {
    const args = encode(input.args);
    const details = encode(input.details);
    const at = this.clock.now();
    const fields: Required<ChainedFields> = {
      id: entryId(at),
      at,
      event: input.event,
      teamId: storable(input.teamId),
      userId: storable(input.userId),
      actorEmail: storable(input.actorEmail),
      clientId: storable(input.clientId),
      familyId: storable(input.familyId),
      sessionId: storable(input.sessionId),
      tool: storable(input.tool),
      environment: input.environment ?? null,
      outcome: input.outcome,
      reason: storable(input.reason),
      args: args.text,
      latencyMs:
        input.latencyMs === undefined || input.latencyMs === null ? null : Math.round(input.latencyMs),
      details: details.text,
      argsSha256: args.record?.sha256 ?? null,
      argsBytes: args.record?.bytes ?? null,
      detailsSha256: details.record?.sha256 ?? null,
      detailsBytes: details.record?.bytes ?? null,
    };
    return { fields, args, details };
  }

  /** Chains one entry to `prevHash` and inserts it (signed when `sign`: the end of its batch). */
  private write(
    fields: Required<ChainedFields>,
    args: Encoded,
    details: Encoded,
    prevHash: string,
    sign: boolean,
  ): AuditEntry {
    const hash = entryHash(fields, prevHash);
    const row = {
      ...fields,
      environment: fields.environment as Environment | null,
      outcome: fields.outcome as AuditOutcome,
      prevHash,
      hash,
      signature: sign ? (this.signer?.(hash) ?? null) : null,
    };
    // Signed here: the next entry chains to it without checking it again (a rolled-back one is
    // never the trail's end, so trusting its hash trusts nothing).
    if (row.signature) this.trustedEnd = hash;
    const seq = this.insert(
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
    return { ...row, seq };
  }
}
