import { describe, expect, test } from 'bun:test';
import { github } from '../../src/approvals/providers/github.ts';
import { PROVIDERS, providerById, providerForUrl } from '../../src/approvals/providers/index.ts';
import { linear } from '../../src/approvals/providers/linear.ts';
import { notion } from '../../src/approvals/providers/notion.ts';
import { slack } from '../../src/approvals/providers/slack.ts';
import { snowflake } from '../../src/approvals/providers/snowflake.ts';
import { isReadOnlySql } from '../../src/approvals/providers/sql.ts';
import type { Provider, ProviderRequest } from '../../src/approvals/providers/types.ts';

const req = (method: string, url: string, body?: string): ProviderRequest => ({
  method,
  url: new URL(url),
  body,
});
const gql = (query: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ query, ...extra });
const matches = (p: Provider, url: string): boolean => p.matchesUrl(new URL(url));

/**
 * URLs every provider must refuse, built around one of its good URLs. `wildcard` providers (Snowflake)
 * own every account name under their domain, so `evil<host>` is one of theirs and is left out.
 */
function lookAlikes(good: string, wildcard = false): string[] {
  const u = new URL(good);
  const host = u.hostname;
  const rest = u.pathname + u.search;
  return [
    `http://${host}${rest}`,
    `https://${host}:8443${rest}`,
    `https://${host}:80${rest}`,
    `https://user@${host}${rest}`,
    `https://user:pw@${host}${rest}`,
    `https://${host}@evil.com${rest}`,
    `https://${host}.evil.com${rest}`,
    `https://evil.com/${host}${rest}`,
    ...(wildcard ? [] : [`https://evil${host}${rest}`]),
    `https://${host}.${rest}`,
    `wss://${host}${rest}`,
  ];
}

describe('providers — registry', () => {
  test('registry — lists the five Pipes providers with the fields agents see', () => {
    expect(PROVIDERS.map((p) => p.id)).toEqual(['linear', 'notion', 'snowflake', 'github', 'slack']);
    for (const p of PROVIDERS) {
      expect(p.name.length).toBeGreaterThan(0);
      expect(p.description).toContain('https://');
      expect(p.matchesUrl(new URL(p.example))).toBe(true);
    }
  });

  test('providerById — finds by slug, undefined for an unknown slug', () => {
    expect(providerById('notion')).toBe(notion);
    expect(providerById('jira')).toBeUndefined();
  });

  test('providerForUrl — picks the provider whose API the URL belongs to', () => {
    expect(providerForUrl(new URL('https://api.linear.app/graphql'))).toBe(linear);
    expect(providerForUrl(new URL('https://api.notion.com/v1/pages/abc'))).toBe(notion);
    expect(
      providerForUrl(new URL('https://xy12345.us-east-2.aws.snowflakecomputing.com/api/v2/statements')),
    ).toBe(snowflake);
    expect(providerForUrl(new URL('https://api.github.com/user'))).toBe(github);
    expect(providerForUrl(new URL('https://slack.com/api/chat.postMessage'))).toBe(slack);
  });

  test('providerForUrl — undefined for unknown hosts and look-alikes', () => {
    for (const url of [
      'https://example.com/graphql',
      'https://api.linear.app.evil.com/graphql',
      'https://evil.com/api.github.com/user',
      'https://api.github.com@evil.com/user',
      'https://snowflakecomputing.com/api/v2/statements',
      'https://hooks.slack.com/api/chat.postMessage',
      'http://api.github.com/user',
    ]) {
      expect(providerForUrl(new URL(url))).toBeUndefined();
    }
  });
});

