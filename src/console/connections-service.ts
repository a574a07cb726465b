import { and, count, desc, eq, gt, isNull, lt, lte, or } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { BrowserSession } from '../auth/browser-sessions.ts';
import { refuseImpersonated } from '../auth/console-session.ts';
import { MAX_CONNECTION_TOKENS_PER_USER } from '../config/constants.ts';
import { schema } from '../db/client.ts';
import { AppError } from '../errors/app-error.ts';
import { displayTextProblem } from '../oauth/clients/display-text.ts';
import { teamKilledError } from '../oauth/codes.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Lifetimes a connection token may be given in the console, in days ('never' = no expiry). */
export const CONNECTION_TOKEN_EXPIRIES = ['never', '7', '30', '90'] as const;
/** What a connection token may reach: every tool the human's role allows, or read-only tools. */
export const CONNECTION_TOKEN_ACCESS = ['mcp', 'mcp:read'] as const;
export const CONNECTION_TOKEN_NAME_MAX = 100;

/** The create form (docs/architecture.md "Trust model" "Connection tokens"); messages are shown to the human as they are. */
export const connectionTokenForm = z.object({
  name: z
    .string({ error: 'Name is required.' })
    .trim()
    .min(1, 'Name is required.')
    .max(CONNECTION_TOKEN_NAME_MAX, `Name must be at most ${CONNECTION_TOKEN_NAME_MAX} characters.`)
    // As client names (RFC 7591 display text): no control, bidirectional or invisible character,
    // which could make a token look like another in the list an admin revokes from.
    .superRefine((s, ctx) => {
      const problem = displayTextProblem(s, 'the connections list');
      if (problem) ctx.addIssue({ code: 'custom', message: `Name ${problem}.` });
    }),
  expiry: z.enum(CONNECTION_TOKEN_EXPIRIES, { error: 'Expiry must be never, 7, 30 or 90 days.' }),
  access: z.enum(CONNECTION_TOKEN_ACCESS, { error: 'Access must be mcp or mcp:read.' }),
});
export type ConnectionTokenInput = z.infer<typeof connectionTokenForm>;

/** One live authorization or connection token, as the console lists it. */
export interface ConnectionEntry {
  familyId: string;
  kind: 'oauth' | 'connection';
  /** The registered client's name (never the client's say-so at connect time), or the token's name. */
  name: string;
  clientId: string | null;
  userEmail: string;
  own: boolean;
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  requestCount: number;
}

/** A signed-in session bound to a team (what every /connections action acts for). */
export type TeamSession = BrowserSession & { teamId: string };

export function isTeamAdmin(s: BrowserSession): boolean {
  return s.permissions.includes('gatehouse:admin');
}

/** Rows per table on /connections (clients and tokens are paged apart). */
export const CONNECTIONS_PAGE_SIZE = 50;

/** Where each table's page starts: after this family (newest first), or at the newest. */
export interface ConnectionsCursor {
  oauth?: string;
  connection?: string;
}

export interface ConnectionsPage {
  entries: ConnectionEntry[];
  /** The family the "Older" link of each table starts after, when older ones exist. */
  older: ConnectionsCursor;
}

/**
 * Live (unrevoked, unexpired) token families in the session's team: the human's own, or —
 * for team admins — everyone's. One page per kind, newest first by (created_at, id), keyset:
 * the (team, kind, created_at) index of live families reads only the page's rows.
 */
export function listConnections(
  ctx: AppContext,
  s: TeamSession,
  cursor: ConnectionsCursor = {},
): ConnectionsPage {
  ctx.oauth.tokens.flushUsage();
  const entries: ConnectionEntry[] = [];
  const older: ConnectionsCursor = {};
  for (const kind of ['oauth', 'connection'] as const) {
    const rows = queryEntries(ctx, s, { everyone: isTeamAdmin(s), kind, after: cursor[kind] });
    if (rows.length > CONNECTIONS_PAGE_SIZE) {
      rows.length = CONNECTIONS_PAGE_SIZE;
      older[kind] = rows.at(-1)!.familyId;
    }
    entries.push(...rows);
  }
  return { entries, older };
}

function queryEntries(
  ctx: AppContext,
  s: TeamSession,
  filter: { everyone: boolean; familyId?: string; kind?: 'oauth' | 'connection'; after?: string },
): ConnectionEntry[] {
  const f = schema.tokenFamilies;
  const now = ctx.clock.now();
  const start = filter.after
    ? ctx.db.select({ createdAt: f.createdAt }).from(f).where(eq(f.id, filter.after)).get()
    : undefined;
  const rows = ctx.db
    .select({ f, email: schema.users.email, clientName: schema.oauthClients.clientName })
    .from(f)
    .innerJoin(schema.users, eq(schema.users.id, f.userId))
    .leftJoin(schema.oauthClients, eq(schema.oauthClients.id, f.clientId))
    .where(
      and(
        eq(f.teamId, s.teamId),
        filter.everyone ? undefined : eq(f.userId, s.userId),
        filter.familyId ? eq(f.id, filter.familyId) : undefined,
        filter.kind ? eq(f.kind, filter.kind) : undefined,
        start && filter.after
          ? and(
              lte(f.createdAt, start.createdAt),
              or(lt(f.createdAt, start.createdAt), lt(f.id, filter.after)),
            )
          : undefined,
        isNull(f.revokedAt),
        or(isNull(f.expiresAt), gt(f.expiresAt, now)),
      ),
    )
    .orderBy(desc(f.createdAt), desc(f.id))
    .limit(filter.kind ? CONNECTIONS_PAGE_SIZE + 1 : 1)
    .all();
  return rows.map(({ f: row, email, clientName }) => ({
    familyId: row.id,
    kind: row.kind,
    name: (row.kind === 'oauth' ? clientName : row.name) ?? row.clientId ?? 'unnamed',
    clientId: row.clientId,
    userEmail: email,
    own: row.userId === s.userId,
    scopes: row.scopes,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    requestCount: row.requestCount,
  }));
}

