/**
 * Snowflake as local mode's demo provider, end to end with a real MCP client (see linear.test.ts):
 * only the host map sends the demo account's host to the loopback fake. The Pipes token carries
 * the read-only role ANALYST, so a write the human approved still goes out once and is refused by
 * Snowflake itself, as the real service refuses a role without the privilege.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import {
  callGrant,
  type DemoRun,
  providerCall,
  refusedCall,
  sessionGrant,
  startDemo,
  withoutInjectedToken,
} from './support.ts';

setDefaultTimeout(60_000);

const URL_ = 'https://gatehouse-demo.snowflakecomputing.com/api/v2/statements';
const COUNT = { statement: 'SELECT COUNT(*) FROM DEMO_DB.PUBLIC.ORDERS' };
let run: DemoRun;

beforeAll(async () => {
  run = await startDemo();
});
afterAll(() => run?.stop());

const rowCount = async () =>
  Number((await providerCall(run, { method: 'POST', url: URL_, body: COUNT })).body.data[0][0]);

test('snowflake — a read under a broad read grant runs a SELECT over the seeded table', async () => {
  await sessionGrant(run, 'snowflake', 'read');
  const r = await providerCall(run, {
    method: 'POST',
    url: URL_,
    body: {
      statement:
        "SELECT CUSTOMER, AMOUNT_USD FROM ORDERS WHERE REGION = 'EMEA' ORDER BY AMOUNT_USD DESC LIMIT 2",
    },
  });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ code: '090001', resultSetMetaData: { numRows: 2, format: 'jsonv2' } });
  expect(r.body.data).toEqual([
    ['Demo Acme Corp', '1200.00'],
    ['Demo Wayne Enterprises', '780.25'],
  ]);
  // The statement handle reads the same result back.
  const again = await providerCall(run, { method: 'GET', url: `${URL_}/${r.body.statementHandle}` });
  expect(again.body.data).toEqual(r.body.data);
});

test('snowflake — a write under a read grant is refused by Gatehouse and nothing changes', async () => {
  const before = await rowCount();
  const text = await refusedCall(run, {
    method: 'POST',
    url: URL_,
    body: { statement: "INSERT INTO ORDERS VALUES (1, 'x', 'EMEA', '1', 'PENDING', 1)" },
  });
  expect(text).toContain('This Snowflake request changes data, but your approval is read-only');
  expect(await rowCount()).toBe(before);
});

test('snowflake — an approved exact-call write goes out once and Snowflake refuses it for the role; a second use is refused', async () => {
  const before = await rowCount();
  const body = { statement: "DELETE FROM DEMO_DB.PUBLIC.ORDERS WHERE STATUS = 'CANCELLED'" };
  const id = await callGrant(run, { method: 'POST', url: URL_, body });
  const answered = await providerCall(run, { method: 'POST', url: URL_, body, request_id: id });
  expect(answered.status).toBe(422);
  expect(answered.body).toMatchObject({ code: '003001', sqlState: '42501' });
  expect(answered.body.message).toContain('Insufficient privileges');
  expect(await rowCount()).toBe(before);
  expect(await refusedCall(run, { method: 'POST', url: URL_, body, request_id: id })).toContain(
    'already used',
  );
});

test('snowflake — in local mode another account than the demo one is refused up front, the approval kept', async () => {
  const other = 'https://myorg-myaccount.snowflakecomputing.com/api/v2/statements';
  const id = await callGrant(run, { method: 'POST', url: other, body: COUNT });
  const text = await refusedCall(run, { method: 'POST', url: other, body: COUNT, request_id: id });
  expect(text).toContain('gatehouse-demo.snowflakecomputing.com');
  expect(run.gh.ctx.grants.store.get(id)?.status).toBe('approved');
});

test('snowflake — the fake itself refuses a call without the token Pipes issued', async () => {
  const none = await withoutInjectedToken(run, URL_, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-snowflake-authorization-token-type': 'OAUTH' },
    body: JSON.stringify(COUNT),
  });
  expect(none).toMatchObject({ status: 401, body: { code: '390303' } });
});
