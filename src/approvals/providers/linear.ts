import { exactHost, plainHttpsHost } from './common.ts';
import { isGraphqlWrite } from './graphql.ts';
import type { Provider } from './types.ts';

const HOST = 'api.linear.app';
const allowsHost = exactHost(HOST);

/** Whether `url` is on this provider's API (see `Provider.matchesUrl`). */
function matchesUrl(url: URL): boolean {
  const host = plainHttpsHost(url);
  return host !== undefined && allowsHost(host) && url.pathname === '/graphql';
}

/** Linear's GraphQL API: one endpoint, reads are query documents, everything else writes. */
export const linear: Provider = {
  id: 'linear',
  name: 'Linear',
  description:
    'Linear issue tracking GraphQL API at https://api.linear.app/graphql (POST {"query","variables"}); docs: https://linear.app/developers/graphql',
  example: 'https://api.linear.app/graphql',
  matchesUrl,
  allowsHost,
  isWrite(req) {
    return !matchesUrl(req.url) || isGraphqlWrite(req);
  },
  headers() {
    return { 'Content-Type': 'application/json' };
  },
};
