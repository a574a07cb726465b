import { and, eq, isNull } from 'drizzle-orm';
import type { ConfirmationChannel } from '../../db/schema/mcp.ts';
import type { AuditInput, AuditService } from '../audit/service.ts';
import { CONFIRMATION_TTL_MS } from '../config/constants.ts';
import { randomToken, sha256 } from '../crypto/random.ts';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import type { Clock } from '../kernel/clock.ts';
import { argsHash, type ConfirmationBinding } from './confirmation-binding.ts';
import { PersonConfirmations } from './person-confirmations.ts';

export { argsHash, type ConfirmationBinding } from './confirmation-binding.ts';

/** A token says which channel minted it, so a question's nonce is never mistaken for a token. */
const PREFIX: Record<ConfirmationChannel, string> = {
  token: 'confirm_',
  question: 'ask_',
  console: 'person_',
};

export type ConfirmFailure =
  | 'unknown'
  | 'expired'
  | 'used'
  | 'other_caller'
  | 'other_tool'
  | 'other_arguments'
  | 'other_environment'
  | 'other_channel';

/**
 * Destructive-operation confirmations (docs/architecture.md "The MCP surface and the policy pipeline" step 5): a single-use, short-lived token bound
 * to the caller's authorization, the tool, the exact arguments and the environment.
 */
export class ConfirmationsService {
  /** Confirmations a person answers in the console (teams whose deletions need a person). */
  readonly person: PersonConfirmations;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit?: AuditService,
  ) {
    this.person = new PersonConfirmations(db, clock, audit);
  }

  create(
    b: ConfirmationBinding & {
      userId: string;
      teamId: string;
      summary: Record<string, unknown>;
      /** Who may answer it (default: the agent, with the token). */
      via?: ConfirmationChannel;
      ttlMs?: number;
    },
  ): {
    token: string;
    expiresAt: number;
  } {
    const via = b.via ?? 'token';
    const token = `${PREFIX[via]}${randomToken(24)}`;
    const now = this.clock.now();
    const expiresAt = now + (b.ttlMs ?? CONFIRMATION_TTL_MS);
    this.db
      .insert(schema.confirmations)
      .values({
        hash: sha256(token),
        familyId: b.familyId,
        userId: b.userId,
        teamId: b.teamId,
        tool: b.tool,
        argsHash: argsHash(b.args),
        environment: b.environment,
        summary: b.summary,
        createdAt: now,
        expiresAt,
        via,
      })
      .run();
    return { token, expiresAt };
  }

  /**
   * Compares the token's binding with this call first and consumes it only if everything
   * matches, atomically: of concurrent calls with one token, exactly one succeeds. `record` is
   * the audit entry of the consumption, written in the same transaction: a token spent by a call
   * that never answered (a crash mid-delete) is still accounted for.
   */
  consume(
    token: string,
    b: ConfirmationBinding,
    record?: Omit<AuditInput, 'event' | 'outcome'>,
    /** The channel this answer arrives through: a token minted for another is not accepted. */
    via: Exclude<ConfirmationChannel, 'console'> = 'token',
  ): { ok: true } | { ok: false; reason: ConfirmFailure } {
    const hash = sha256(token);
    const now = this.clock.now();
    return this.db.transaction((tx) => {
      const row = tx.select().from(schema.confirmations).where(eq(schema.confirmations.hash, hash)).get();
      if (!row) return { ok: false, reason: 'unknown' } as const;
      if (row.via !== via) return { ok: false, reason: 'other_channel' } as const;
      if (row.consumedAt !== null) return { ok: false, reason: 'used' } as const;
      if (row.expiresAt <= now) return { ok: false, reason: 'expired' } as const;
      if (row.familyId !== b.familyId) return { ok: false, reason: 'other_caller' } as const;
      if (row.tool !== b.tool) return { ok: false, reason: 'other_tool' } as const;
      if (row.environment !== b.environment) return { ok: false, reason: 'other_environment' } as const;
      if (row.argsHash !== argsHash(b.args)) return { ok: false, reason: 'other_arguments' } as const;
      const taken = tx
        .update(schema.confirmations)
        .set({ consumedAt: now })
        .where(and(eq(schema.confirmations.hash, hash), isNull(schema.confirmations.consumedAt)))
        .returning({ h: schema.confirmations.hash })
        .all();
      if (taken.length !== 1) return { ok: false, reason: 'used' } as const;
      if (record && this.audit)
        // The channel that confirmed is on the record: a token sent by the agent, or a question
        // the client says its human answered (which the client can answer itself: README).
        this.audit.appendTx(tx, {
          ...record,
          event: 'confirmation.consumed',
          outcome: 'ok',
          details: { channel: via },
        });
      return { ok: true } as const;
    });
  }
}
