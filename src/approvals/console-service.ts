import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { ACCESS_LEVELS, type AccessLevel, type GrantStatus } from '../../db/schema/enums.ts';
import type { AppContext } from '../app/context.ts';
import type { AuditEvent } from '../audit/events.ts';
import type { BrowserSession } from '../auth/browser-sessions.ts';
import { refuseImpersonated } from '../auth/console-session.ts';
import { schema } from '../db/client.ts';
import { AppError, isAppError } from '../errors/app-error.ts';
import type { WaitingConfirmation } from '../policy/person-confirmations.ts';
import { whyWrite } from './console-notes.ts';
import { type Approver, type DecisionRules, mayApprove, mayDeny, mayRevoke, type Permit } from './permits.ts';
import { isDemoProvider } from './providers/demo.ts';
import { providerById } from './providers/index.ts';
import { type Grant, isGrantId, linkMatches, secondsLeft } from './store.ts';

/** A signed-in console session bound to a team (what every /approvals action acts for). */
export type TeamSession = BrowserSession & { teamId: string };

/** Whether an action is open to this human, and if not, the reason shown next to the button. */
export interface PermitView {
  allowed: boolean;
  reason?: string;
}

/** Who asked through what: the registered client (never the client's say-so) or the token's name. */
export interface ClientView {
  name: string;
  kind: 'oauth' | 'connection' | 'unknown';
  clientId: string | null;
}

/** One grant as the console shows it. */
export interface GrantView {
  id: string;
  kind: 'broad' | 'call';
  status: GrantStatus;
  requesterEmail: string;
  /** The signed-in human asked for it. */
  own: boolean;
  client: ClientView;
  reason: string;
  providers: { id: string; name: string }[];
  /** Local mode: the providers are "demo provider (local mode)" fakes, not the real APIs. */
  demo: boolean;
  level: AccessLevel | null;
  method: string | null;
  url: string | null;
  body: string | null;
  /** Exact-call grants: the extra headers the call will send; values of credential-like headers masked. */
  headers: { name: string; value: string }[];
  /** Exact-call grants: whether the request changes data (what the provider module says). */
  write: boolean | null;
  /** Pending requests on full pages: what the approver should know about the requester's Pipes connections. */
  pipesNotes?: string[];
  /** Why an exact-call request counts as changing data (shown next to the badge), or null. */
  writeWhy: string | null;
  createdAt: number;
  requestExpiresAt: number;
  decidedAt: number | null;
  expiresAt: number | null;
  consumedAt: number | null;
  revokedAt: number | null;
  /** Seconds until an approved grant ends (0 otherwise). */
  secondsLeft: number;
  /** Seconds until a pending request expires undecided (0 otherwise). */
  requestSecondsLeft: number;
  /** How long a broad grant will last once approved: the team's authority TTL, in minutes. */
  authorityMinutes: number;
  notes: string | null;
  denyReason: string | null;
  approverEmail: string | null;
  revokedByEmail: string | null;
  supersededBy: string | null;
  can: { approve: PermitView; deny: PermitView; revoke: PermitView };
}

export interface TeamApprovals {
  /** Deletions and sign-in changes the signed-in human's agents wait for them to confirm. */
  confirmations: { shown: WaitingConfirmation[]; total: number };
  pending: GrantView[];
  active: GrantView[];
  recent: GrantView[];
  requireDifferent: boolean;
}

/** How many decisions /approvals lists (the store's history cap). */
const RECENT_DECISIONS = 20;

/** When a grant last changed: revoked, used, decided, or lapsed. */
function lastEventAt(v: GrantView): number {
  return v.revokedAt ?? v.consumedAt ?? v.decidedAt ?? v.expiresAt ?? v.requestExpiresAt;
}

/** The approve form: providers (repeated checkbox), level, notes. */
const approveForm = z.object({
  providers: z.array(z.string().min(1).max(40)).max(20),
  level: z.enum(ACCESS_LEVELS, { error: 'Level must be read or write.' }).optional(),
  notes: z.string().optional(),
});

export function approverOf(s: TeamSession): Approver {
  return { userId: s.userId, teamId: s.teamId, email: s.email, permissions: s.permissions };
}

function requireDifferent(ctx: AppContext, teamId: string): boolean {
  return ctx.teams.settings(teamId).requireDifferentApprover;
}

/** The console's view of the team: pending requests, active grants, the last 20 decisions. */
export function teamApprovals(ctx: AppContext, s: TeamSession): TeamApprovals {
  const { pending, active, recent } = ctx.grants.store.forTeam(s.teamId);
  const different = requireDifferent(ctx, s.teamId);
  // Oldest pending first (first come, first served); active by soonest end.
  const views = describe(ctx, s, [...pending, ...active, ...recent], different);
  const byId = new Map(views.map((v) => [v.id, v]));
  const pick = (gs: Grant[]) => gs.map((g) => byId.get(g.id)!);
  return {
    confirmations: ctx.confirmations.person.waitingFor(s.teamId, s.userId),
    pending: pick(pending).reverse(),
    active: pick(active).sort((a, b) => (a.expiresAt ?? 0) - (b.expiresAt ?? 0)),
    // An approval is a decision too: approved grants still running are listed with the history.
    recent: [...pick(active), ...pick(recent)]
      .sort((a, b) => lastEventAt(b) - lastEventAt(a))
      .slice(0, RECENT_DECISIONS),
    requireDifferent: different,
  };
}