/**
 * Creates a named connection token for the session's human and team; the token is returned once.
 * Refused while the team's kill switch is pulled: a token minted then would come back to life
 * when MCP is re-enabled, which the kill switch promises never happens.
 */
export function createConnectionToken(
  ctx: AppContext,
  s: TeamSession,
  input: ConnectionTokenInput,
): { token: string; name: string; expiresAt: number | null; scopes: string[] } {
  // Checked and minted with no await in between: a kill switch cannot slip between the two.
  if (ctx.teams.settings(s.teamId).killedAt !== null) {
    ctx.audit.append({
      event: 'connection_token.created',
      outcome: 'denied',
      teamId: s.teamId,
      userId: s.userId,
      actorEmail: s.email,
      reason: 'team_killed',
      details: { name: input.name },
    });
    throw teamKilledError(s.teamName ?? 'your team', 'no connection token can be created for it');
  }
  refuseOverQuota(ctx, s);
  const expiresAt = input.expiry === 'never' ? null : ctx.clock.now() + Number(input.expiry) * DAY_MS;
  const { token, family } = ctx.oauth.tokens.createConnectionToken({
    userId: s.userId,
    teamId: s.teamId,
    name: input.name,
    scopes: [input.access],
    resource: ctx.oauth.resource,
    expiresAt,
    actorEmail: s.email,
    impersonator: s.impersonator,
  });
  return { token, name: input.name, expiresAt, scopes: family.scopes };
}

/** Live connection tokens a human holds in a team (what MAX_CONNECTION_TOKENS_PER_USER bounds). */
export function liveConnectionTokens(ctx: AppContext, userId: string, teamId: string): number {
  const f = schema.tokenFamilies;
  const now = ctx.clock.now();
  const row = ctx.db
    .select({ n: count() })
    .from(f)
    .where(
      and(
        eq(f.teamId, teamId),
        eq(f.userId, userId),
        eq(f.kind, 'connection'),
        isNull(f.revokedAt),
        or(isNull(f.expiresAt), gt(f.expiresAt, now)),
      ),
    )
    .get();
  return row?.n ?? 0;
}

/**
 * Each human holds at most MAX_CONNECTION_TOKENS_PER_USER live connection tokens in a team: one
 * more is refused (409) with what to do about it. Counted and minted with no await in between,
 * so two concurrent requests cannot both take the last place.
 */
function refuseOverQuota(ctx: AppContext, s: TeamSession): void {
  const held = liveConnectionTokens(ctx, s.userId, s.teamId);
  if (held < MAX_CONNECTION_TOKENS_PER_USER) return;
  throw new AppError(
    'conflict',
    `You already have ${held} live connection tokens in this team, the most one person may hold (${MAX_CONNECTION_TOKENS_PER_USER}). Revoke one you no longer use below, then create the new one.`,
    { hint: 'Agents that can sign in with OAuth do not need a connection token at all.' },
  );
}

/**
 * Revokes one authorization or connection token (and closes its MCP sessions). Humans revoke
 * their own; team admins anyone's in their team. Revoking an OAuth authorization also forgets
 * the consent for that client, so the next authorization asks again.
 */
export function revokeConnection(ctx: AppContext, s: TeamSession, familyId: string): ConnectionEntry {
  const family = ctx.oauth.tokens.family(familyId);
  // Another team's, already revoked or expired: not something this page shows.
  const entry = family ? queryEntries(ctx, s, { everyone: true, familyId })[0] : undefined;
  if (!family || !entry) {
    throw new AppError('not_found', 'There is no such connection in your team (it may already be revoked).');
  }
  if (family.userId !== s.userId && !isTeamAdmin(s)) {
    ctx.audit.append({
      event: 'token_family.revoked',
      outcome: 'denied',
      teamId: s.teamId,
      userId: s.userId,
      actorEmail: s.email,
      familyId: family.id,
      clientId: family.clientId,
      reason: 'not the owner and not a team admin',
    });
    throw new AppError('forbidden', 'Only a team admin can revoke another person’s connection.');
  }
  // An impersonated admin may end the impersonated human's own connections, nobody else's.
  if (family.userId !== s.userId) refuseImpersonated(s, 'revoke another person’s connection');
  // One transaction: the consent is forgotten, the tokens die and the audit says who did it.
  const reason = `revoked in the console by ${s.email}`;
  const revoked = ctx.db.transaction((tx) => {
    if (family.kind === 'oauth' && family.clientId)
      ctx.oauth.consents.revokeTx(tx, family.userId, family.teamId, family.clientId);
    const ids = ctx.oauth.tokens.revokeFamiliesTx(tx, [family.id], reason, ctx.clock.now());
    ctx.audit.appendTx(tx, {
      event: 'token_family.revoked',
      outcome: 'ok',
      teamId: s.teamId,
      userId: s.userId,
      actorEmail: s.email,
      familyId: family.id,
      clientId: family.clientId,
      details: { kind: family.kind, owner: entry.userEmail, consent_forgotten: family.kind === 'oauth' },
    });
    return ids;
  });
  ctx.oauth.tokens.publishRevoked(revoked, reason);
  return entry;
}
