import { exactHost, methodOf, plainHttpsHost } from './common.ts';
import { isGraphqlWrite } from './graphql.ts';
import type { Provider } from './types.ts';

const HOST = 'api.github.com';
const allowsHost = exactHost(HOST);

/** Whether `url` is on this provider's API (see `Provider.matchesUrl`). */
function matchesUrl(url: URL): boolean {
  const host = plainHttpsHost(url);
  return host !== undefined && allowsHost(host) && url.pathname.startsWith('/');
}

/** GitHub's REST API and its GraphQL endpoint `/graphql`. */
export const github: Provider = {
  id: 'github',
  name: 'GitHub',
  description:
    'GitHub REST API at https://api.github.com (GraphQL at POST https://api.github.com/graphql); docs: https://docs.github.com/en/rest',
  example: 'https://api.github.com/repos/OWNER/REPO/issues?state=open',
  matchesUrl,
  allowsHost,
  isWrite(req) {
    if (!matchesUrl(req.url)) return true;
    // The GraphQL endpoint is judged by its document whatever the method, so that a GET carrying
    // `?query=mutation…` is not waved through as a read.
    if (req.url.pathname === '/graphql') return isGraphqlWrite(req);
    const method = methodOf(req.method);
    return method !== 'GET' && method !== 'HEAD';
  },
  headers() {
    return { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' };
  },
};
