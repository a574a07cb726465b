/**
 * The pure decision (src/policy/decide.ts) with a per-call permission, as the catalogue's
 * `mutate` and `query` use it: the operation's permission is checked on top of the tool's, and a
 * tool without one decides as before.
 */
import { describe, expect, test } from 'bun:test';
import type { Permission } from '../../../db/schema/enums.ts';
import { type DecisionPrincipal, type DecisionTool, decide, mayUseTool } from '../../../src/policy/decide.ts';

const MEMBER: readonly Permission[] = [
  'workos:read',
  'workos:write',
  'integrations:read',
  'integrations:write',
];
const ADMIN: readonly Permission[] = [...MEMBER, 'workos:production', 'approvals:approve', 'gatehouse:admin'];

const principal = (
  permissions: readonly Permission[],
  over: Partial<DecisionPrincipal> = {},
): DecisionPrincipal => ({
  role: permissions === ADMIN ? 'admin' : 'member',
  email: 'ada@example.com',
  permissions,
  scopes: ['mcp'],
  impersonator: null,
  settings: { enabled: true, killedAt: null, allowProduction: true, allowWrite: true },
  ...over,
});
const mutate: DecisionTool = { name: 'mutate', kind: 'write', permission: 'workos:write' };
const sandbox = {
  environment: 'sandbox' as const,
  sessionEnvironment: 'sandbox' as const,
  productionLinked: true,
};

describe('decide — a per-call permission', () => {
  test('decide — a call needing gatehouse:admin is refused to a member, naming the permission', () => {
    expect(decide(principal(MEMBER), mutate, { ...sandbox, permission: 'gatehouse:admin' })).toEqual({
      allowed: false,
      reason: 'missing_permission',
      code: 'forbidden',
      message: 'mutate needs the gatehouse:admin permission, which your role (member) does not include.',
      hint: 'Ask a team admin for a role that includes it.',
    });
  });

  test('decide — the same call is allowed to an admin, as a write', () => {
    expect(decide(principal(ADMIN), mutate, { ...sandbox, permission: 'gatehouse:admin' })).toEqual({
      allowed: true,
      access: 'write',
    });
  });

  test('decide — without a per-call permission the tool’s own decides (unchanged behaviour)', () => {
    expect(decide(principal(MEMBER), mutate, sandbox)).toEqual({ allowed: true, access: 'write' });
  });

  test('decide — a per-call permission narrowed away by a read-only scope says the scope is why', () => {
    const d = decide(
      principal(
        ADMIN.filter((p) => p !== 'gatehouse:admin'),
        { scopes: ['mcp:read'] },
      ),
      mutate,
      {
        ...sandbox,
        permission: 'gatehouse:admin',
      },
    );
    expect(d).toMatchObject({ allowed: false, reason: 'insufficient_scope' });
  });

  test('decide — the write gate still applies after a per-call permission passes', () => {
    const p = principal(ADMIN, {
      settings: { enabled: true, killedAt: null, allowProduction: true, allowWrite: false },
    });
    expect(decide(p, mutate, { ...sandbox, permission: 'gatehouse:admin' })).toMatchObject({
      allowed: false,
      reason: 'write_disabled',
    });
  });

  test('mayUseTool — a per-call permission replaces the tool’s for that call only', () => {
    expect(mayUseTool(principal(MEMBER), mutate, { permission: 'workos:read' })).toEqual({
      allowed: true,
      access: 'write',
    });
    expect(mayUseTool(principal(MEMBER), mutate, {})).toEqual({ allowed: true, access: 'write' });
  });
});