describe('linear', () => {
  const URL_ = 'https://api.linear.app/graphql';

  test('matchesUrl — accepts the GraphQL endpoint, any case of host, explicit :443', () => {
    expect(matches(linear, URL_)).toBe(true);
    expect(matches(linear, 'https://API.LINEAR.APP/graphql')).toBe(true);
    expect(matches(linear, 'https://api.linear.app:443/graphql')).toBe(true);
    expect(matches(linear, 'https://api.linear.app/graphql?query=%7Bviewer%7Bid%7D%7D')).toBe(true);
  });

  test('matchesUrl — refuses look-alikes, http, ports, userinfo and other paths', () => {
    for (const url of [
      ...lookAlikes(URL_),
      'https://api.linear.app/',
      'https://api.linear.app/graphql/',
      'https://api.linear.app/graphql/x',
      'https://api.linear.app/oauth/token',
      'https://linear.app/graphql',
      'https://api.linear.app/graphql#frag',
    ]) {
      expect({ url, ok: matches(linear, url) }).toEqual({ url, ok: false });
    }
  });

  test('allowsHost — only api.linear.app', () => {
    expect(linear.allowsHost('api.linear.app')).toBe(true);
    expect(linear.allowsHost('API.Linear.app')).toBe(true);
    expect(linear.allowsHost('api.linear.app.evil.com')).toBe(false);
    expect(linear.allowsHost('linear.app')).toBe(false);
  });

  test('isWrite — a query is a read', () => {
    expect(linear.isWrite(req('POST', URL_, gql('query Me { viewer { id name } }')))).toBe(false);
    expect(
      linear.isWrite(req('POST', URL_, gql('{ issues(first: 5) { nodes { id } } }', { variables: {} }))),
    ).toBe(false);
  });

  test('isWrite — a query using fragments is a read', () => {
    const doc = 'query Q { viewer { ...U } } fragment U on User { id name }';
    expect(linear.isWrite(req('POST', URL_, gql(doc)))).toBe(false);
    const inline = 'query Q { node(id: "x") { ... on Issue { title } } }';
    expect(linear.isWrite(req('POST', URL_, gql(inline)))).toBe(false);
  });

  test('isWrite — a mutation is a write', () => {
    const doc = 'mutation { issueCreate(input: { title: "x", teamId: "t" }) { success } }';
    expect(linear.isWrite(req('POST', URL_, gql(doc)))).toBe(true);
  });

  test('isWrite — a query next to a mutation is a write even when operationName names the query', () => {
    const doc = 'query Read { viewer { id } } mutation Sneak { issueDelete(id: "x") { success } }';
    expect(linear.isWrite(req('POST', URL_, gql(doc, { operationName: 'Read' })))).toBe(true);
  });

  test('isWrite — a subscription is a write', () => {
    expect(linear.isWrite(req('POST', URL_, gql('subscription { issueUpdated { id } }')))).toBe(true);
  });

  test('isWrite — a mutation hidden in a fragment-using document is a write', () => {
    const doc =
      'query Q { viewer { ...U } } fragment U on User { id } mutation M { ...D } fragment D on Mutation { issueDelete(id: "x") { success } }';
    expect(linear.isWrite(req('POST', URL_, gql(doc, { operationName: 'Q' })))).toBe(true);
    // A fragment on the Mutation root spread into a query is a write too.
    const spread = 'query Q { ...D } fragment D on Mutation { issueDelete(id: "x") { success } }';
    expect(linear.isWrite(req('POST', URL_, gql(spread)))).toBe(true);
    const inline = 'query Q { viewer { id } ... on Mutation { issueDelete(id: "x") { success } } }';
    expect(linear.isWrite(req('POST', URL_, gql(inline)))).toBe(true);
  });

  test('isWrite — invalid GraphQL, an empty document or schema definitions are writes', () => {
    expect(linear.isWrite(req('POST', URL_, gql('query { viewer { id }')))).toBe(true);
    expect(linear.isWrite(req('POST', URL_, gql('')))).toBe(true);
    expect(linear.isWrite(req('POST', URL_, gql('type Mutation { x: Int }')))).toBe(true);
  });

  test('isWrite — a body that is not JSON, lacks query or has a non-string query is a write', () => {
    expect(linear.isWrite(req('POST', URL_, 'query { viewer { id } }'))).toBe(true);
    expect(linear.isWrite(req('POST', URL_, undefined))).toBe(true);
    expect(linear.isWrite(req('POST', URL_, JSON.stringify({ variables: {} })))).toBe(true);
    expect(linear.isWrite(req('POST', URL_, gql(['{ viewer { id } }'])))).toBe(true);
    expect(linear.isWrite(req('POST', URL_, JSON.stringify([{ query: '{ viewer { id } }' }])))).toBe(true);
    expect(linear.isWrite(req('POST', URL_, 'null'))).toBe(true);
  });

  test('isWrite — a body repeating "query" is a write whichever value is read-only', () => {
    const dup = '{"query":"mutation { issueDelete(id: \\"x\\") { success } }","query":"{ viewer { id } }"}';
    expect(linear.isWrite(req('POST', URL_, dup))).toBe(true);
    const escaped = '{"query":"mutation { a }","\\u0071uery":"{ viewer { id } }"}';
    expect(linear.isWrite(req('POST', URL_, escaped))).toBe(true);
  });

  test('isWrite — a "query" key inside variables does not count as a duplicate', () => {
    const body =
      '{"query":"query ($q: String) { issueSearch(query: $q) { nodes { id } } }","variables":{"query":"x"}}';
    expect(linear.isWrite(req('POST', URL_, body))).toBe(false);
  });

  test('isWrite — a POST with a mutation in the URL query string is a write', () => {
    const url = `${URL_}?query=${encodeURIComponent('mutation { issueDelete(id: "x") { success } }')}`;
    expect(linear.isWrite(req('POST', url, gql('{ viewer { id } }')))).toBe(true);
  });

  test('isWrite — GET ?query= follows the same rule', () => {
    const q = (doc: string) => `${URL_}?query=${encodeURIComponent(doc)}`;
    expect(linear.isWrite(req('GET', q('{ viewer { id } }')))).toBe(false);
    expect(linear.isWrite(req('GET', q('mutation { issueDelete(id: "x") { success } }')))).toBe(true);
    expect(linear.isWrite(req('GET', URL_))).toBe(true);
    expect(
      linear.isWrite(req('GET', `${q('{ viewer { id } }')}&query=${encodeURIComponent('mutation { a }')}`)),
    ).toBe(true);
  });

  test('isWrite — other methods and foreign URLs are writes', () => {
    for (const m of ['PUT', 'PATCH', 'DELETE', 'HEAD']) {
      expect(linear.isWrite(req(m, URL_, gql('{ viewer { id } }')))).toBe(true);
    }
    expect(linear.isWrite(req('POST', 'https://api.linear.app/other', gql('{ viewer { id } }')))).toBe(true);
  });

  test('isWrite — a lower-case method is read like its upper-case form', () => {
    expect(linear.isWrite(req('post', URL_, gql('{ viewer { id } }')))).toBe(false);
  });

  test('headers — JSON content type', () => {
    expect(linear.headers(req('POST', URL_, gql('{ viewer { id } }')))).toEqual({
      'Content-Type': 'application/json',
    });
  });
});

