import { and, eq, isNull, lte } from 'drizzle-orm';
import type { AuditService } from '../audit/service.ts';
import type { Db, Tx } from '../db/client.ts';
import { schema } from '../db/client.ts';
import type { Clock } from '../kernel/clock.ts';
import { teamKilledAtTx, teamKilledError } from './codes.ts';

/** Remembered approvals of a client by a human in a team: re-authorization skips consent. */
export class ConsentsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  /** True when the human already approved this client in this team for at least these scopes. */
  covers(userId: string, teamId: string, clientId: string, scopes: readonly string[]): boolean {
    const row = this.db
      .select()
      .from(schema.oauthConsents)
      .where(
        and(
          eq(schema.oauthConsents.userId, userId),
          eq(schema.oauthConsents.teamId, teamId),
          eq(schema.oauthConsents.clientId, clientId),
          isNull(schema.oauthConsents.revokedAt),
        ),
      )
      .get();
    return (
      row !== undefined &&
      scopes.every((s) => row.scopes.includes(s)) &&
      teamKilledAtTx(this.db, teamId) === null
    );
  }

  /** Whether the human has approved this client, in any team, and not revoked it since. */
  approvedBefore(userId: string, clientId: string): boolean {
    const row = this.db
      .select({ id: schema.oauthConsents.clientId })
      .from(schema.oauthConsents)
      .where(
        and(
          eq(schema.oauthConsents.userId, userId),
          eq(schema.oauthConsents.clientId, clientId),
          isNull(schema.oauthConsents.revokedAt),
        ),
      )
      .get();
    return row !== undefined;
  }

  /**
   * Remembers that the human approved these scopes. A live consent grows to the union of
   * everything approved so far, so a narrower request never forgets a wider earlier approval
   * (and the wider one is not asked again); a revoked consent starts over from these scopes.
   */
  grant(
    userId: string,
    teamId: string,
    clientId: string,
    scopes: readonly string[],
    options: { impersonator?: string | null } = {},
  ): void {
    const now = this.clock.now();
    // Nothing is consented to for a team whose kill switch is pulled (the kill forgot every
    // remembered consent; none may come back through the window before MCP is re-enabled).
    if (teamKilledAtTx(this.db, teamId) !== null) {
      this.audit.append({
        event: 'oauth.consent',
        outcome: 'denied',
        userId,
        teamId,
        clientId,
        reason: 'team_killed',
        details: { scopes },
      });
      throw teamKilledError('this team', 'no client can be authorized in it');
    }
    if (options.impersonator) {
      // Consent given while impersonating is the impersonator's, not the human's: it is recorded
      // but never remembered, so it can never authorize the human's own later sign-ins.
      this.audit.append({
        event: 'oauth.consent',
        outcome: 'ok',
        userId,
        teamId,
        clientId,
        details: { scopes, remembered_scopes: [], impersonator: options.impersonator },
      });
      return;
    }
    this.db.transaction((tx) => {
      const existing = tx
        .select({ scopes: schema.oauthConsents.scopes, revokedAt: schema.oauthConsents.revokedAt })
        .from(schema.oauthConsents)
        .where(
          and(
            eq(schema.oauthConsents.userId, userId),
            eq(schema.oauthConsents.teamId, teamId),
            eq(schema.oauthConsents.clientId, clientId),
          ),
        )
        .get();
      const earlier = existing && existing.revokedAt === null ? existing.scopes : [];
      const remembered = [...new Set([...earlier, ...scopes])];
      tx.insert(schema.oauthConsents)
        .values({ userId, teamId, clientId, scopes: remembered, createdAt: now })
        .onConflictDoUpdate({
          target: [schema.oauthConsents.userId, schema.oauthConsents.teamId, schema.oauthConsents.clientId],
          set: { scopes: remembered, createdAt: now, revokedAt: null },
        })
        .run();
      this.audit.appendTx(tx, {
        event: 'oauth.consent',
        outcome: 'ok',
        userId,
        teamId,
        clientId,
        details: { scopes, remembered_scopes: remembered },
      });
    });
  }

  /** Forgets every remembered consent of a team (the kill switch); returns how many. */
  revokeTeamTx(tx: Tx, teamId: string, now: number): number {
    return tx
      .update(schema.oauthConsents)
      .set({ revokedAt: now })
      .where(and(eq(schema.oauthConsents.teamId, teamId), isNull(schema.oauthConsents.revokedAt)))
      .returning({ c: schema.oauthConsents.clientId })
      .all().length;
  }

  /**
   * Claims a consent form for deciding: true for the first submission. One atomic insert on the
   * nonce's primary key, so of concurrent submissions exactly one wins. Forms past their expiry
   * are refused anyway, so their rows are pruned here.
   */
  claimForm(nonce: string, userId: string, sessionHash: string, expiresAt: number): boolean {
    const now = this.clock.now();
    return this.db.transaction((tx) => {
      tx.delete(schema.oauthConsentForms).where(lte(schema.oauthConsentForms.expiresAt, now)).run();
      const inserted = tx
        .insert(schema.oauthConsentForms)
        .values({ nonce, userId, sessionHash, usedAt: now, expiresAt })
        .onConflictDoNothing()
        .returning({ nonce: schema.oauthConsentForms.nonce })
        .all();
      return inserted.length === 1;
    });
  }

  /** Records the decided form's answer (sealed by the caller), for a repeated submission. */
  answerForm(nonce: string, sealedAnswer: string): void {
    this.db
      .update(schema.oauthConsentForms)
      .set({ answer: sealedAnswer })
      .where(eq(schema.oauthConsentForms.nonce, nonce))
      .run();
  }

  /** Forgets a claim whose decision failed (e.g. a team the human is not in), so the form can be fixed and sent again. */
  releaseForm(nonce: string): void {
    this.db
      .delete(schema.oauthConsentForms)
      .where(and(eq(schema.oauthConsentForms.nonce, nonce), isNull(schema.oauthConsentForms.answer)))
      .run();
  }

  /**
   * Where a claimed form stands for this browser session: its sealed answer, `pending` while the
   * first submission is still deciding, or `refused` (another session's, or released).
   */
  formAnswer(nonce: string, sessionHash: string): { sealed: string } | 'pending' | 'refused' {
    const row = this.db
      .select({ answer: schema.oauthConsentForms.answer, sessionHash: schema.oauthConsentForms.sessionHash })
      .from(schema.oauthConsentForms)
      .where(eq(schema.oauthConsentForms.nonce, nonce))
      .get();
    if (!row || row.sessionHash !== sessionHash) return 'refused';
    return row.answer === null ? 'pending' : { sealed: row.answer };
  }

  /** Forgets a remembered consent inside the caller's transaction (its audit entry is the caller's). */
  revokeTx(tx: Tx, userId: string, teamId: string, clientId: string): void {
    tx.update(schema.oauthConsents)
      .set({ revokedAt: this.clock.now() })
      .where(
        and(
          eq(schema.oauthConsents.userId, userId),
          eq(schema.oauthConsents.teamId, teamId),
          eq(schema.oauthConsents.clientId, clientId),
        ),
      )
      .run();
  }
}
