import { methodOf, own, parseJsonObject, plainHttpsHost } from './common.ts';
import { isReadOnlySql } from './sql.ts';
import type { Provider } from './types.ts';

/**
 * `<account>.snowflakecomputing.com`, where the account (locator or org-account name) may carry
 * region, cloud or `privatelink` segments: `xy12345.us-east-2.aws.snowflakecomputing.com`.
 */
const HOST = /^[a-z0-9_-]+(\.[a-z0-9-]+)*\.snowflakecomputing\.com$/;
/** The SQL API: submit, then status / result / cancel of a statement handle (a UUID). */
const PATH = /^\/api\/v2\/statements(\/[A-Za-z0-9-]+(\/cancel)?)?$/;
const SUBMIT = '/api/v2/statements';

const allowsHost = (host: string): boolean => host.length <= 253 && HOST.test(host.toLowerCase());

/**
 * The account host a Pipes connection names: its `account` setting
 * (https://workos.com/docs/reference/pipes/connected-account), when that makes a valid host.
 */
export function connectedAccountHost(config: Record<string, string> | undefined): string | undefined {
  const account = config?.account?.toLowerCase();
  const host = account ? `${account}.snowflakecomputing.com` : undefined;
  return host && allowsHost(host) ? host : undefined;
}

/** Whether `url` is on this provider's API (see `Provider.matchesUrl`). */
function matchesUrl(url: URL): boolean {
  const host = plainHttpsHost(url);
  return host !== undefined && allowsHost(host) && PATH.test(url.pathname);
}

/** Snowflake's SQL API v2, on the customer's account host. */
export const snowflake: Provider = {
  id: 'snowflake',
  name: 'Snowflake',
  description:
    'Snowflake SQL API v2 at https://<account>.snowflakecomputing.com/api/v2/statements (POST {"statement": "SELECT …"}, then GET the statement handle); docs: https://docs.snowflake.com/en/developer-guide/sql-api/reference',
  example: 'https://myorg-myaccount.snowflakecomputing.com/api/v2/statements',
  matchesUrl,
  allowsHost,
  isWrite(req) {
    if (!matchesUrl(req.url)) return true;
    const method = methodOf(req.method);
    // Status and results of a submitted statement.
    if (method === 'GET') return false;
    if (method !== 'POST' || req.url.pathname !== SUBMIT) return true;
    const body = parseJsonObject(req.body);
    const statement = body === undefined ? undefined : own(body, 'statement');
    return typeof statement !== 'string' || !isReadOnlySql(statement);
  },
  headers() {
    return {
      'X-Snowflake-Authorization-Token-Type': 'OAUTH',
      Accept: 'application/json',
      'Content-Type': 'application/json',
    };
  },
};
