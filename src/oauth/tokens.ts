import { and, desc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { AuditEvent } from '../audit/events.ts';
import type { AuditService } from '../audit/service.ts';
import { ACCESS_TOKEN_TTL_MS, REFRESH_TOKEN_TTL_MS } from '../config/constants.ts';
import { newId, randomToken, sha256 } from '../crypto/random.ts';
import type { Db, Tx } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { EpochCache, epochOf } from '../db/epoch.ts';
import type { Clock } from '../kernel/clock.ts';
import type { EventBus } from '../kernel/events.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { BearerRecord, Family, IssuedTokens, RefreshFailure } from './token-types.ts';
import { TOKEN_PREFIX } from './token-types.ts';
import { UsageCounter } from './usage.ts';

export * from './token-types.ts';

/** Family ids per statement in `standingAmong` (well under SQLite's and PostgreSQL's parameter limits). */
const STANDING_BATCH = 500;

/**
 * Token families and bearer tokens (codes: codes.ts). Every secret is random, shown once
 * and stored only as its SHA-256; every state change is a single transaction.
 */
export class TokensService {
  private readonly usage: UsageCounter;
  /** Prepared once: it runs on every /mcp request. */
  private readonly bearerQuery;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    /** Where revocations are published ('families.revoked'), for open MCP sessions to close. */
    private readonly events: EventBus,
    log: Logger = silentLogger,
  ) {
    this.bearers = new EpochCache(epochOf(db));
    this.bearerQuery = db
      .select({ t: schema.tokens, f: schema.tokenFamilies })
      .from(schema.tokens)
      .innerJoin(schema.tokenFamilies, eq(schema.tokenFamilies.id, schema.tokens.familyId))
      .where(
        and(
          eq(schema.tokens.hash, sql.placeholder('hash')),
          inArray(schema.tokens.kind, ['access', 'connection']),
        ),
      )
      .prepare();
    this.usage = new UsageCounter(db, clock, log);
  }

  /** Records a token event in the same transaction as the change (docs/architecture.md "Storage and audit"). */
  recordTx(
    tx: Tx,
    event: AuditEvent,
    f: Family | { userId: string; teamId: string; clientId: string | null; id: string },
    details: Record<string, unknown>,
  ) {
    this.audit.appendTx(tx, {
      event,
      outcome: 'ok',
      teamId: f.teamId,
      userId: f.userId,
      clientId: f.clientId,
      familyId: f.id,
      details,
    });
  }

  /**
   * Publishes 'families.revoked' on the event bus, so open MCP sessions, streams and calls of
   * those families end at once; call after the transaction that revoked them commits.
   */
  publishRevoked(familyIds: string[], reason: string) {
    if (familyIds.length === 0) return;
    this.events.emit('families.revoked', { familyIds, reason });
  }

  /**
   * Issues an access token, and a refresh token unless `withRefresh` is false, in a family,
   * inside the caller's transaction.
   */
  issuePairTx(tx: Tx, familyId: string, scopes: string[], now: number, withRefresh = true): IssuedTokens {
    const accessToken = `${TOKEN_PREFIX.access}${randomToken(32)}`;
    const refreshToken = withRefresh ? `${TOKEN_PREFIX.refresh}${randomToken(32)}` : undefined;
    const rows: (typeof schema.tokens.$inferInsert)[] = [
      {
        hash: sha256(accessToken),
        kind: 'access',
        familyId,
        createdAt: now,
        expiresAt: now + ACCESS_TOKEN_TTL_MS,
      },
    ];
    if (refreshToken) {
      rows.push({
        hash: sha256(refreshToken),
        kind: 'refresh',
        familyId,
        createdAt: now,
        expiresAt: now + REFRESH_TOKEN_TTL_MS,
      });
    }
    tx.insert(schema.tokens).values(rows).run();
    return { accessToken, refreshToken, expiresInSeconds: ACCESS_TOKEN_TTL_MS / 1000, scopes, familyId };
  }

  /**
   * Rotates a refresh token (RFC 6749 §6, OAuth 2.1 §4.3.1): the old one is spent, a new pair is
   * issued in the same family. Presenting a spent refresh token is reuse: the whole family is
   * revoked (RFC 9700 §4.14.2).
   */
  refresh(
    refreshToken: string,
    check: { clientId: string; scopes: string[] | undefined; resource: string | undefined },
  ):
    | { ok: true; tokens: IssuedTokens; family: Family }
    | { ok: false; reason: RefreshFailure; familyId?: string } {
    const now = this.clock.now();
    const hash = sha256(refreshToken);
    let reusedFamily: string | undefined;
    const result = this.db.transaction(
      (
        tx,
      ):
        | { ok: true; tokens: IssuedTokens; family: Family }
        | { ok: false; reason: RefreshFailure; familyId?: string } => {
        const row = tx
          .select({ t: schema.tokens, f: schema.tokenFamilies })
          .from(schema.tokens)
          .innerJoin(schema.tokenFamilies, eq(schema.tokenFamilies.id, schema.tokens.familyId))
          .where(and(eq(schema.tokens.hash, hash), eq(schema.tokens.kind, 'refresh')))
          .get();
        if (!row) return { ok: false, reason: 'invalid' };
        if (row.f.clientId !== check.clientId) return { ok: false, reason: 'client_mismatch' };
        if (row.t.revokedAt !== null || row.f.revokedAt !== null)
          return { ok: false, reason: 'revoked', familyId: row.f.id };
        if (row.t.usedAt !== null) {
          reusedFamily = row.f.id;
          this.revokeFamiliesTx(tx, [row.f.id], 'refresh token reused', now);
          this.audit.appendTx(tx, {
            event: 'oauth.refresh_reused',
            outcome: 'denied',
            teamId: row.f.teamId,
            userId: row.f.userId,
            clientId: row.f.clientId,
            familyId: row.f.id,
            reason: 'a spent refresh token was presented again; the whole authorization was revoked',
          });
          return { ok: false, reason: 'reused', familyId: row.f.id };
        }
        if (row.t.expiresAt !== null && row.t.expiresAt <= now)
          return { ok: false, reason: 'expired', familyId: row.f.id };
        if (check.resource !== undefined && check.resource !== row.f.resource)
          return { ok: false, reason: 'resource_mismatch' };
        if (!teamAdmittedTx(tx, row.f.teamId)) return { ok: false, reason: 'not_admitted' };
        const scopes = check.scopes ?? row.f.scopes;
        if (!scopes.every((s) => row.f.scopes.includes(s))) return { ok: false, reason: 'scope_widened' };
        const spent = tx
          .update(schema.tokens)
          .set({ usedAt: now })
          .where(and(eq(schema.tokens.hash, hash), isNull(schema.tokens.usedAt)))
          .returning({ h: schema.tokens.hash })
          .all();
        if (spent.length !== 1) {
          reusedFamily = row.f.id;
          this.revokeFamiliesTx(tx, [row.f.id], 'refresh token reused', now);
          return { ok: false, reason: 'reused', familyId: row.f.id };
        }
        // Scopes live on the family, and /mcp reads them from there: a narrowed refresh must narrow
        // the family, or the new access token would carry the old, wider scopes (RFC 6749 §6).
        // The rotated refresh token then carries the narrowed scopes too; they cannot widen again.
        let family = row.f;
        if (scopes.length !== row.f.scopes.length) {
          tx.update(schema.tokenFamilies).set({ scopes }).where(eq(schema.tokenFamilies.id, row.f.id)).run();
          family = { ...row.f, scopes };
        }
        this.recordTx(tx, 'oauth.token_issued', family, { grant_type: 'refresh_token', scopes });
        return { ok: true, tokens: this.issuePairTx(tx, row.f.id, scopes, now), family };
      },
    );
    if (reusedFamily) this.publishRevoked([reusedFamily], 'refresh token reused');
    return result;
  }

  /** The family a refresh token belongs to, without using it (to re-check its human first). */
  familyOfRefreshToken(refreshToken: string): Family | undefined {
    return this.db
      .select({ f: schema.tokenFamilies })
      .from(schema.tokens)
      .innerJoin(schema.tokenFamilies, eq(schema.tokenFamilies.id, schema.tokens.familyId))
      .where(and(eq(schema.tokens.hash, sha256(refreshToken)), eq(schema.tokens.kind, 'refresh')))
      .get()?.f;
  }

  /**
   * A console-made token for clients without OAuth (shown once, stored hashed); it commits with
   * its `connection_token.created` audit entry.
   */
  createConnectionToken(input: {
    userId: string;
    teamId: string;
    name: string;
    scopes: string[];
    resource: string;
    expiresAt: number | null;
    actorEmail?: string;
    /** Created from an impersonated browser session: the token carries the mark. */
    impersonator?: string | null;
  }): { token: string; family: Family } {
    const now = this.clock.now();
    const token = `${TOKEN_PREFIX.connection}${randomToken(32)}`;
    const family: Family = {
      id: newId('fam'),
      kind: 'connection',
      clientId: null,
      userId: input.userId,
      teamId: input.teamId,
      name: input.name,
      scopes: input.scopes,
      resource: input.resource,
      createdAt: now,
      expiresAt: input.expiresAt,
      lastUsedAt: null,
      requestCount: 0,
      revokedAt: null,
      revokedReason: null,
      impersonator: input.impersonator ?? null,
    };
    this.db.transaction((tx) => {
      tx.insert(schema.tokenFamilies).values(family).run();
      tx.insert(schema.tokens)
        .values({
          hash: sha256(token),
          kind: 'connection',
          familyId: family.id,
          createdAt: now,
          expiresAt: input.expiresAt,
        })
        .run();
      this.audit.appendTx(tx, {
        event: 'connection_token.created',
        outcome: 'ok',
        teamId: family.teamId,
        userId: family.userId,
        actorEmail: input.actorEmail ?? null,
        familyId: family.id,
        details: { name: family.name, scopes: family.scopes, expires_at: family.expiresAt },
      });
    });
    return { token, family };
  }

  /** The record behind an access or connection token; state is read fresh on every call. */
  bearer(token: string): BearerRecord | undefined {
    if (token.length > 200) return undefined;
    const hash = sha256(token);
    // Exact while the authority epoch stands (src/db/epoch.ts); unknown tokens are not kept.
    return this.bearers.get(
      hash,
      () => {
        const row = this.bearerQuery.get({ hash });
        if (!row) return undefined;
        return {
          tokenHash: row.t.hash,
          kind: row.t.kind as 'access' | 'connection',
          expiresAt: row.t.expiresAt ?? row.f.expiresAt,
          revokedAt: row.t.revokedAt ?? row.f.revokedAt,
          family: row.f,
        };
      },
      (found: BearerRecord | undefined) => found !== undefined,
    );
  }

  private readonly bearers: EpochCache<string, BearerRecord | undefined>;

  /** Counts a request against the family (buffered; see UsageCounter). */
  touch(familyId: string): void {
    this.usage.touch(familyId);
  }

  /** Writes buffered usage counts (before reading them). */
  flushUsage(): void {
    this.usage.flush();
  }

  /** Flushes usage and stops its timer. */
  close(): void {
    this.usage.close();
  }

  /** RFC 7009: revokes the family a token belongs to, if it was issued to this client. */
  revokeToken(token: string, clientId: string | null): { revoked: boolean } {
    const row = this.db
      .select({ f: schema.tokenFamilies })
      .from(schema.tokens)
      .innerJoin(schema.tokenFamilies, eq(schema.tokenFamilies.id, schema.tokens.familyId))
      .where(eq(schema.tokens.hash, sha256(token)))
      .get();
    if (!row || row.f.clientId !== clientId) return { revoked: false };
    this.revokeFamilies([row.f.id], 'revoked by the client');
    return { revoked: true };
  }

  revokeFamilies(familyIds: string[], reason: string): string[] {
    const now = this.clock.now();
    const revoked = this.db.transaction((tx) => this.revokeFamiliesTx(tx, familyIds, reason, now));
    this.publishRevoked(revoked, reason);
    return revoked;
  }

  /** Revokes families (and their tokens) inside a caller's transaction; returns those newly revoked. */
  revokeFamiliesTx(tx: Tx, familyIds: string[], reason: string, now: number): string[] {
    if (familyIds.length === 0) return [];
    const revoked = tx
      .update(schema.tokenFamilies)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(inArray(schema.tokenFamilies.id, familyIds), isNull(schema.tokenFamilies.revokedAt)))
      .returning({ id: schema.tokenFamilies.id })
      .all()
      .map((r) => r.id);
    tx.update(schema.tokens)
      .set({ revokedAt: now })
      .where(and(inArray(schema.tokens.familyId, familyIds), isNull(schema.tokens.revokedAt)))
      .run();
    for (const f of tx
      .select()
      .from(schema.tokenFamilies)
      .where(inArray(schema.tokenFamilies.id, revoked))
      .all()) {
      this.recordTx(tx, 'oauth.tokens_revoked', f, { reason, kind: f.kind });
    }
    return revoked;
  }

  family(familyId: string): Family | undefined {
    this.flushUsage();
    return this.db.select().from(schema.tokenFamilies).where(eq(schema.tokenFamilies.id, familyId)).get();
  }

  /**
   * Of these token families, those that stand: they exist and are not revoked. Reads alone (unlike
   * `family`, no usage flush), a few hundred ids per statement: LiveMcp asks about every live
   * session and stream at once (src/mcp/live.ts, `recheck`).
   */
  standingAmong(familyIds: Iterable<string>): Set<string> {
    const ids = [...new Set(familyIds)];
    const out = new Set<string>();
    for (let i = 0; i < ids.length; i += STANDING_BATCH) {
      for (const row of this.db
        .select({ id: schema.tokenFamilies.id })
        .from(schema.tokenFamilies)
        .where(
          and(
            inArray(schema.tokenFamilies.id, ids.slice(i, i + STANDING_BATCH)),
            isNull(schema.tokenFamilies.revokedAt),
          ),
        )
        .all())
        out.add(row.id);
    }
    return out;
  }

  /** Families for the console: a user's own, or a whole team's (admins); live ones first. */
  listFamilies(filter: { teamId: string; userId?: string }): Family[] {
    this.flushUsage();
    const now = this.clock.now();
    return this.db
      .select()
      .from(schema.tokenFamilies)
      .where(
        and(
          eq(schema.tokenFamilies.teamId, filter.teamId),
          filter.userId ? eq(schema.tokenFamilies.userId, filter.userId) : undefined,
          isNull(schema.tokenFamilies.revokedAt),
          or(isNull(schema.tokenFamilies.expiresAt), gt(schema.tokenFamilies.expiresAt, now)),
        ),
      )
      .orderBy(desc(schema.tokenFamilies.createdAt))
      .all();
  }
}

/** Whether a team is (still) admitted: nothing is minted for an organization that is not a team. */
export function teamAdmittedTx(tx: Tx, teamId: string): boolean {
  const t = tx
    .select({ at: schema.teams.admittedAt })
    .from(schema.teams)
    .where(eq(schema.teams.id, teamId))
    .get();
  return !!t && t.at !== null;
}