describe('notion', () => {
  const ID = '1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6';

  test('matchesUrl — accepts /v1/ paths on api.notion.com', () => {
    expect(matches(notion, 'https://api.notion.com/v1/search')).toBe(true);
    expect(matches(notion, `https://api.notion.com/v1/pages/${ID}`)).toBe(true);
    expect(matches(notion, 'https://api.notion.com/v1/users?page_size=10')).toBe(true);
  });

  test('matchesUrl — refuses look-alikes and paths outside /v1/', () => {
    for (const url of [
      ...lookAlikes('https://api.notion.com/v1/search'),
      'https://api.notion.com/v1',
      'https://api.notion.com/v2/search',
      'https://api.notion.com/',
      'https://api.notion.com/v1/../oauth/token',
      'https://www.notion.com/v1/search',
      'https://notion.com/v1/search',
    ]) {
      expect({ url, ok: matches(notion, url) }).toEqual({ url, ok: false });
    }
  });

  test('isWrite — GET is a read', () => {
    expect(notion.isWrite(req('GET', `https://api.notion.com/v1/pages/${ID}`))).toBe(false);
    expect(notion.isWrite(req('GET', `https://api.notion.com/v1/blocks/${ID}/children`))).toBe(false);
  });

  test('isWrite — search and database / data source queries are reads', () => {
    expect(notion.isWrite(req('POST', 'https://api.notion.com/v1/search', '{"query":"roadmap"}'))).toBe(
      false,
    );
    expect(notion.isWrite(req('POST', `https://api.notion.com/v1/databases/${ID}/query`, '{}'))).toBe(false);
    expect(
      notion.isWrite(
        req('POST', `https://api.notion.com/v1/data_sources/${ID.replaceAll('-', '')}/query`, '{}'),
      ),
    ).toBe(false);
  });

  test('isWrite — page updates, creations, deletions and other POSTs are writes', () => {
    expect(notion.isWrite(req('PATCH', `https://api.notion.com/v1/pages/${ID}`, '{"archived":true}'))).toBe(
      true,
    );
    expect(notion.isWrite(req('POST', 'https://api.notion.com/v1/pages', '{}'))).toBe(true);
    expect(notion.isWrite(req('DELETE', `https://api.notion.com/v1/blocks/${ID}`))).toBe(true);
    expect(notion.isWrite(req('PUT', 'https://api.notion.com/v1/search', '{}'))).toBe(true);
    expect(notion.isWrite(req('POST', 'https://api.notion.com/v1/databases', '{}'))).toBe(true);
    expect(notion.isWrite(req('POST', 'https://api.notion.com/v1/search/', '{}'))).toBe(true);
    expect(notion.isWrite(req('POST', `https://api.notion.com/v1/databases/${ID}/query/x`, '{}'))).toBe(true);
    expect(
      notion.isWrite(req('POST', 'https://api.notion.com/v1/databases/a%2F..%2Fpages/query', '{}')),
    ).toBe(true);
  });

  test('headers — Notion-Version and JSON', () => {
    expect(notion.headers(req('GET', 'https://api.notion.com/v1/users'))).toEqual({
      'Notion-Version': '2022-06-28',
      'Content-Type': 'application/json',
    });
  });
});

