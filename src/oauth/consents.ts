import { and, eq, isNull } from 'drizzle-orm';
import type { Clock } from '../app/clock.ts';
import type { AuditService } from '../audit/service.ts';
import type { Db, Tx } from '../db/client.ts';
import { schema } from '../db/client.ts';

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
    return row !== undefined && scopes.every((s) => row.scopes.includes(s));
  }

  grant(userId: string, teamId: string, clientId: string, scopes: readonly string[]): void {
    const now = this.clock.now();
    this.db.transaction((tx) => {
      tx.insert(schema.oauthConsents)
        .values({ userId, teamId, clientId, scopes: [...scopes], createdAt: now })
        .onConflictDoUpdate({
          target: [schema.oauthConsents.userId, schema.oauthConsents.teamId, schema.oauthConsents.clientId],
          set: { scopes: [...scopes], createdAt: now, revokedAt: null },
        })
        .run();
      this.audit.appendTx(tx, {
        event: 'oauth.consent',
        outcome: 'ok',
        userId,
        teamId,
        clientId,
        details: { scopes },
      });
    });
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
