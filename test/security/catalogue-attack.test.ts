/**
 * An outsider's attack on the operations catalogue (issue 19 §2: "a catalogue call can never do
 * what the equivalent named tool would refuse"): an agent with a real token, real MCP clients over
 * HTTP through OAuth, the embedded WorkOS. Each test is one attack and asserts what holds.
 * Gates the catalogue tests already prove (test/tools/catalogue) are not repeated here.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { WorkOS } from '@workos-inc/node';
import { isAppError } from '../../src/errors/app-error.ts';
import { callOperation } from '../../src/tools/catalogue/call.ts';
import { OPERATIONS, operation } from '../../src/tools/catalogue/catalogue.ts';
import { fillPath } from '../../src/tools/catalogue/http.ts';
import { lastAuditEntry } from '../support/audit.ts';
import { postToolCall2026, rawToolCall2026 } from '../support/confirm.ts';
import { type AnyClient, call, connectV1, connectV2, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let w: WorkOS;
let admin: AnyClient;
let member: AnyClient;
let viewer: AnyClient;

beforeAll(async () => {
  gh = await startTestGatehouse();
  w = teamWorkOS(gh);
  const [a, m, v] = await Promise.all([
    tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' }),
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'viewer@demo.test'),
  ]);
  [admin, member, viewer] = await Promise.all([
    connectV1(gh.url, a.access_token),
    connectV1(gh.url, m.access_token),
    connectV2(gh.url, v.access_token),
  ]);
});
afterAll(async () => {
  await Promise.all([admin?.close(), member?.close(), viewer?.close()]);
  await gh?.stop();
});

const lastEntry = (tool: string) => lastAuditEntry(gh, tool)!;

const q = (c: AnyClient, op: string, params: unknown, extra: Record<string, unknown> = {}) =>
  call(c, 'query', { operation: op, params, ...extra });
const m = (c: AnyClient, op: string, params: unknown, extra: Record<string, unknown> = {}) =>
  call(c, 'mutate', { operation: op, params, ...extra });

describe('parameter smuggling', () => {
  test('attack — a path segment cannot climb out of its template (".", "..", encoded dots, "/", "?", "#")', async () => {
    const org = await w.organizations.createOrganization({ name: 'Climb Co' });
    const attempts: [AnyClient, 'query' | 'mutate', string, Record<string, unknown>][] = [
      [member, 'query', 'organizations.get_by_external_id', { external_id: '..' }],
      [member, 'query', 'organizations.get_by_external_id', { external_id: '.' }],
      [member, 'query', 'users.get_by_external_id', { external_id: '..' }],
      [member, 'query', 'audit_logs.list_schemas', { action: '..' }],
      [member, 'mutate', 'audit_logs.create_schema', { action: '.', targets: [{ type: 'x' }] }],
      [member, 'query', 'organizations.get', { id: '%2e%2e' }],
      [member, 'query', 'organizations.get', { id: `${org.id}/../../api_keys` }],
      [member, 'query', 'organizations.get', { id: `${org.id}?include=secrets` }],
      [member, 'query', 'organizations.get', { id: `${org.id}#x` }],
      [member, 'query', 'roles.get', { slug: 'admin/permissions' }],
      [member, 'query', 'feature_flags.get', { slug: '..' }],
      [member, 'query', 'user_sessions.list', { user_id: 'user_1/../../users/user_1/impersonate' }],
    ];
    for (const [client, tool, op, params] of attempts) {
      const r = await call(client, tool, { operation: op, params });
      expect(r.isError).toBe(true);
      expect(r.text).toStartWith(`Error (invalid_input): Invalid arguments for ${tool}: params.`);
      expect(lastEntry(tool)).toMatchObject({ outcome: 'denied', reason: 'invalid_arguments' });
    }
    // A named tool's path through the same declarations refuses it too, and the filler itself
    // would never send one even if a schema let it through.
    const named = await callOperation({ workos: w }, 'users.get_by_external_id', { external_id: '..' }).catch(
      (e: unknown) => e,
    );
    expect(isAppError(named) && named.code).toBe('invalid_input');
    let filled: unknown;
    try {
      fillPath(operation('organizations.get_by_external_id')!, { external_id: '..' });
    } catch (e) {
      filled = e;
    }
    expect(isAppError(filled) && filled.code).toBe('invalid_input');
  });

  test('attack — prototype keys, lookalike keys and unknown keys never reach WorkOS or change a check', async () => {
    const org = await w.organizations.createOrganization({ name: 'Proto Co' });
    const staff = [...gh.ctx.teams.protectedOrganizationIds()][0]!;
    // An id only on `__proto__`: not an id at all.
    const inherited = await q(member, 'organizations.get', JSON.parse(`{"__proto__":{"id":"${org.id}"}}`));
    expect(inherited.isError).toBe(true);
    expect(inherited.text).toContain('params.id');
    // A staff organization tucked under `__proto__` beside a customer's id: the customer's is read,
    // nothing is inherited, nothing global is polluted.
    const beside = await q(
      member,
      'organizations.get',
      JSON.parse(`{"id":"${org.id}","__proto__":{"id":"${staff}","polluted":"yes"}}`),
    );
    expect(beside.isError).toBe(false);
    expect((beside.structured!.result as { id: string }).id).toBe(org.id);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(String(lastEntry('query').args)).not.toContain(staff);
    for (const key of ['constructor', 'toString', 'hasOwnProperty', 'іd' /* Cyrillic і */, 'ID', 'id ']) {
      const r = await q(member, 'organizations.get', { id: org.id, [key]: 'x' });
      expect(r.isError).toBe(true);
      expect(r.text).toContain('unknown field(s)');
    }
  });

  test('attack — operation names are exact: case, lookalikes, control characters and prototype names are unknown', async () => {
    for (const name of [
      'Organizations.get',
      'organizations.gеt', // Cyrillic е
      'organizations.get\u0000',
      'organizations.get\nmutate users.delete',
      'organizations\u200b.get',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'api_keys.create',
      'vault.read',
      'users.impersonate',
    ]) {
      const r = await q(member, name, {});
      expect(r.isError).toBe(true);
      expect(r.text).toContain('there is no operation named');
      expect(lastEntry('query')).toMatchObject({ outcome: 'denied', reason: 'invalid_arguments' });
    }
    // Padding is trimmed to the one real name, which the trail and the metrics record.
    const padded = await q(member, '  organizations.list\n', { limit: 1 });
    expect(padded.isError).toBe(false);
    expect(JSON.parse(String(lastEntry('query').args)).operation).toBe('organizations.list');
    // No label the agent wrote: every tool label is a tool, or a tool and a declared operation.
    const metrics = await (await fetch(`${gh.url}/metrics`)).text();
    const labels = [...metrics.matchAll(/tool="([^"]*)"/g)].map((x) => x[1]!);
    const names = new Set(OPERATIONS.map((o) => o.name));
    for (const label of labels) {
      const [tool, op, ...rest] = label.split(' ');
      expect(tool).toMatch(/^[a-z_]+$/);
      expect(rest).toEqual([]);
      if (op !== undefined) expect(names.has(op)).toBe(true);
    }
  });

  test('attack — arrays, objects, huge and out-of-range values are refused as input, never a server error', async () => {
    const org = await w.organizations.createOrganization({ name: 'Shapes Co' });
    const cases: [string, unknown][] = [
      ['organizations.get', { id: [org.id] }],
      ['organizations.get', { id: { toString: org.id } }],
      ['organizations.get', { id: 'a'.repeat(200_000) }],
      ['organizations.get', [org.id]],
      ['organizations.get', `id=${org.id}`],
      ['organizations.list', { limit: 1e9 }],
      ['organizations.list', { limit: '10' }],
      ['organizations.list', { domains: Array.from({ length: 21 }, (_, i) => `d${i}.test`) }],
      ['events.list', { events: Array.from({ length: 51 }, () => 'user.created') }],
      ['users.list', { email: 'x'.repeat(400) }],
    ];
    for (const [op, params] of cases) {
      const r = await q(viewer, op, params);
      expect(r.isError).toBe(true);
      expect(r.text).toStartWith('Error (invalid_input)');
    }
    const meta = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    const big = await m(member, 'organizations.update', { id: org.id, metadata: meta });
    expect(big.isError).toBe(true);
    expect(big.text).toContain('at most 10 keys');
  });
});