describe('snowflake', () => {
  const BASE = 'https://myorg-acct.snowflakecomputing.com';
  const SUBMIT = `${BASE}/api/v2/statements`;
  const HANDLE = '01b2c3d4-0000-1234-0000-00ab12cd34ef';
  const sql = (statement: string) => req('POST', SUBMIT, JSON.stringify({ statement, timeout: 60 }));

  test('matchesUrl — accepts the statements API on account hosts, with region segments', () => {
    for (const url of [
      SUBMIT,
      `${SUBMIT}?async=true`,
      `${SUBMIT}/${HANDLE}`,
      `${SUBMIT}/${HANDLE}?partition=1`,
      `${SUBMIT}/${HANDLE}/cancel`,
      'https://xy12345.us-east-2.aws.snowflakecomputing.com/api/v2/statements',
      'https://my_org-acct.privatelink.snowflakecomputing.com/api/v2/statements',
      'https://XY12345.SnowflakeComputing.com/api/v2/statements',
    ]) {
      expect({ url, ok: matches(snowflake, url) }).toEqual({ url, ok: true });
    }
  });

  test('matchesUrl — refuses look-alikes, the bare domain and other paths', () => {
    for (const url of [
      ...lookAlikes(SUBMIT, true),
      'https://snowflakecomputing.com/api/v2/statements',
      'https://.snowflakecomputing.com/api/v2/statements',
      'https://acct.snowflakecomputing.com.evil.com/api/v2/statements',
      'https://acctsnowflakecomputing.com/api/v2/statements',
      'https://evil.com/acct.snowflakecomputing.com/api/v2/statements',
      `${BASE}/api/v2/statements/`,
      `${BASE}/api/v2/statements/${HANDLE}/other`,
      `${BASE}/api/v2/statements/a.b`,
      `${BASE}/session/v1/login-request`,
      `${BASE}/oauth/token-request`,
    ]) {
      expect({ url, ok: matches(snowflake, url) }).toEqual({ url, ok: false });
    }
  });

  test('allowsHost — account hosts under snowflakecomputing.com only', () => {
    expect(snowflake.allowsHost('xy12345.eu-west-1.snowflakecomputing.com')).toBe(true);
    expect(snowflake.allowsHost('snowflakecomputing.com')).toBe(false);
    expect(snowflake.allowsHost('acct.snowflakecomputing.com.evil.com')).toBe(false);
    expect(snowflake.allowsHost('[::1]')).toBe(false);
  });

  test('isWrite — reads: SELECT, leading comments, SHOW, WITH … SELECT, keywords in strings', () => {
    for (const statement of [
      'select 1',
      '  -- c\n SELECT',
      '/* x */ show tables',
      'WITH a AS (SELECT 1) SELECT * FROM a',
      "SELECT 'drop table'",
      'describe table t',
      'DESC TABLE t',
      'EXPLAIN SELECT * FROM t',
      'LIST @my_stage',
      'select 1;',
      'select 1; select 2',
      '// note\nselect 1',
      '(select 1) union (select 2)',
      'with recursive r (n) as (select 1 union all select n + 1 from r where n < 3), s as (select 2) select * from r, s',
      'SELECT "delete" FROM t',
      "SELECT 'it''s; drop table t'",
      'SELECT $$ ; drop table t $$',
      'SHOW WAREHOUSES ->> SELECT * FROM $1',
      '-- c\r\nSELECT 1',
    ]) {
      expect({ statement, write: snowflake.isWrite(sql(statement)) }).toEqual({ statement, write: false });
    }
  });

  test('isWrite — writes: DML, DDL, grants, COPY, CALL, PUT, scripting', () => {
    for (const statement of [
      'INSERT INTO t VALUES (1)',
      'update t set a = 1',
      'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE',
      'DELETE FROM t',
      'CREATE TABLE t (a INT)',
      'DROP TABLE t',
      'ALTER WAREHOUSE w SUSPEND',
      'GRANT ROLE r TO USER u',
      'COPY INTO t FROM @s',
      'CALL p()',
      'PUT file:///tmp/x @s',
      'USE ROLE ACCOUNTADMIN',
      'BEGIN SELECT 1; END',
      'EXECUTE IMMEDIATE $$ DROP TABLE t $$',
      'TRUNCATE TABLE t',
      'UNDROP TABLE t',
      '',
      '   ',
      '-- only a comment',
    ]) {
      expect({ statement, write: snowflake.isWrite(sql(statement)) }).toEqual({ statement, write: true });
    }
  });

  test('isWrite — tricky writes: multiple statements, WITH … DELETE, comment and string tricks', () => {
    for (const statement of [
      'select 1; drop table t',
      'WITH a AS (SELECT 1) DELETE FROM t',
      'WITH a AS (DELETE FROM t) SELECT 1',
      'WITH p AS PROCEDURE () RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN 1; END $$ CALL p()',
      'SELECT 1 ->> DELETE FROM t',
      "SELECT 'unterminated",
      'SELECT 1 /* unterminated',
      '/* a /* b */ SELECT 1 */ DROP TABLE t',
      '-- c\rDROP TABLE t',
      "SELECT 'a\\'; DROP TABLE t; --'",
      "SELECT 'a\\\\'; DROP TABLE t; --'",
      'SELECT * INTO t2 FROM t',
      'SELECT SYSTEM$CANCEL_ALL_QUERIES(1)',
      'SELECT "SYSTEM$ABORT_SESSION"(1)',
      'SELECT $$$ ; DROP TABLE t $$',
      '\u200bSELECT 1; \u00a0DROP TABLE t',
      'SELECT 1; \u00a0DROP TABLE t',
    ]) {
      expect({ statement, write: snowflake.isWrite(sql(statement)) }).toEqual({ statement, write: true });
    }
  });

  test('isWrite — unparseable or incomplete bodies are writes', () => {
    expect(snowflake.isWrite(req('POST', SUBMIT, '{"statement": "select 1"'))).toBe(true);
    expect(snowflake.isWrite(req('POST', SUBMIT, 'select 1'))).toBe(true);
    expect(snowflake.isWrite(req('POST', SUBMIT, undefined))).toBe(true);
    expect(snowflake.isWrite(req('POST', SUBMIT, '{"timeout": 10}'))).toBe(true);
    expect(snowflake.isWrite(req('POST', SUBMIT, '{"statement": 1}'))).toBe(true);
    expect(
      snowflake.isWrite(req('POST', SUBMIT, '{"statement":"drop table t","statement":"select 1"}')),
    ).toBe(true);
  });

  test('isWrite — GET of a handle is a read; cancel, other POSTs and methods are writes', () => {
    expect(snowflake.isWrite(req('GET', `${SUBMIT}/${HANDLE}`))).toBe(false);
    expect(snowflake.isWrite(req('GET', `${SUBMIT}/${HANDLE}?partition=2`))).toBe(false);
    expect(snowflake.isWrite(req('POST', `${SUBMIT}/${HANDLE}/cancel`))).toBe(true);
    expect(snowflake.isWrite(req('POST', `${SUBMIT}/${HANDLE}`, '{"statement":"select 1"}'))).toBe(true);
    expect(snowflake.isWrite(req('DELETE', `${SUBMIT}/${HANDLE}`))).toBe(true);
    expect(snowflake.isWrite(req('PUT', SUBMIT, '{"statement":"select 1"}'))).toBe(true);
  });

  test('isReadOnlySql — keywords are matched case-insensitively', () => {
    expect(isReadOnlySql('SeLeCt 1')).toBe(true);
    expect(isReadOnlySql('sElEcT 1; DeLeTe FROM t')).toBe(false);
  });

  test('headers — OAuth token type and JSON', () => {
    expect(snowflake.headers(sql('select 1'))).toEqual({
      'X-Snowflake-Authorization-Token-Type': 'OAUTH',
      Accept: 'application/json',
      'Content-Type': 'application/json',
    });
  });
});

