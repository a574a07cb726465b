/**
 * A small, faithful fake of Snowflake's SQL API v2 (https://docs.snowflake.com/en/developer-guide/sql-api/reference)
 * for local mode's demo provider, on the demo account's host:
 * - POST /api/v2/statements with `{ statement, timeout, database, schema, warehouse, role }`
 *   (https://docs.snowflake.com/en/developer-guide/sql-api/submitting-requests), answered
 *   synchronously with a ResultSet: `resultSetMetaData` (`numRows`, `format: "jsonv2"`,
 *   `rowType`, `partitionInfo`), `data` as strings, `code: "090001"`, `statementHandle`,
 *   `statementStatusUrl` (https://docs.snowflake.com/en/developer-guide/sql-api/handling-responses);
 * - GET /api/v2/statements/{handle} returns that result again;
 * - a failed statement is HTTP 422 with `code`, `sqlState`, `message`, `statementHandle`;
 * - OAuth: `Authorization: Bearer <token>` with `X-Snowflake-Authorization-Token-Type: OAUTH`
 *   (https://docs.snowflake.com/en/developer-guide/sql-api/authenticating); a bad token is 401
 *   with code 390303.
 * The Pipes token carries the role ANALYST (`session:role:ANALYST`), which may only SELECT:
 * writes are refused as Snowflake refuses a role without the privilege (snowflake-sql.ts).
 */
import { bearerOf, type TokenCheck } from './auth.ts';
import { jsonAnswer, jsonObjectBody } from './http.ts';
import { seedSnowflake } from './snowflake-seed.ts';
import { type ResultSet, runSql, SqlError } from './snowflake-sql.ts';

interface Stored {
  status: number;
  body: Record<string, unknown>;
}

export interface SnowflakeFake {
  handle(req: Request): Promise<Response>;
}

export function createSnowflakeFake(check: TokenCheck, now: () => number = Date.now): SnowflakeFake {
  const tables = seedSnowflake(now());
  const statements = new Map<string, Stored>();
  const failure = (status: number, code: string, message: string) => jsonAnswer({ code, message }, status);

  function resultBody(handle: string, requestId: string, rs: ResultSet): Record<string, unknown> {
    const rowType = rs.columns.map((c) => ({
      name: c.name,
      database: c.table?.database ?? '',
      schema: c.table?.schema ?? '',
      table: c.table?.name ?? '',
      type: c.type,
      nullable: true,
      length: c.type === 'text' ? 16_777_216 : null,
      precision: c.type === 'fixed' ? 38 : null,
      scale: c.type === 'fixed' ? (c.scale ?? 0) : null,
      byteLength: c.type === 'text' ? 16_777_216 : null,
      collation: null,
    }));
    const size = JSON.stringify(rs.rows).length;
    return {
      resultSetMetaData: {
        numRows: rs.rows.length,
        format: 'jsonv2',
        partitionInfo: [{ rowCount: rs.rows.length, uncompressedSize: size }],
        rowType,
      },
      data: rs.rows,
      code: '090001',
      statementStatusUrl: `/api/v2/statements/${handle}?requestId=${requestId}`,
      requestId,
      sqlState: '00000',
      statementHandle: handle,
      message: 'Statement executed successfully.',
      createdOn: now(),
    };
  }

  return {
    async handle(req) {
      const url = new URL(req.url);
      const type = req.headers.get('x-snowflake-authorization-token-type');
      const caller = check(bearerOf(req));
      if (!caller || (type !== null && type.toUpperCase() !== 'OAUTH'))
        return failure(401, '390303', 'Invalid OAuth access token. ');
      const method = req.method.toUpperCase();
      const m = /^\/api\/v2\/statements(?:\/([A-Za-z0-9-]+))?$/.exec(url.pathname);
      if (!m) return failure(404, '390404', 'Not found.');
      if (m[1]) {
        if (method !== 'GET') return failure(405, '391911', 'Method not allowed.');
        const stored = statements.get(m[1]);
        return stored
          ? jsonAnswer(stored.body, stored.status)
          : failure(422, '333334', `Statement handle ${m[1]} was not found.`);
      }
      if (method !== 'POST') return failure(405, '391911', 'Method not allowed.');
      const body = await jsonObjectBody(req);
      if (!body) return failure(400, '390142', 'Incoming request does not contain a valid payload.');
      if (typeof body.statement !== 'string' || body.statement.trim() === '')
        return failure(400, '391903', 'Unable to parse the request body: the statement field is missing.');
      if (body.role !== undefined && String(body.role).toUpperCase() !== 'ANALYST')
        return failure(
          422,
          '390186',
          `Role '${String(body.role).toUpperCase()}' specified in the connect string is not granted to this user.`,
        );
      const handle = crypto.randomUUID();
      const requestId = url.searchParams.get('requestId') ?? crypto.randomUUID();
      let stored: Stored;
      try {
        stored = { status: 200, body: resultBody(handle, requestId, runSql(body.statement, tables)) };
      } catch (e) {
        if (!(e instanceof SqlError)) throw e;
        stored = {
          status: 422,
          body: {
            code: e.code,
            sqlState: e.sqlState,
            message: e.message,
            statementHandle: handle,
            statementStatusUrl: `/api/v2/statements/${handle}?requestId=${requestId}`,
            createdOn: now(),
          },
        };
      }
      statements.set(handle, stored);
      return jsonAnswer(stored.body, stored.status);
    },
  };
}