/** One hand-written 2026-07-28 tools/call (JSON.stringify of a 30,000-deep value overflows the caller). */
async function rawCall(bearer: string, name: string, argumentsJson: string): Promise<string> {
  const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${name}","arguments":${argumentsJson},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}`;
  return (await postToolCall2026(gh, bearer, name, body)).text();
}

describe('parameter depth', () => {
  test('attack — values nested 30,000 deep (past what any client serialises) are refused as input, never a server error', async () => {
    const bearer = (await tokensFor(gh.url, 'member@demo.test')).access_token;
    const deep = `${'{"a":'.repeat(30_000)}"x"${'}'.repeat(30_000)}`;
    const schema = await rawCall(
      bearer,
      'mutate',
      `{"operation":"audit_logs.create_schema","params":{"action":"deep.test","targets":[{"type":"t","metadata":${deep}}]}}`,
    );
    expect(schema).toContain(
      'Error (invalid_input): Invalid arguments for mutate: params: nested deeper than 32 levels',
    );
    expect(lastEntry('mutate')).toMatchObject({ outcome: 'denied', reason: 'invalid_arguments' });
    // The integration tools take a free-form JSON body the same way.
    const url = 'https://api.linear.app/graphql';
    for (const [tool, args] of [
      ['call_integration_api', `{"method":"POST","url":"${url}","body":${deep}}`],
      [
        'request_elevated_access',
        `{"kind":"call","method":"POST","url":"${url}","body":${deep},"reason":"a deep body"}`,
      ],
    ] as const) {
      const text = await rawCall(bearer, tool, args);
      expect(text).toContain(
        `Error (invalid_input): Invalid arguments for ${tool}: body: nested deeper than 32 levels`,
      );
      expect(text).not.toContain('internal');
    }
    // A realistic schema (a few levels) still goes through.
    const ok = await m(member, 'audit_logs.create_schema', {
      action: 'deep.test',
      targets: [{ type: 't', metadata: { type: 'object', properties: { a: { type: 'string' } } } }],
    });
    expect(ok.isError).toBe(false);
  });
});