describe('github', () => {
  const GQL = 'https://api.github.com/graphql';

  test('matchesUrl — accepts any path on api.github.com', () => {
    expect(matches(github, 'https://api.github.com/repos/o/r/issues')).toBe(true);
    expect(matches(github, 'https://api.github.com/')).toBe(true);
    expect(matches(github, GQL)).toBe(true);
  });

  test('matchesUrl — refuses look-alikes and other GitHub hosts', () => {
    for (const url of [
      ...lookAlikes('https://api.github.com/user'),
      'https://github.com/user',
      'https://uploads.github.com/repos/o/r/releases/1/assets',
      'https://api.github.com.evil.com/user',
    ]) {
      expect({ url, ok: matches(github, url) }).toEqual({ url, ok: false });
    }
  });

  test('isWrite — GET and HEAD are reads', () => {
    expect(github.isWrite(req('GET', 'https://api.github.com/repos/o/r/issues'))).toBe(false);
    expect(github.isWrite(req('HEAD', 'https://api.github.com/user'))).toBe(false);
  });

  test('isWrite — POST issue, PATCH, PUT and DELETE are writes', () => {
    expect(github.isWrite(req('POST', 'https://api.github.com/repos/o/r/issues', '{"title":"x"}'))).toBe(
      true,
    );
    expect(
      github.isWrite(req('PATCH', 'https://api.github.com/repos/o/r/issues/1', '{"state":"closed"}')),
    ).toBe(true);
    expect(github.isWrite(req('PUT', 'https://api.github.com/user/starred/o/r'))).toBe(true);
    expect(github.isWrite(req('DELETE', 'https://api.github.com/repos/o/r'))).toBe(true);
  });

  test('isWrite — GraphQL query is a read, mutation is a write', () => {
    expect(github.isWrite(req('POST', GQL, gql('query { viewer { login } }')))).toBe(false);
    expect(
      github.isWrite(
        req('POST', GQL, gql('mutation { addStar(input: {starrableId: "x"}) { clientMutationId } }')),
      ),
    ).toBe(true);
    expect(
      github.isWrite(
        req('POST', GQL, gql('query A { viewer { login } } mutation B { x }', { operationName: 'A' })),
      ),
    ).toBe(true);
    expect(github.isWrite(req('POST', GQL, 'not json'))).toBe(true);
  });

  test('isWrite — a GET of /graphql carrying a mutation is a write', () => {
    expect(github.isWrite(req('GET', `${GQL}?query=${encodeURIComponent('mutation { x }')}`))).toBe(true);
  });

  test('headers — GitHub media type and API version', () => {
    expect(github.headers(req('GET', 'https://api.github.com/user'))).toEqual({
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
    });
  });
});