/**
 * A grant of the session's team, as the approval link shows it. A pending request needs the
 * link's secret `t` (an unguessable link is part of the binding); a wrong `t` is refused whatever
 * the state. Unknown ids, other teams and bad links are one indistinguishable 404.
 */
export function grantForLink(ctx: AppContext, s: TeamSession, id: string, t: string | null): GrantView {
  const g = findInTeam(ctx, s, id);
  const linkOk = linkMatches(g, t);
  if ((t !== null && !linkOk) || (g.status === 'pending' && !linkOk)) throw notFound();
  return describe(ctx, s, [g], requireDifferent(ctx, s.teamId))[0]!;
}

/** The current view of one grant of the team (after an action, or to show a conflict). */
export function grantView(ctx: AppContext, s: TeamSession, id: string): GrantView | undefined {
  const g = isGrantId(id) ? ctx.grants.store.get(id) : undefined;
  if (!g || g.teamId !== s.teamId) return undefined;
  return describe(ctx, s, [g], requireDifferent(ctx, s.teamId))[0];
}

/** Approves a pending request from the console, narrowed as the form says. */
export function approveFromConsole(
  ctx: AppContext,
  s: TeamSession,
  id: string,
  input: { providers: string[]; level: string | undefined; notes: string | undefined; t: string | undefined },
): GrantView {
  const g = findInTeam(ctx, s, id);
  checkLink(g, input.t);
  const parsed = approveForm.safeParse({
    providers: [...new Set(input.providers)],
    level: input.level || undefined,
    notes: input.notes,
  });
  if (!parsed.success)
    throw new AppError('invalid_input', parsed.error.issues[0]?.message ?? 'Invalid form.');
  const different = requireDifferent(ctx, s.teamId);
  refusalsAudited(ctx, s, 'grant.approve', g, () =>
    ctx.grants.human.approve(g.id, approverOf(s), {
      requireDifferent: different,
      ...(g.kind === 'broad' ? { providers: parsed.data.providers, level: parsed.data.level } : {}),
      notes: parsed.data.notes,
    }),
  );
  return grantView(ctx, s, g.id)!;
}

/** Denies a pending request (the requester may always withdraw their own). */
export function denyFromConsole(
  ctx: AppContext,
  s: TeamSession,
  id: string,
  input: { reason: string | undefined; t: string | undefined },
): GrantView {
  const g = findInTeam(ctx, s, id);
  checkLink(g, input.t);
  const different = requireDifferent(ctx, s.teamId);
  refusalsAudited(ctx, s, 'grant.deny', g, () =>
    ctx.grants.human.deny(g.id, approverOf(s), { requireDifferent: different, reason: input.reason }),
  );
  return grantView(ctx, s, g.id)!;
}

/** Ends an approved grant early. */
export function revokeFromConsole(ctx: AppContext, s: TeamSession, id: string): GrantView {
  const g = findInTeam(ctx, s, id);
  // An impersonated session reads only; giving back a grant of the impersonated person's own is
  // no new authority, ending someone else's is a change made in an admin's name.
  if (g.userId !== s.userId) refuseImpersonated(s, "revoke another person's grant");
  refusalsAudited(ctx, s, 'grant.revoke', g, () => ctx.grants.human.revoke(g.id, approverOf(s)));
  return grantView(ctx, s, g.id)!;
}

function notFound(): AppError {
  return new AppError('not_found', 'There is no such approval request in your team.', {
    hint: 'Open the exact link the agent gave you, signed in to the team it asked in.',
  });
}

function findInTeam(ctx: AppContext, s: TeamSession, id: string): Grant {
  const g = isGrantId(id) ? ctx.grants.store.get(id) : undefined;
  if (!g || g.teamId !== s.teamId) throw notFound();
  return g;
}

/** A decision sent from the approval link must carry that link's secret; the console list sends none. */
function checkLink(g: Grant, t: string | undefined): void {
  if (t !== undefined && t !== '' && !linkMatches(g, t)) throw notFound();
}

/** Runs a decision; a refusal (403) is recorded in the audit trail before it reaches the human. */
function refusalsAudited<T>(ctx: AppContext, s: TeamSession, event: AuditEvent, g: Grant, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (isAppError(e) && e.code === 'forbidden') {
      ctx.audit.append({
        event,
        outcome: 'denied',
        teamId: s.teamId,
        userId: s.userId,
        actorEmail: s.email,
        familyId: g.familyId,
        clientId: g.clientId,
        reason: e.message,
        details: { grant_id: g.id, requester: g.userId },
      });
    }
    throw e;
  }
}

