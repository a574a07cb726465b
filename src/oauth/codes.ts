import { and, eq, isNull } from 'drizzle-orm';
import type { AuditService } from '../audit/service.ts';
import { AUTH_CODE_TTL_MS } from '../config/constants.ts';
import { newId, randomToken, safeEqual, sha256, sha256Base64Url } from '../crypto/random.ts';
import type { Db, Tx } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { AppError } from '../errors/app-error.ts';
import type { Clock } from '../kernel/clock.ts';
import { grantedScopes } from './scopes.ts';
import { type IssuedTokens, type RedeemFailure, type TokensService, teamAdmittedTx } from './tokens.ts';

/** When the team's kill switch was pulled, while it stays pulled (re-enabling clears it); null otherwise. */
export function teamKilledAtTx(tx: Tx | Db, teamId: string): number | null {
  return (
    tx
      .select({ killedAt: schema.teamSettings.killedAt })
      .from(schema.teamSettings)
      .where(eq(schema.teamSettings.teamId, teamId))
      .get()?.killedAt ?? null
  );
}

/**
 * The refusal of anything new for a team whose kill switch is pulled (no consent, code or
 * connection token): nothing minted during the kill can come back when MCP is re-enabled.
 */
export function teamKilledError(teamName: string, what: string): AppError {
  return new AppError(
    'forbidden',
    `MCP access for ${teamName} is switched off by its kill switch, so ${what}.`,
    {
      hint: 'A team admin can turn "Enable MCP access" back on under Settings; then connect again.',
      denial: 'team_killed',
    },
  );
}

/** RFC 7636 §4.1: 43–128 characters from the unreserved set. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * Authorization codes (RFC 6749 §4.1): random, stored as SHA-256, single-use, short-lived, bound
 * to client, redirect URI, PKCE challenge and resource; exchanged into a new token family.
 */
export class CodesService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly tokens: TokensService,
  ) {}

  issueCode(input: {
    clientId: string;
    userId: string;
    teamId: string;
    redirectUri: string;
    codeChallenge: string;
    scopes: string[];
    resource: string;
    /** The browser session was an impersonation: the tokens carry the mark. */
    impersonator?: string | null;
  }): string {
    const code = randomToken(32);
    const now = this.clock.now();
    this.db.transaction((tx) => {
      // Checked where the code is written: a kill switch pulled while the consent page awaited
      // WorkOS still stops it.
      if (teamKilledAtTx(tx, input.teamId) !== null)
        throw teamKilledError('this team', 'no authorization code can be issued for it');
      tx.insert(schema.oauthCodes)
        .values({ codeHash: sha256(code), ...input, createdAt: now, expiresAt: now + AUTH_CODE_TTL_MS })
        .run();
    });
    return code;
  }

  /** Deletes a team's codes not yet exchanged (the kill switch); returns how many. */
  discardTeamTx(tx: Tx, teamId: string): number {
    return tx
      .delete(schema.oauthCodes)
      .where(and(eq(schema.oauthCodes.teamId, teamId), isNull(schema.oauthCodes.consumedAt)))
      .returning({ h: schema.oauthCodes.codeHash })
      .all().length;
  }

  /**
   * Exchanges a code (RFC 6749 §4.1.3, RFC 7636 §4.6). The code is consumed by the first
   * exchange of its client whatever the outcome; a second exchange is a replay and revokes the
   * tokens the first one produced (RFC 6749 §4.1.2).
   */
  redeemCode(
    code: string,
    check: {
      clientId: string;
      redirectUri: string | undefined;
      codeVerifier: string | undefined;
      resource: string | undefined;
      /** The grant types the client registered: no refresh_token grant, no refresh token. */
      grantTypes: readonly string[];
    },
  ): { ok: true; tokens: IssuedTokens } | { ok: false; reason: RedeemFailure } {
    const now = this.clock.now();
    const codeHash = sha256(code);
    let revokedFamily: string | undefined;
    const result = this.db.transaction(
      (tx): { ok: true; tokens: IssuedTokens } | { ok: false; reason: RedeemFailure } => {
        const row = tx.select().from(schema.oauthCodes).where(eq(schema.oauthCodes.codeHash, codeHash)).get();
        if (!row) return { ok: false, reason: 'invalid' };
        if (row.clientId !== check.clientId) return { ok: false, reason: 'client_mismatch' };
        if (row.consumedAt !== null) {
          if (row.familyId) {
            revokedFamily = row.familyId;
            this.tokens.revokeFamiliesTx(tx, [row.familyId], 'authorization code replayed', now);
          }
          this.audit.appendTx(tx, {
            event: 'oauth.code_replayed',
            outcome: 'denied',
            teamId: row.teamId,
            userId: row.userId,
            clientId: row.clientId,
            familyId: row.familyId,
            reason: 'authorization code used twice; the tokens it produced were revoked',
          });
          return { ok: false, reason: 'replayed' };
        }
        const consumed = tx
          .update(schema.oauthCodes)
          .set({ consumedAt: now })
          .where(and(eq(schema.oauthCodes.codeHash, codeHash), isNull(schema.oauthCodes.consumedAt)))
          .returning({ h: schema.oauthCodes.codeHash })
          .all();
        if (consumed.length !== 1) return { ok: false, reason: 'replayed' };
        if (row.expiresAt <= now) return { ok: false, reason: 'expired' };
        if (check.redirectUri === undefined || check.redirectUri !== row.redirectUri)
          return { ok: false, reason: 'redirect_mismatch' };
        if (!check.codeVerifier || !VERIFIER.test(check.codeVerifier))
          return { ok: false, reason: 'pkce_failed' };
        if (!safeEqual(sha256Base64Url(check.codeVerifier), row.codeChallenge))
          return { ok: false, reason: 'pkce_failed' };
        if (check.resource !== undefined && check.resource !== row.resource)
          return { ok: false, reason: 'resource_mismatch' };
        if (!teamAdmittedTx(tx, row.teamId)) return { ok: false, reason: 'not_admitted' };
        // The kill switch discards unexchanged codes and none is issued while it is pulled: a
        // code of a killed team is not a code.
        if (teamKilledAtTx(tx, row.teamId) !== null) return { ok: false, reason: 'invalid' };

        const familyId = newId('fam');
        const scopes = grantedScopes(row.scopes, check.grantTypes);
        const withRefresh = check.grantTypes.includes('refresh_token');
        tx.insert(schema.tokenFamilies)
          .values({
            id: familyId,
            kind: 'oauth',
            clientId: row.clientId,
            userId: row.userId,
            teamId: row.teamId,
            scopes,
            resource: row.resource,
            createdAt: now,
            impersonator: row.impersonator,
          })
          .run();
        tx.update(schema.oauthCodes).set({ familyId }).where(eq(schema.oauthCodes.codeHash, codeHash)).run();
        this.tokens.recordTx(
          tx,
          'oauth.token_issued',
          { id: familyId, userId: row.userId, teamId: row.teamId, clientId: row.clientId },
          {
            grant_type: 'authorization_code',
            scopes,
            refresh_token: withRefresh,
          },
        );
        return { ok: true, tokens: this.tokens.issuePairTx(tx, familyId, scopes, now, withRefresh) };
      },
    );
    if (revokedFamily) this.tokens.publishRevoked([revokedFamily], 'authorization code replayed');
    return result;
  }
}
