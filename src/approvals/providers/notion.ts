import { exactHost, methodOf, plainHttpsHost } from './common.ts';
import type { Provider } from './types.ts';

const HOST = 'api.notion.com';
const allowsHost = exactHost(HOST);

/** Notion object ids: UUIDs with or without dashes. Nothing that could be a path trick (`%`, `.`). */
const ID = '[A-Za-z0-9-]+';
/** POST endpoints that only read (search and database / data source queries). */
const READ_POSTS = [
  /^\/v1\/search$/,
  new RegExp(`^/v1/databases/${ID}/query$`),
  new RegExp(`^/v1/data_sources/${ID}/query$`),
];

/** Whether `url` is on this provider's API (see `Provider.matchesUrl`). */
function matchesUrl(url: URL): boolean {
  const host = plainHttpsHost(url);
  return host !== undefined && allowsHost(host) && url.pathname.startsWith('/v1/');
}

/** Notion's public REST API, version 2022-06-28. */
export const notion: Provider = {
  id: 'notion',
  name: 'Notion',
  description:
    'Notion REST API at https://api.notion.com/v1 (pages, databases, blocks, search); docs: https://developers.notion.com/reference',
  example: 'https://api.notion.com/v1/search',
  matchesUrl,
  allowsHost,
  isWrite(req) {
    if (!matchesUrl(req.url)) return true;
    const method = methodOf(req.method);
    if (method === 'GET') return false;
    if (method === 'POST') return !READ_POSTS.some((re) => re.test(req.url.pathname));
    return true;
  },
  headers() {
    return { 'Notion-Version': '2022-06-28', 'Content-Type': 'application/json' };
  },
};
