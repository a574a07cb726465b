import { exactHost, plainHttpsHost } from './common.ts';
import type { Provider } from './types.ts';

const HOST = 'slack.com';
const allowsHost = exactHost(HOST);

/** `/api/<method>`, the method being dot-separated names: `chat.postMessage`, `admin.users.list`. */
const PATH = /^\/api\/([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)+)$/;
const READ_SUFFIXES = [
  '.list',
  '.info',
  '.history',
  '.replies',
  '.members',
  '.get',
  '.lookupByEmail',
  '.search',
];
const READ_METHODS = new Set(['auth.test', 'team.info', 'users.profile.get', 'conversations.history']);

/** The Web API method a URL calls, or `undefined`. */
export function slackMethod(url: URL): string | undefined {
  return PATH.exec(url.pathname)?.[1];
}

/** Whether a Slack Web API method only reads (by name; Slack takes GET and POST alike). */
export function isReadSlackMethod(method: string): boolean {
  return (
    READ_METHODS.has(method) || method.startsWith('search.') || READ_SUFFIXES.some((s) => method.endsWith(s))
  );
}

/** Whether `url` is on this provider's API (see `Provider.matchesUrl`). */
function matchesUrl(url: URL): boolean {
  const host = plainHttpsHost(url);
  return host !== undefined && allowsHost(host) && slackMethod(url) !== undefined;
}

/** Slack's Web API: one URL per method, read or write decided by the method's name. */
export const slack: Provider = {
  id: 'slack',
  name: 'Slack',
  description:
    'Slack Web API at https://slack.com/api/<method> (e.g. conversations.list, chat.postMessage); docs: https://api.slack.com/methods',
  example: 'https://slack.com/api/conversations.list',
  matchesUrl,
  allowsHost,
  isWrite(req) {
    if (!matchesUrl(req.url)) return true;
    const method = slackMethod(req.url);
    return method === undefined || !isReadSlackMethod(method);
  },
  headers() {
    return { 'Content-Type': 'application/json; charset=utf-8' };
  },
};