/** Turns grants into views: emails, the registered client, what this human may do. */
function describe(ctx: AppContext, s: TeamSession, grants: Grant[], different: boolean): GrantView[] {
  if (grants.length === 0) return [];
  const rules: DecisionRules = { requireDifferent: different };
  const now = ctx.clock.now();
  const userIds = new Set<string>();
  for (const g of grants) {
    userIds.add(g.userId);
    if (g.approverUserId) userIds.add(g.approverUserId);
    if (g.revokedBy) userIds.add(g.revokedBy);
  }
  const emails = new Map(
    ctx.db
      .select({ id: schema.users.id, email: schema.users.email })
      .from(schema.users)
      .where(inArray(schema.users.id, [...userIds]))
      .all()
      .map((u) => [u.id, u.email]),
  );
  const clients = clientsOf(ctx, [...new Set(grants.map((g) => g.familyId))]);
  const approver = approverOf(s);
  const authorityMinutes = Math.round(ctx.teams.settings(s.teamId).authorityTtlMs / 60_000);
  return grants.map((g) => {
    const pending = g.status === 'pending';
    return {
      id: g.id,
      kind: g.kind,
      status: g.status,
      requesterEmail: emails.get(g.userId) ?? 'unknown user',
      own: g.userId === s.userId,
      client: clients.get(g.familyId) ?? { name: 'unknown client', kind: 'unknown', clientId: g.clientId },
      reason: g.reason,
      providers: g.providers.map((id) => ({ id, name: providerById(id)?.name ?? id })),
      demo: g.providers.some((id) => isDemoProvider(ctx.demoProviders, id)),
      level: g.level,
      method: g.method,
      url: g.url,
      body: g.body,
      headers: Object.entries(g.headers ?? {}).map(([name, value]) => ({
        name,
        value: shownHeaderValue(name, value),
      })),
      write: g.kind === 'call' ? callWrites(g) : null,
      writeWhy: g.kind === 'call' && callWrites(g) ? whyWrite(g) : null,
      createdAt: g.createdAt,
      requestExpiresAt: g.requestExpiresAt,
      decidedAt: g.decidedAt,
      expiresAt: g.expiresAt,
      consumedAt: g.consumedAt,
      revokedAt: g.revokedAt,
      secondsLeft: g.status === 'approved' ? secondsLeft(g, now) : 0,
      requestSecondsLeft: pending ? Math.max(0, Math.floor((g.requestExpiresAt - now) / 1000)) : 0,
      authorityMinutes,
      notes: g.notes,
      denyReason: g.denyReason,
      approverEmail: g.approverUserId ? (emails.get(g.approverUserId) ?? null) : null,
      revokedByEmail: g.revokedBy ? (emails.get(g.revokedBy) ?? null) : null,
      supersededBy: g.supersededBy,
      // The same permits the decisions enforce (src/approvals/permits.ts).
      can: {
        approve: shown(mayApprove(g, approver, rules)),
        deny: shown(mayDeny(g, approver, rules)),
        revoke: shown(mayRevoke(g, approver)),
      },
    };
  });
}

/** A permit as a button shows it: allowed, or the message under the disabled button. */
function shown(p: Permit): PermitView {
  return p.allowed ? { allowed: true } : { allowed: false, reason: p.message };
}

/** Whether an exact-call request writes, as its provider module judges it (unknown ⇒ write). */
function callWrites(g: Grant): boolean {
  const provider = providerById(g.providers[0] ?? '');
  if (!provider || !g.method || !g.url) return true;
  try {
    return provider.isWrite({ method: g.method, url: new URL(g.url), body: g.body ?? undefined });
  } catch {
    return true;
  }
}

/** The registered client behind each token family: the OAuth client's name, or the token's name. */
function clientsOf(ctx: AppContext, familyIds: string[]): Map<string, ClientView> {
  const f = schema.tokenFamilies;
  const rows = ctx.db
    .select({
      id: f.id,
      kind: f.kind,
      name: f.name,
      clientId: f.clientId,
      clientName: schema.oauthClients.clientName,
    })
    .from(f)
    .leftJoin(schema.oauthClients, eq(schema.oauthClients.id, f.clientId))
    .where(inArray(f.id, familyIds))
    .all();
  return new Map(
    rows.map((r) => [
      r.id,
      {
        name: (r.kind === 'oauth' ? r.clientName : r.name) ?? r.clientId ?? 'unnamed',
        kind: r.kind,
        clientId: r.clientId,
      },
    ]),
  );
}

/** Header names whose values look like credentials: the approver sees that they are sent, not what. */
const SECRET_HEADER = /(auth|token|key|secret|session|cookie|signature|password|credential)/i;

function shownHeaderValue(name: string, value: string): string {
  return SECRET_HEADER.test(name) ? `•••• (${value.length} characters, hidden)` : value;
}
