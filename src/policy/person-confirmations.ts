import { and, asc, count, desc, eq, gt, isNull, lte } from 'drizzle-orm';
import type { Environment } from '../../db/schema/enums.ts';
import type { AuditInput, AuditService } from '../audit/service.ts';
import { randomToken, sha256 } from '../crypto/random.ts';
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
  /** The registered client (or connection token name) of the authorization that asks. */
  client: string;
  createdAt: number;
  expiresAt: number;
}

/** The person answering in the console. */
export interface Answerer {
  teamId: string;
  userId: string;
  email: string;
}

/** At most this many confirmations wait for one person at a time; more are refused, not queued. */
export const MAX_WAITING_PER_PERSON = 20;

const ID_SHAPE = /^[0-9a-f]{64}$/;

/**
 * Confirmations a person answers in the console (docs/architecture.md, "The MCP surface and the
 * policy pipeline", destructive gate): for a team whose deletions and sign-in changes need a
 * person, when the agent's client cannot ask the human directly. The agent never holds anything
 * that confirms: it calls again with the same arguments, and only a row its own human confirmed
 * for that exact call lets it through, once. Rows of a revoked authorization are dead: not shown,
 * not answerable, not spendable.
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
      const rows = this.forCall(tx, b, now);
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
          this.audit?.appendTx(tx, {
            ...record,
            event: 'confirmation.consumed',
            outcome: 'ok',
            details: { channel: 'console', confirmed_by: answered.decidedBy },
          });
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

  /**
   * Puts this exact call in front of its person, once: a confirmation already waiting for the
   * same call is returned instead of a second card (concurrent retries make one). A person with
   * MAX_WAITING_PER_PERSON waiting is not sent more; their expired rows are cleared here.
   */
  open(
    b: ConfirmationBinding & { userId: string; teamId: string; summary: Record<string, unknown> },
    ttlMs: number,
  ): { expiresAt: number; created: boolean } {
    const now = this.clock.now();
    const c = schema.confirmations;
    return this.db.transaction((tx) => {
      const waiting = this.forCall(tx, b, now).find((r) => r.decision === null);
      if (waiting) return { expiresAt: waiting.expiresAt, created: false };
      tx.delete(c)
        .where(
          and(eq(c.teamId, b.teamId), eq(c.userId, b.userId), eq(c.via, 'console'), lte(c.expiresAt, now)),
        )
        .run();
      const [open] = tx
        .select({ n: count() })
        .from(c)
        .where(
          and(
            eq(c.teamId, b.teamId),
            eq(c.userId, b.userId),
            eq(c.via, 'console'),
            isNull(c.decision),
            isNull(c.consumedAt),
          ),
        )
        .all();
      if ((open?.n ?? 0) >= MAX_WAITING_PER_PERSON) {
        throw new AppError(
          'forbidden',
          `${MAX_WAITING_PER_PERSON} confirmations are already waiting for this person in the Gatehouse console: nothing was changed, and no new one was added.`,
          {
            hint: 'Ask the human to answer (or decline) the waiting ones on their Approvals page first.',
            denial: 'confirmation_pending',
          },
        );
      }
      const expiresAt = now + ttlMs;
      tx.insert(c)
        .values({
          // A console confirmation has no token: its key is the hash of a secret nobody keeps.
          hash: sha256(`person_${randomToken(24)}`),
          familyId: b.familyId,
          userId: b.userId,
          teamId: b.teamId,
          tool: b.tool,
          argsHash: argsHash(b.args),
          environment: b.environment,
          summary: b.summary,
          createdAt: now,
          expiresAt,
          via: 'console',
        })
        .run();
      return { expiresAt, created: true };
    });
  }

  /** The person's own live confirmations still waiting for an answer, oldest first. */
  waitingFor(teamId: string, userId: string): { shown: WaitingConfirmation[]; total: number } {
    const c = schema.confirmations;
    const f = schema.tokenFamilies;
    const rows = this.db
      .select({
        id: c.hash,
        tool: c.tool,
        environment: c.environment,
        summary: c.summary,
        createdAt: c.createdAt,
        expiresAt: c.expiresAt,
        familyName: f.name,
        clientName: schema.oauthClients.clientName,
      })
      .from(c)
      .innerJoin(f, eq(f.id, c.familyId))
      .leftJoin(schema.oauthClients, eq(schema.oauthClients.id, f.clientId))
      .where(
        and(
          eq(c.teamId, teamId),
          eq(c.userId, userId),
          eq(c.via, 'console'),
          isNull(c.decision),
          isNull(c.consumedAt),
          gt(c.expiresAt, this.clock.now()),
          isNull(f.revokedAt),
        ),
      )
      .orderBy(asc(c.createdAt))
      .all();
    return {
      total: rows.length,
      shown: rows.slice(0, MAX_WAITING_PER_PERSON).map(({ familyName, clientName, ...r }) => ({
        ...r,
        client: clientName ?? familyName ?? 'connection token',
      })),
    };
  }

  /**
   * The person's answer. Only the human the agent acts for answers (an admin cannot confirm a
   * deletion for someone else's agent); each confirmation is answered once, before it expires,
   * while the authorization that asked is still live.
   */
  decide(id: string, who: Answerer, decision: 'confirmed' | 'declined'): { id: string; tool: string } {
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
      const family = tx
        .select({ revokedAt: schema.tokenFamilies.revokedAt })
        .from(schema.tokenFamilies)
        .where(eq(schema.tokenFamilies.id, row.familyId))
        .get();
      if (!family || family.revokedAt !== null)
        throw new AppError(
          'conflict',
          'The agent that asked has been disconnected: there is nothing left to confirm.',
        );
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
      return { id: row.hash, tool: row.tool };
    });
  }

  /** The live console confirmations of this exact call, newest first. */
  private forCall(tx: Pick<Db, 'select'>, b: ConfirmationBinding, now: number) {
    const c = schema.confirmations;
    return tx
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
  }
}
