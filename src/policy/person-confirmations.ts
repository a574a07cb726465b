import { and, asc, desc, eq, gt, isNull } from 'drizzle-orm';
import type { Environment } from '../../db/schema/enums.ts';
import type { AuditInput, AuditService } from '../audit/service.ts';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { AppError } from '../errors/app-error.ts';
import type { Clock } from '../kernel/clock.ts';
import { argsHash, type ConfirmationBinding } from './confirmation-binding.ts';

/** What the agent's retry finds for its exact call among the console confirmations. */
export type PersonAnswer =
  | { state: 'confirmed' }
  | { state: 'declined'; by: string | null }
  | { state: 'waiting'; expiresAt: number }
  | { state: 'none' };

/** A confirmation waiting in /approvals for its person's answer. */
export interface WaitingConfirmation {
  /** The row's key (the hash of a secret nobody holds: console confirmations have no token). */
  id: string;
  tool: string;
  environment: Environment;
  summary: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
}

/** The person answering in the console. */
export interface Answerer {
  teamId: string;
  userId: string;
  email: string;
}

const ID_SHAPE = /^[0-9a-f]{64}$/;

/**
 * Confirmations a person answers in the console (docs/architecture.md, "The MCP surface and the
 * policy pipeline", destructive gate): for a team whose deletions and sign-in changes need a
 * person, when the agent's client cannot ask the human directly. The agent never holds anything
 * that confirms: it calls again with the same arguments, and only a row its own human confirmed
 * for that exact call lets it through, once.
 */
export class PersonConfirmations {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit?: AuditService,
  ) {}

  /**
   * Atomically spends a confirmation the person gave for this exact call (caller, tool,
   * arguments, environment), or reports that one is still waiting or was declined. A declined
   * one is spent too: the agent is told once, and its next call asks afresh.
   */
  answerFor(b: ConfirmationBinding, record: Omit<AuditInput, 'event' | 'outcome'>): PersonAnswer {
    const now = this.clock.now();
    const c = schema.confirmations;
    return this.db.transaction((tx) => {
      const rows = tx
        .select()
        .from(c)
        .where(
          and(
            eq(c.familyId, b.familyId),
            eq(c.tool, b.tool),
            eq(c.argsHash, argsHash(b.args)),
            eq(c.environment, b.environment),
            eq(c.via, 'console'),
            isNull(c.consumedAt),
            gt(c.expiresAt, now),
          ),
        )
        .orderBy(desc(c.createdAt))
        .all();
      const answered =
        rows.find((r) => r.decision === 'confirmed') ?? rows.find((r) => r.decision === 'declined');
      if (answered) {
        const taken = tx
          .update(c)
          .set({ consumedAt: now })
          .where(and(eq(c.hash, answered.hash), isNull(c.consumedAt)))
          .returning({ h: c.hash })
          .all();
        if (taken.length === 1 && answered.decision === 'confirmed') {
          this.audit?.appendTx(tx, { ...record, event: 'confirmation.consumed', outcome: 'ok' });
          return { state: 'confirmed' } as const;
        }
        if (taken.length === 1) return { state: 'declined', by: answered.decidedBy } as const;
      }
      const waiting = rows.find((r) => r.decision === null);
      return waiting
        ? ({ state: 'waiting', expiresAt: waiting.expiresAt } as const)
        : ({ state: 'none' } as const);
    });
  }

  /** The person's own confirmations still waiting for an answer, oldest first. */
  waitingFor(teamId: string, userId: string): WaitingConfirmation[] {
    const c = schema.confirmations;
    return this.db
      .select({
        id: c.hash,
        tool: c.tool,
        environment: c.environment,
        summary: c.summary,
        createdAt: c.createdAt,
        expiresAt: c.expiresAt,
      })
      .from(c)
      .where(
        and(
          eq(c.teamId, teamId),
          eq(c.userId, userId),
          eq(c.via, 'console'),
          isNull(c.decision),
          isNull(c.consumedAt),
          gt(c.expiresAt, this.clock.now()),
        ),
      )
      .orderBy(asc(c.createdAt))
      .limit(50)
      .all();
  }

  /**
   * The person's answer. Only the human the agent acts for answers (an admin cannot confirm a
   * deletion for someone else's agent); each confirmation is answered once, before it expires.
   */
  decide(id: string, who: Answerer, decision: 'confirmed' | 'declined'): WaitingConfirmation {
    if (!ID_SHAPE.test(id)) throw new AppError('not_found', 'There is no such confirmation.');
    const now = this.clock.now();
    const c = schema.confirmations;
    return this.db.transaction((tx) => {
      const row = tx.select().from(c).where(eq(c.hash, id)).get();
      // Another team's confirmations, and token or question ones, do not exist here.
      if (!row || row.teamId !== who.teamId || row.via !== 'console')
        throw new AppError('not_found', 'There is no such confirmation.');
      if (row.userId !== who.userId) {
        throw new AppError('forbidden', 'Only the person the agent acts for can answer this confirmation.', {
          hint: 'Ask them to open Approvals in the console.',
        });
      }
      if (row.decision !== null || row.consumedAt !== null)
        throw new AppError('conflict', 'This confirmation was already answered.');
      if (row.expiresAt <= now)
        throw new AppError('conflict', 'This confirmation has expired; the agent must ask again.');
      tx.update(c)
        .set({ decision, decidedAt: now, decidedBy: who.email })
        .where(and(eq(c.hash, id), isNull(c.decision)))
        .run();
      this.audit?.appendTx(tx, {
        event: decision === 'confirmed' ? 'confirmation.confirmed' : 'confirmation.declined',
        outcome: 'ok',
        teamId: row.teamId,
        userId: who.userId,
        actorEmail: who.email,
        familyId: row.familyId,
        tool: row.tool,
        environment: row.environment,
        details: { confirmation: row.summary },
      });
      return {
        id: row.hash,
        tool: row.tool,
        environment: row.environment,
        summary: row.summary,
        createdAt: row.createdAt,
        expiresAt: row.expiresAt,
      };
    });
  }
}