describe('kind confusion', () => {
  test('attack — query runs no write or delete and mutate no read, for every operation in the catalogue', async () => {
    for (const op of OPERATIONS) {
      const wrong = op.kind === 'read' ? 'mutate' : 'query';
      const r = await call(admin, wrong, { operation: op.name, params: {} });
      expect(r.isError).toBe(true);
      expect(r.text).toContain(op.kind === 'read' ? 'only reads: call query' : 'changes data: call mutate');
    }
  });

  test('attack — production is out of reach from a sandbox session, for a member and an admin alike', async () => {
    for (const client of [member, admin]) {
      const r = await q(client, 'organizations.list', {}, { environment: 'production' });
      expect(r.isError).toBe(true);
      expect(r.structured).toBeUndefined();
      expect(lastEntry('query').reason).toMatch(/^(production_not_allowed|environment_not_switched)$/);
    }
    const listed = await call(member, 'list_operations', { environment: 'production' });
    expect(listed.structured?.count).toBe(0);
  });

  test('attack — a viewer refused before its arguments are read is still counted under the operation it names', async () => {
    const r = await m(viewer, 'organizations.create', { name: 'Viewer Org' });
    expect(r.isError).toBe(true);
    const metrics = await (await fetch(`${gh.url}/metrics`)).text();
    expect(metrics).toMatch(
      /gatehouse_tool_calls_total\{tool="mutate organizations\.create",outcome="denied"\} \d+/,
    );
    // An operation nobody declared never becomes a label.
    await m(viewer, 'api_keys.create', {});
    expect(await (await fetch(`${gh.url}/metrics`)).text()).not.toContain('api_keys');
  });
});

describe('narrowed tokens', () => {
  test('attack — a read-only (mcp:read) token of an admin cannot mutate, and a stateless caller cannot name production', async () => {
    const t = await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team', scope: 'mcp:read' });
    const ro = await connectV1(gh.url, t.access_token);
    try {
      const r = await m(ro, 'organizations.create', { name: 'Read Only Scope Co' });
      expect(r.isError).toBe(true);
      expect(lastEntry('mutate').reason).toBe('insufficient_scope');
      const offered = await call(ro, 'list_operations', {});
      expect(new Set((offered.structured!.operations as { kind: string }[]).map((o) => o.kind))).toEqual(
        new Set(['read']),
      );
    } finally {
      await ro.close();
    }
    const memberToken = (await tokensFor(gh.url, 'member@demo.test')).access_token;
    const reply = await rawToolCall2026(gh, memberToken, {
      name: 'query',
      arguments: { operation: 'organizations.list', params: {}, environment: 'production' },
    });
    expect(reply.result?.isError).toBe(true);
    expect(lastEntry('query').reason).toBe('production_not_allowed');
    const orgs = await w.organizations.listOrganizations({ limit: 100 });
    expect(orgs.data.some((o) => o.name === 'Read Only Scope Co')).toBe(false);
  });
});

describe('what a delete describes', () => {
  test('attack — a user with more memberships than one page: the delete names every one of them', async () => {
    const user = await w.userManagement.createUser({ email: 'many-orgs@victim.test' });
    for (let batch = 0; batch < 6; batch++) {
      await Promise.all(
        Array.from({ length: batch === 5 ? 1 : 20 }, async (_, i) => {
          const org = await w.organizations.createOrganization({ name: `Many Orgs ${batch}-${i}` });
          await w.userManagement.createOrganizationMembership({ userId: user.id, organizationId: org.id });
        }),
      );
    }
    const r = await m(member, 'users.delete', { id: user.id });
    expect(r.structured?.status).toBe('confirmation_required');
    expect(r.text).toContain('also removes their 101 organization memberships');
    expect((r.structured!.will_destroy as { organizations: string[] }).organizations).toHaveLength(101);
  });
});
