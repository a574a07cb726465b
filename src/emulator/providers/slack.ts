/**
 * A small, faithful fake of Slack's Web API (https://api.slack.com/web) for local mode's demo
 * provider: one URL per method under `/api/`, arguments as a query string, a form or JSON, and
 * always `{ ok: true, … }` or `{ ok: false, error }` (https://api.slack.com/web#evaluating_responses):
 * - `auth.test` (https://api.slack.com/methods/auth.test);
 * - `conversations.list` with `limit`, `cursor`, `exclude_archived`
 *   (https://api.slack.com/methods/conversations.list; scope `channels:read`);
 * - `conversations.history` (https://api.slack.com/methods/conversations.history; `channels:history`);
 * - `chat.postMessage` with `channel` and `text` (https://api.slack.com/methods/chat.postMessage;
 *   `chat:write`): `channel_not_found`, `no_text`, `is_archived`.
 * No token is `not_authed`, a wrong one `invalid_auth`, a scope the token lacks `missing_scope`
 * with `needed` and `provided` (https://api.slack.com/authentication/token-types).
 */
import { bearerOf, type TokenCheck } from './auth.ts';
import { jsonAnswer } from './http.ts';
import { type SlackWorkspace, seedSlack, slackTs } from './slack-seed.ts';

const NEEDS: Record<string, string> = {
  'conversations.list': 'channels:read',
  'conversations.info': 'channels:read',
  'conversations.history': 'channels:history',
  'chat.postMessage': 'chat:write',
};

/** The method's arguments: query string, then a form or JSON body. */
async function argsOf(req: Request, url: URL): Promise<Record<string, unknown> | undefined> {
  const args: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (req.method !== 'POST') return args;
  const type = req.headers.get('content-type') ?? '';
  const text = await req.text();
  if (text.trim() === '') return args;
  if (type.includes('application/json')) {
    try {
      const v: unknown = JSON.parse(text);
      if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
      return { ...args, ...(v as Record<string, unknown>) };
    } catch {
      return undefined;
    }
  }
  return { ...args, ...Object.fromEntries(new URLSearchParams(text)) };
}

export interface SlackFake {
  workspace: SlackWorkspace;
  handle(req: Request): Promise<Response>;
}

export function createSlackFake(check: TokenCheck, now: () => number = Date.now): SlackFake {
  const workspace = seedSlack(now());
  const fail = (error: string, extra: Record<string, unknown> = {}) =>
    jsonAnswer({ ok: false, error, ...extra });
  const channelView = (c: SlackWorkspace['channels'][number]) => ({
    id: c.id,
    name: c.name,
    is_channel: true,
    is_private: false,
    is_archived: c.archived,
    is_general: c.name === 'general',
    is_member: true,
    created: c.created,
    creator: workspace.users[0]!.id,
    topic: { value: c.topic, creator: '', last_set: 0 },
    purpose: { value: c.purpose, creator: '', last_set: 0 },
    num_members: workspace.users.length,
  });
  const findChannel = (v: unknown) =>
    typeof v === 'string'
      ? workspace.channels.find((c) => c.id === v || `#${c.name}` === v || c.name === v)
      : undefined;

  return {
    workspace,
    async handle(req) {
      const url = new URL(req.url);
      const method = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname)?.[1];
      if (!method) return jsonAnswer({ ok: false, error: 'unknown_method' }, 404);
      const token = bearerOf(req);
      if (!token) return fail('not_authed');
      const caller = check(token);
      if (!caller) return fail('invalid_auth');
      const user = workspace.users.find((u) => u.account === caller.account) ?? workspace.users[0]!;
      const needed = NEEDS[method];
      if (needed && !caller.scopes.includes(needed))
        return fail('missing_scope', { needed, provided: caller.scopes.join(',') });
      const args = await argsOf(req, url);
      if (!args) return fail('invalid_json');
      switch (method) {
        case 'auth.test':
          return jsonAnswer({
            ok: true,
            url: `https://${workspace.domain}.slack.com/`,
            team: workspace.name,
            user: user.name,
            team_id: workspace.id,
            user_id: user.id,
          });
        case 'conversations.list': {
          const limit = Math.min(1000, Math.max(1, Number(args.limit ?? 100) || 100));
          const excludeArchived = args.exclude_archived === true || args.exclude_archived === 'true';
          const all = workspace.channels.filter((c) => !(excludeArchived && c.archived));
          const start = args.cursor ? all.findIndex((c) => c.id === args.cursor) : 0;
          if (start === -1) return fail('invalid_cursor');
          const next = all[start + limit];
          return jsonAnswer({
            ok: true,
            channels: all.slice(start, start + limit).map(channelView),
            response_metadata: { next_cursor: next?.id ?? '' },
          });
        }
        case 'conversations.info': {
          const channel = findChannel(args.channel);
          return channel
            ? jsonAnswer({ ok: true, channel: channelView(channel) })
            : fail('channel_not_found');
        }
        case 'conversations.history': {
          const channel = findChannel(args.channel);
          if (!channel) return fail('channel_not_found');
          const limit = Math.min(999, Math.max(1, Number(args.limit ?? 100) || 100));
          const messages = [...channel.messages].reverse();
          return jsonAnswer({
            ok: true,
            messages: messages
              .slice(0, limit)
              .map((m) => ({ type: 'message', user: m.user, text: m.text, ts: m.ts })),
            has_more: messages.length > limit,
            response_metadata: { next_cursor: '' },
          });
        }
        case 'chat.postMessage': {
          const channel = findChannel(args.channel);
          if (!channel) return fail('channel_not_found');
          if (channel.archived) return fail('is_archived');
          if (typeof args.text !== 'string' || args.text.trim() === '') return fail('no_text');
          const ts = slackTs(now(), channel.messages.length);
          channel.messages.push({ user: user.id, text: args.text, ts });
          return jsonAnswer({
            ok: true,
            channel: channel.id,
            ts,
            message: { type: 'message', user: user.id, text: args.text, ts, team: workspace.id },
          });
        }
        default:
          return fail('unknown_method');
      }
    },
  };
}
