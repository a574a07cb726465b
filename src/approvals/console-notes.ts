/**
 * What an approval card tells the approver beyond the request itself: why an exact call counts as
 * changing data, and whether the requester's WorkOS Pipes connections can serve it.
 */
import { inArray } from 'drizzle-orm';
import type { AppContext } from '../app/context.ts';
import { schema } from '../db/client.ts';
import { pipesConnections } from '../tools/integrations/connection-status.ts';
import { providerById } from './providers/index.ts';
import type { Grant } from './store.ts';

/** The parts of a card's view the Pipes notes read and set (console-service's GrantView). */
export interface NotedGrant {
  id: string;
  status: string;
  requesterEmail: string;
  own: boolean;
  providers: { id: string; name: string }[];
  pipesNotes?: string[];
}

/** The session's team organization, where Pipes is asked. */
export interface NotesSession {
  organizationId: string | null;
}

/**
 * Why an exact call counts as changing data, for the approver: obvious for a POST that writes,
 * less so for a GET, where the provider's API decides (docs/architecture.md "Human in the loop").
 */
export function whyWrite(g: Pick<Grant, 'providers' | 'method' | 'url'>): string {
  const provider = providerById(g.providers[0] ?? '');
  if (!provider || !g.method || !g.url)
    return 'Gatehouse does not know this API, so it counts any request as a write.';
  let url: URL;
  try {
    url = new URL(g.url);
  } catch {
    return 'The URL does not parse, so Gatehouse counts the request as a write.';
  }
  const method = g.method.toUpperCase();
  if (url.pathname.endsWith('/graphql'))
    return method === 'GET' && !url.searchParams.has('query')
      ? `${provider.name}'s API is GraphQL: a request only reads when it carries a read-only query. This ${method} has none, so Gatehouse cannot tell what it does and counts it as a change.`
      : 'Its GraphQL document is not a read-only query (a mutation, or one Gatehouse cannot check), so it counts as a write.';
  if (provider.id === 'slack')
    return `Slack names the action in the URL (${url.pathname.split('/').pop() ?? ''}), and it is not one of the read methods Gatehouse knows, so it counts as a write whatever the HTTP method.`;
  if (method === 'GET' || method === 'HEAD')
    return `${provider.name} counts this ${method} as a write (the endpoint can change data).`;
  return `A ${method} to ${provider.name} can change data.`;
}

/**
 * What the approver should know about the requester's WorkOS Pipes connections before approving:
 * one sentence per provider of a pending request that is not usable (not connected, disconnected,
 * needing re-authorization, missing scopes). Pipes is asked in the team's organization, as the
 * call itself would be (docs/architecture.md "Human in the loop"; "List providers for a user",
 * https://workos.com/docs/reference/pipes/provider). If Pipes cannot be asked, the card says so.
 */
export async function withPipesNotes(ctx: AppContext, s: NotesSession, views: NotedGrant[]): Promise<void> {
  const notes = await pipesNotes(ctx, s, views);
  // Looked up: an empty list means nothing to say (undefined would ask for it again).
  for (const v of views) if (v.status === 'pending') v.pipesNotes = notes.get(v.id) ?? [];
}

async function pipesNotes(
  ctx: AppContext,
  s: NotesSession,
  views: NotedGrant[],
): Promise<Map<string, string[]>> {
  const notes = new Map<string, string[]>();
  const pending = views.filter((v) => v.status === 'pending');
  if (pending.length === 0 || !s.organizationId) return notes;
  const ids = new Map(
    ctx.db
      .select({ email: schema.users.email, workosUserId: schema.users.workosUserId })
      .from(schema.users)
      .where(inArray(schema.users.email, [...new Set(pending.map((v) => v.requesterEmail))]))
      .all()
      .map((u) => [u.email, u.workosUserId]),
  );
  const lists = new Map<string, Promise<ReturnType<typeof pipesConnections> | undefined>>();
  const listFor = (workosUserId: string) => {
    let l = lists.get(workosUserId);
    if (!l) {
      l = ctx.workos.identity.client.pipes
        .listUserDataProviders({ userId: workosUserId, organizationId: s.organizationId! })
        .then((r) => pipesConnections(r.data))
        .catch(() => undefined);
      lists.set(workosUserId, l);
    }
    return l;
  };
  // One Pipes call per requester, all at once.
  for (const id of ids.values()) void listFor(id);
  for (const v of pending) {
    const workosUserId = ids.get(v.requesterEmail);
    if (!workosUserId) continue;
    const connections = await listFor(workosUserId);
    const who = v.own ? 'You have' : `${v.requesterEmail} has`;
    const whose = v.own ? 'Your' : `${v.requesterEmail}’s`;
    if (!connections) {
      notes.set(v.id, [
        'Gatehouse could not ask WorkOS Pipes whether the provider is connected: the call may still fail after approval.',
      ]);
      continue;
    }
    const lines: string[] = [];
    for (const p of v.providers) {
      const c = connections.get(p.id);
      switch (c?.status ?? 'not_installed') {
        case 'not_installed':
          lines.push(
            `${who} not connected ${p.name} in WorkOS Pipes: the agent's calls fail until it is connected, even if you approve.`,
          );
          break;
        case 'disconnected':
          lines.push(
            `${whose} ${p.name} connection in WorkOS Pipes is disconnected: calls fail until it is connected again.`,
          );
          break;
        case 'needs_reauthorization':
          lines.push(
            `${whose} ${p.name} connection in WorkOS Pipes needs re-authorization: calls fail until it is reconnected.`,
          );
          break;
        default:
          if (c && c.missingScopes.length > 0)
            lines.push(
              `${whose} ${p.name} connection lacks the scopes ${c.missingScopes.join(', ')}: calls that need them fail until it is re-authorized in WorkOS Pipes.`,
            );
      }
    }
    if (lines.length > 0) notes.set(v.id, lines);
  }
  return notes;
}