describe('slack', () => {
  test('matchesUrl — accepts /api/<method> on slack.com', () => {
    expect(matches(slack, 'https://slack.com/api/conversations.list')).toBe(true);
    expect(matches(slack, 'https://slack.com/api/chat.postMessage')).toBe(true);
    expect(matches(slack, 'https://slack.com/api/admin.users.list?limit=10')).toBe(true);
  });

  test('matchesUrl — refuses look-alikes, other Slack hosts and malformed method paths', () => {
    for (const url of [
      ...lookAlikes('https://slack.com/api/conversations.list'),
      'https://api.slack.com/api/conversations.list',
      'https://hooks.slack.com/services/T/B/X',
      'https://slack.com/api/',
      'https://slack.com/api/conversations',
      'https://slack.com/api/conversations.list/',
      'https://slack.com/api/conversations%2Elist',
      'https://slack.com/apps/conversations.list',
    ]) {
      expect({ url, ok: matches(slack, url) }).toEqual({ url, ok: false });
    }
  });

  test('isWrite — read methods by name', () => {
    for (const m of [
      'conversations.list',
      'conversations.history',
      'conversations.replies',
      'conversations.members',
      'users.info',
      'users.lookupByEmail',
      'users.profile.get',
      'auth.test',
      'team.info',
      'search.messages',
      'admin.conversations.search',
    ]) {
      expect({ m, write: slack.isWrite(req('POST', `https://slack.com/api/${m}`, '{}')) }).toEqual({
        m,
        write: false,
      });
    }
  });

  test('isWrite — everything else is a write', () => {
    for (const m of [
      'chat.postMessage',
      'conversations.create',
      'reactions.add',
      'files.upload',
      'chat.delete',
      'auth.revoke',
      'conversations.LIST',
      'conversations.listx',
    ]) {
      expect({ m, write: slack.isWrite(req('GET', `https://slack.com/api/${m}`)) }).toEqual({
        m,
        write: true,
      });
    }
  });

  test('headers — JSON with charset', () => {
    expect(slack.headers(req('POST', 'https://slack.com/api/chat.postMessage', '{}'))).toEqual({
      'Content-Type': 'application/json; charset=utf-8',
    });
  });
});
