/**
 * The pure policy decision (src/policy/decide.ts): plain values in, a decision out. No server, no
 * network. Every denial reason decide() can return has a minimal case here, and where two gates
 * would fail at once the order of the pipeline (docs/architecture.md "The MCP surface and the
 * policy pipeline") says which one the caller is told about.
 */
import { describe, expect, test } from 'bun:test';
import type { Permission } from '../../db/schema/enums.ts';
import {
  accessOf,
  actsOnWorkOS,
  type Decision,
  type DecisionContext,
  type DecisionPrincipal,
  type DecisionTool,
  decide,
  mayUseTool,
  teamGate,
} from '../../src/policy/decide.ts';
import type { DenialReason } from '../../src/policy/denials.ts';

// ---------------------------------------------------------------------------------------------
// Factories: an admin with every permission, every team setting on, no impersonator; tools of each
// kind; a call in a sandbox session with production linked.

const ADMIN: readonly Permission[] = [
  'workos:read',
  'workos:write',
  'workos:production',
  'integrations:read',
  'integrations:write',
  'approvals:approve',
  'gatehouse:admin',
];
const MEMBER: readonly Permission[] = [
  'workos:read',
  'workos:write',
  'integrations:read',
  'integrations:write',
];
const VIEWER: readonly Permission[] = ['workos:read', 'integrations:read'];

type Settings = DecisionPrincipal['settings'];

function principal(
  over: Partial<Omit<DecisionPrincipal, 'settings'>> & { settings?: Partial<Settings> } = {},
): DecisionPrincipal {
  const { settings, ...rest } = over;
  return {
    role: 'admin',
    email: 'ada@example.com',
    permissions: ADMIN,
    scopes: ['mcp'],
    impersonator: null,
    ...rest,
    settings: { enabled: true, killedAt: null, allowProduction: true, allowWrite: true, ...settings },
  };
}

const member = (over: Parameters<typeof principal>[0] = {}) =>
  principal({ role: 'member', permissions: MEMBER, ...over });
const viewer = (over: Parameters<typeof principal>[0] = {}) =>
  principal({ role: 'viewer', permissions: VIEWER, ...over });

const readTool = (over: Partial<DecisionTool> = {}): DecisionTool => ({
  name: 'list_users',
  kind: 'read',
  permission: 'workos:read',
  ...over,
});
const writeTool = (over: Partial<DecisionTool> = {}): DecisionTool => ({
  name: 'update_user',
  kind: 'write',
  permission: 'workos:write',
  ...over,
});
const destructiveTool = (over: Partial<DecisionTool> = {}): DecisionTool => ({
  name: 'delete_user',
  kind: 'destructive',
  permission: 'workos:write',
  ...over,
});
const sessionTool = (over: Partial<DecisionTool> = {}): DecisionTool => ({
  name: 'whoami',
  kind: 'session',
  permission: 'workos:read',
  ...over,
});
/** Like switch_environment: a session tool that leads to the environment named in its arguments. */
const switchTool = (over: Partial<DecisionTool> = {}): DecisionTool => ({
  name: 'switch_environment',
  kind: 'session',
  permission: 'workos:read',
  requiresSession: true,
  targetsEnvironment: true,
  ...over,
});
/** Like call_integration_api: each call is classified read or write (ctx.access). */
const integrationTool = (over: Partial<DecisionTool> = {}): DecisionTool => ({
  name: 'call_integration_api',
  kind: 'integration',
  permission: 'integrations:read',
  ...over,
});

/** A call in a 2025-era session that is in sandbox, with a production environment linked. */
const ctx = (over: Partial<DecisionContext> = {}): DecisionContext => ({
  environment: 'sandbox',
  sessionEnvironment: 'sandbox',
  productionLinked: true,
  ...over,
});
/** A call in a session that has switched to production. */
const inProduction = (over: Partial<DecisionContext> = {}) =>
  ctx({ environment: 'production', sessionEnvironment: 'production', ...over });
/** A sessionless (2026-07-28) call naming its environment. */
const sessionless = (over: Partial<DecisionContext> = {}) => ctx({ sessionEnvironment: undefined, ...over });

type Refusal = Extract<Decision, { allowed: false }>;

/** The refusal, or a failure saying what was allowed instead. */
function refused(d: Decision): Refusal {
  if (d.allowed) throw new Error(`expected a refusal, but the call was allowed (access ${d.access})`);
  return d;
}

// ---------------------------------------------------------------------------------------------

describe('decide — allowed calls', () => {
  test('decide — an admin reading in a sandbox session is allowed with read access', () => {
    expect(decide(principal(), readTool(), ctx())).toEqual({ allowed: true, access: 'read' });
  });

  test('decide — write and destructive tools are allowed with write access when every setting is on', () => {
    expect(decide(principal(), writeTool(), ctx())).toEqual({ allowed: true, access: 'write' });
    expect(decide(principal(), destructiveTool(), ctx())).toEqual({ allowed: true, access: 'write' });
  });

  test('decide — session tools are allowed with read access', () => {
    expect(decide(principal(), sessionTool(), ctx())).toEqual({ allowed: true, access: 'read' });
    expect(decide(principal(), switchTool(), ctx({ target: 'sandbox' }))).toEqual({
      allowed: true,
      access: 'read',
    });
  });

  test('decide — an integration call reports the access it was classified with', () => {
    expect(decide(principal(), integrationTool(), ctx())).toEqual({ allowed: true, access: 'read' });
    expect(decide(principal(), integrationTool(), ctx({ access: 'read' }))).toEqual({
      allowed: true,
      access: 'read',
    });
    expect(decide(principal(), integrationTool(), ctx({ access: 'write' }))).toEqual({
      allowed: true,
      access: 'write',
    });
  });

  test('decide — a session switched to production may read and write there', () => {
    expect(decide(principal(), readTool(), inProduction())).toEqual({ allowed: true, access: 'read' });
    expect(decide(principal(), writeTool(), inProduction())).toEqual({ allowed: true, access: 'write' });
  });

  test('decide — a member and a viewer read in sandbox; a member writes there', () => {
    expect(decide(member(), readTool(), ctx())).toEqual({ allowed: true, access: 'read' });
    expect(decide(member(), writeTool(), ctx())).toEqual({ allowed: true, access: 'write' });
    expect(decide(viewer(), readTool(), ctx())).toEqual({ allowed: true, access: 'read' });
  });

  test('decide — sandbox calls ignore every production gate (toggle off, role without it, nothing linked)', () => {
    const p = member({ settings: { allowProduction: false } });
    expect(decide(p, writeTool(), ctx({ productionLinked: false }))).toEqual({
      allowed: true,
      access: 'write',
    });
    expect(decide(p, readTool(), sessionless({ productionLinked: false }))).toEqual({
      allowed: true,
      access: 'read',
    });
  });
});

describe('decide — mcp_disabled', () => {
  test('decide — a team with MCP turned off is refused: mcp_disabled, forbidden, with the setting to turn back on', () => {
    const d = refused(decide(principal({ settings: { enabled: false } }), readTool(), ctx()));
    expect(d.reason).toBe('mcp_disabled');
    expect(d.code).toBe('forbidden');
    expect(d.message).toBe('MCP access is disabled for your team by a Gatehouse admin.');
    expect(d.hint).toContain('Enable MCP access');
  });

  test('decide — a team whose kill switch is set is refused mcp_disabled even with MCP enabled', () => {
    const d = refused(decide(principal({ settings: { killedAt: 1_700_000_000_000 } }), readTool(), ctx()));
    expect(d.reason).toBe('mcp_disabled');
    expect(d.code).toBe('forbidden');
  });

  test('decide — a kill switch set at time 0 still counts as set (only null means off)', () => {
    expect(refused(decide(principal({ settings: { killedAt: 0 } }), readTool(), ctx())).reason).toBe(
      'mcp_disabled',
    );
  });

  test('decide — mcp_disabled covers every kind of tool, session tools included', () => {
    const p = principal({ settings: { enabled: false } });
    for (const tool of [readTool(), writeTool(), destructiveTool(), sessionTool(), integrationTool()]) {
      expect(refused(decide(p, tool, ctx())).reason).toBe('mcp_disabled');
    }
    expect(refused(decide(p, switchTool(), ctx({ target: 'sandbox' }))).reason).toBe('mcp_disabled');
  });

  test('decide — mcp_disabled beats missing_permission: a viewer asking a disabled team for a write tool', () => {
    const d = refused(decide(viewer({ settings: { enabled: false } }), writeTool(), ctx()));
    expect(d.reason).toBe('mcp_disabled');
  });

  test('decide — mcp_disabled beats insufficient_scope, impersonation and every later gate', () => {
    const readOnlyToken = principal({ permissions: VIEWER, scopes: ['mcp:read'], settings: { killedAt: 1 } });
    expect(refused(decide(readOnlyToken, writeTool(), ctx())).reason).toBe('mcp_disabled');

    const everythingWrong = principal({
      impersonator: 'support@example.com',
      settings: { enabled: false, allowProduction: false, allowWrite: false },
    });
    const d = refused(
      decide(
        everythingWrong,
        writeTool({ requiresSession: true }),
        sessionless({ environment: 'production' }),
      ),
    );
    expect(d.reason).toBe('mcp_disabled');
  });
});

describe('decide — insufficient_scope and missing_permission', () => {
  /** An admin connected with an `mcp:read` token: the permissions arrive narrowed to the read ones. */
  const readOnlyAdmin = () => principal({ permissions: VIEWER, scopes: ['mcp:read'] });

  test('decide — a read-only token asking for a write tool is refused: insufficient_scope names the tool, the permission and the scope', () => {
    const d = refused(decide(readOnlyAdmin(), writeTool(), ctx()));
    expect(d.reason).toBe('insufficient_scope');
    expect(d.code).toBe('forbidden');
    expect(d.message).toContain('update_user');
    expect(d.message).toContain('workos:write');
    expect(d.message).toContain('"mcp:read"');
    expect(d.hint).toContain('"mcp" scope');
  });

  test('decide — a read-only token still reads: mcp:read covers workos:read and integrations:read', () => {
    expect(decide(readOnlyAdmin(), readTool(), ctx())).toEqual({ allowed: true, access: 'read' });
    expect(decide(readOnlyAdmin(), integrationTool(), ctx({ access: 'read' }))).toEqual({
      allowed: true,
      access: 'read',
    });
  });

  test('decide — a read-only token asking for a destructive tool is refused insufficient_scope', () => {
    expect(refused(decide(readOnlyAdmin(), destructiveTool(), ctx())).reason).toBe('insufficient_scope');
  });

  test('decide — a viewer asking for a write tool is refused: missing_permission names the permission and the role', () => {
    const d = refused(decide(viewer(), writeTool(), ctx()));
    expect(d.reason).toBe('missing_permission');
    expect(d.code).toBe('forbidden');
    expect(d.message).toBe(
      'update_user needs the workos:write permission, which your role (viewer) does not include.',
    );
    expect(d.hint).toContain('role');
  });

  test('decide — a viewer asking for a destructive tool is refused missing_permission', () => {
    const d = refused(decide(viewer(), destructiveTool(), ctx()));
    expect(d.reason).toBe('missing_permission');
    expect(d.message).toContain('delete_user');
    expect(d.message).toContain('(viewer)');
  });

  test('decide — a role without even the read permission is refused a read tool: missing_permission names workos:read', () => {
    const d = refused(decide(principal({ role: 'nobody', permissions: [] }), readTool(), ctx()));
    expect(d.reason).toBe('missing_permission');
    expect(d.message).toContain('workos:read');
    expect(d.message).toContain('(nobody)');
  });

  test('decide — a role without gatehouse:admin is refused a tool that needs it', () => {
    const d = refused(
      decide(member(), readTool({ name: 'audit_tail', permission: 'gatehouse:admin' }), ctx()),
    );
    expect(d.reason).toBe('missing_permission');
    expect(d.message).toContain('audit_tail needs the gatehouse:admin permission');
    expect(d.message).toContain('(member)');
  });

  test('decide — with the full "mcp" scope, what stands in the way is the role: missing_permission, not insufficient_scope', () => {
    expect(refused(decide(viewer({ scopes: ['mcp'] }), writeTool(), ctx())).reason).toBe(
      'missing_permission',
    );
  });

  test('decide — when both the token scope and the permission fall short, the scope is reported (insufficient_scope)', () => {
    const d = refused(decide(viewer({ scopes: ['mcp:read'] }), writeTool(), ctx()));
    expect(d.reason).toBe('insufficient_scope');
  });

  test('decide — missing_permission beats impersonated_session: an impersonated viewer asking for a write tool', () => {
    const d = refused(decide(viewer({ impersonator: 'support@example.com' }), writeTool(), ctx()));
    expect(d.reason).toBe('missing_permission');
  });

  test('decide — missing_permission beats the environment and write gates', () => {
    const p = viewer({ settings: { allowProduction: false, allowWrite: false } });
    const d = refused(decide(p, writeTool(), ctx({ environment: 'production', productionLinked: false })));
    expect(d.reason).toBe('missing_permission');
  });
});

describe('decide — writePermission (integration writes)', () => {
  const pipesTool = () => integrationTool({ writePermission: 'integrations:write' });
  const readsOnly = () => principal({ role: 'reader', permissions: ['integrations:read'] });

  test('decide — an integration call classified write needs writePermission: missing_permission names integrations:write', () => {
    const d = refused(decide(readsOnly(), pipesTool(), ctx({ access: 'write' })));
    expect(d.reason).toBe('missing_permission');
    expect(d.message).toBe(
      'call_integration_api needs the integrations:write permission, which your role (reader) does not include.',
    );
  });

  test('decide — the same integration tool classified read (or not classified) needs only its permission', () => {
    expect(decide(readsOnly(), pipesTool(), ctx({ access: 'read' }))).toEqual({
      allowed: true,
      access: 'read',
    });
    expect(decide(readsOnly(), pipesTool(), ctx())).toEqual({ allowed: true, access: 'read' });
  });

  test('decide — a role holding integrations:write may make the integration write', () => {
    expect(decide(member(), pipesTool(), ctx({ access: 'write' }))).toEqual({
      allowed: true,
      access: 'write',
    });
  });

  test('decide — without writePermission, an integration write needs only the tool permission', () => {
    expect(decide(readsOnly(), integrationTool(), ctx({ access: 'write' }))).toEqual({
      allowed: true,
      access: 'write',
    });
  });

  test('decide — a read-only token classified write on an integration is refused insufficient_scope naming integrations:write', () => {
    const p = principal({ permissions: VIEWER, scopes: ['mcp:read'] });
    const d = refused(decide(p, pipesTool(), ctx({ access: 'write' })));
    expect(d.reason).toBe('insufficient_scope');
    expect(d.message).toContain('integrations:write');
  });
});

describe('decide — impersonated_session', () => {
  const impersonated = (over: Parameters<typeof principal>[0] = {}) =>
    principal({ impersonator: 'support@example.com', ...over });

  test('decide — an impersonated session asking for a write tool is refused: the message names the tool, the impersonator and the user', () => {
    const d = refused(decide(impersonated(), writeTool(), ctx()));
    expect(d.reason).toBe('impersonated_session');
    expect(d.code).toBe('forbidden');
    expect(d.message).toContain('update_user changes data');
    expect(d.message).toContain('support@example.com');
    expect(d.message).toContain('ada@example.com');
    expect(d.hint).toContain('Sign in as yourself');
  });

  test('decide — an impersonated session asking for a destructive tool is refused impersonated_session', () => {
    const d = refused(decide(impersonated(), destructiveTool(), ctx()));
    expect(d.reason).toBe('impersonated_session');
    expect(d.message).toContain('delete_user');
  });

  test('decide — an impersonated session making an integration call classified write is refused impersonated_session', () => {
    const d = refused(decide(impersonated(), integrationTool(), ctx({ access: 'write' })));
    expect(d.reason).toBe('impersonated_session');
    expect(d.message).toContain('call_integration_api');
  });

  test('decide — an impersonated session still reads: read, session and integration-read calls are allowed', () => {
    expect(decide(impersonated(), readTool(), ctx())).toEqual({ allowed: true, access: 'read' });
    expect(decide(impersonated(), sessionTool(), ctx())).toEqual({ allowed: true, access: 'read' });
    expect(decide(impersonated(), integrationTool(), ctx({ access: 'read' }))).toEqual({
      allowed: true,
      access: 'read',
    });
    expect(decide(impersonated(), readTool(), inProduction())).toEqual({ allowed: true, access: 'read' });
  });

  test('decide — impersonated_session beats the environment and write gates', () => {
    const p = impersonated({ settings: { allowProduction: false, allowWrite: false } });
    expect(refused(decide(p, writeTool(), ctx({ environment: 'production' }))).reason).toBe(
      'impersonated_session',
    );
  });
});

describe('decide — production_not_allowed, production_unavailable, environment_not_switched', () => {
  test('decide — production with the team toggle off is refused: production_not_allowed says the team turned it off', () => {
    const d = refused(
      decide(principal({ settings: { allowProduction: false } }), readTool(), inProduction()),
    );
    expect(d.reason).toBe('production_not_allowed');
    expect(d.code).toBe('forbidden');
    expect(d.message).toBe('Production access is turned off for your team.');
    expect(d.hint).toContain('Allow production access');
  });

  test('decide — production for a role without workos:production is refused: production_not_allowed names the role', () => {
    const d = refused(decide(member(), readTool(), inProduction()));
    expect(d.reason).toBe('production_not_allowed');
    expect(d.code).toBe('forbidden');
    expect(d.message).toBe('Your role (member) has no production access.');
    expect(d.hint).toBe('Work in sandbox.');
  });

  test('decide — production with no production environment linked is refused: production_unavailable, unavailable', () => {
    const d = refused(decide(principal(), readTool(), inProduction({ productionLinked: false })));
    expect(d.reason).toBe('production_unavailable');
    expect(d.code).toBe('unavailable');
    expect(d.message).toBe('No production WorkOS environment is linked to your team.');
    expect(d.hint).toContain('WorkOS environments');
  });

  test('decide — a session in sandbox calling in production is refused: environment_not_switched points to switch_environment', () => {
    const d = refused(decide(principal(), readTool(), ctx({ environment: 'production' })));
    expect(d.reason).toBe('environment_not_switched');
    expect(d.code).toBe('forbidden');
    expect(d.message).toContain('sandbox');
    expect(d.message).toContain('switch_environment');
    expect(d.hint).toContain('{"environment":"production"}');
  });

  test('decide — a sessionless call naming production is never refused environment_not_switched', () => {
    expect(decide(principal(), readTool(), sessionless({ environment: 'production' }))).toEqual({
      allowed: true,
      access: 'read',
    });
    expect(decide(principal(), writeTool(), sessionless({ environment: 'production' }))).toEqual({
      allowed: true,
      access: 'write',
    });
  });

  test('decide — sessionless calls to production still pass the toggle, the role and the linked environment', () => {
    const call = sessionless({ environment: 'production' });
    expect(
      refused(decide(principal({ settings: { allowProduction: false } }), readTool(), call)).reason,
    ).toBe('production_not_allowed');
    expect(refused(decide(member(), readTool(), call)).reason).toBe('production_not_allowed');
    expect(refused(decide(principal(), readTool(), { ...call, productionLinked: false })).reason).toBe(
      'production_unavailable',
    );
  });

  test('decide — production_not_allowed (toggle) beats production_not_allowed (role)', () => {
    const d = refused(decide(member({ settings: { allowProduction: false } }), readTool(), inProduction()));
    expect(d.reason).toBe('production_not_allowed');
    expect(d.message).toBe('Production access is turned off for your team.');
  });

  test('decide — production_not_allowed (role) beats production_unavailable', () => {
    const d = refused(decide(member(), readTool(), inProduction({ productionLinked: false })));
    expect(d.reason).toBe('production_not_allowed');
    expect(d.message).toContain('(member)');
  });

  test('decide — production_not_allowed (toggle) beats production_unavailable', () => {
    const p = principal({ settings: { allowProduction: false } });
    const d = refused(decide(p, readTool(), inProduction({ productionLinked: false })));
    expect(d.reason).toBe('production_not_allowed');
  });

  test('decide — production_unavailable beats environment_not_switched', () => {
    const d = refused(
      decide(principal(), readTool(), ctx({ environment: 'production', productionLinked: false })),
    );
    expect(d.reason).toBe('production_unavailable');
  });

  test('decide — production_not_allowed beats environment_not_switched', () => {
    expect(refused(decide(member(), readTool(), ctx({ environment: 'production' }))).reason).toBe(
      'production_not_allowed',
    );
  });

  test('decide — the production gates apply alike to read, write and destructive tools', () => {
    for (const tool of [readTool(), writeTool(), destructiveTool()]) {
      expect(refused(decide(member(), tool, inProduction())).reason).toBe('production_not_allowed');
      expect(refused(decide(principal(), tool, ctx({ environment: 'production' }))).reason).toBe(
        'environment_not_switched',
      );
    }
  });

  test('decide — environment gates beat write_disabled', () => {
    const writesOff = (over: Parameters<typeof principal>[0] = {}) =>
      principal({ ...over, settings: { allowWrite: false, ...over.settings } });
    expect(
      refused(decide(writesOff({ settings: { allowProduction: false } }), writeTool(), inProduction()))
        .reason,
    ).toBe('production_not_allowed');
    expect(
      refused(decide(writesOff({ role: 'member', permissions: MEMBER }), writeTool(), inProduction())).reason,
    ).toBe('production_not_allowed');
    expect(
      refused(decide(writesOff(), destructiveTool(), inProduction({ productionLinked: false }))).reason,
    ).toBe('production_unavailable');
    expect(refused(decide(writesOff(), writeTool(), ctx({ environment: 'production' }))).reason).toBe(
      'environment_not_switched',
    );
  });
});

describe('decide — session and integration tools skip the environment gates', () => {
  const noProduction = () => member({ settings: { allowProduction: false } });
  const productionCall = () => ctx({ environment: 'production', productionLinked: false });

  test('decide — a session tool called "in production" from a sandbox session is allowed whatever production allows', () => {
    expect(decide(noProduction(), sessionTool(), productionCall())).toEqual({
      allowed: true,
      access: 'read',
    });
  });

  test('decide — an integration tool called "in production" is allowed whatever production allows', () => {
    expect(decide(noProduction(), integrationTool(), productionCall())).toEqual({
      allowed: true,
      access: 'read',
    });
    expect(decide(noProduction(), integrationTool(), { ...productionCall(), access: 'write' })).toEqual({
      allowed: true,
      access: 'write',
    });
  });

  test('actsOnWorkOS — read, write and destructive tools act on a WorkOS environment; session and integration tools do not', () => {
    expect(actsOnWorkOS('read')).toBe(true);
    expect(actsOnWorkOS('write')).toBe(true);
    expect(actsOnWorkOS('destructive')).toBe(true);
    expect(actsOnWorkOS('session')).toBe(false);
    expect(actsOnWorkOS('integration')).toBe(false);
  });
});

describe('decide — targetsEnvironment (switch_environment)', () => {
  test('decide — switching to production with the toggle off is refused production_not_allowed, though the call runs in sandbox', () => {
    const d = refused(
      decide(
        principal({ settings: { allowProduction: false } }),
        switchTool(),
        ctx({ target: 'production' }),
      ),
    );
    expect(d.reason).toBe('production_not_allowed');
    expect(d.message).toBe('Production access is turned off for your team.');
  });

  test('decide — switching to production for a role without workos:production is refused: the message names the role', () => {
    const d = refused(decide(member(), switchTool(), ctx({ target: 'production' })));
    expect(d.reason).toBe('production_not_allowed');
    expect(d.message).toContain('(member)');
  });

  test('decide — switching to production with nothing linked is refused production_unavailable', () => {
    const d = refused(
      decide(principal(), switchTool(), ctx({ target: 'production', productionLinked: false })),
    );
    expect(d.reason).toBe('production_unavailable');
    expect(d.code).toBe('unavailable');
  });

  test('decide — switching a sandbox session to production is allowed: never environment_not_switched', () => {
    expect(decide(principal(), switchTool(), ctx({ target: 'production' }))).toEqual({
      allowed: true,
      access: 'read',
    });
  });

  test('decide — switching back to sandbox is allowed even where production is refused', () => {
    const p = member({ settings: { allowProduction: false } });
    const call = inProduction({ target: 'sandbox', productionLinked: false });
    expect(decide(p, switchTool(), call)).toEqual({ allowed: true, access: 'read' });
  });

  test('decide — the production gates follow the target, not where the call runs', () => {
    const p = principal({ settings: { allowProduction: false } });
    // Runs in production, leads to sandbox: allowed.
    expect(decide(p, switchTool(), inProduction({ target: 'sandbox' })).allowed).toBe(true);
    // Runs in sandbox, leads to production: refused.
    expect(refused(decide(p, switchTool(), ctx({ target: 'production' }))).reason).toBe(
      'production_not_allowed',
    );
  });

  test('decide — with no target (as for tools/list) the switch tool is allowed whatever production allows', () => {
    expect(decide(member({ settings: { allowProduction: false } }), switchTool(), ctx())).toEqual({
      allowed: true,
      access: 'read',
    });
  });
});

describe('decide — write_disabled', () => {
  const writesOff = (over: Parameters<typeof principal>[0] = {}) =>
    principal({ ...over, settings: { allowWrite: false, ...over.settings } });

  test('decide — a write tool with "Allow write access" off is refused: write_disabled says Gatehouse is read-only', () => {
    const d = refused(decide(writesOff(), writeTool(), ctx()));
    expect(d.reason).toBe('write_disabled');
    expect(d.code).toBe('forbidden');
    expect(d.message).toBe('Write access is turned off for your team: Gatehouse is read-only right now.');
    expect(d.hint).toContain('Allow write access');
  });

  test('decide — a destructive tool with writes off is refused write_disabled', () => {
    expect(refused(decide(writesOff(), destructiveTool(), ctx())).reason).toBe('write_disabled');
  });

  test('decide — an integration call classified write with writes off is refused with its own message naming the tool', () => {
    const d = refused(decide(writesOff(), integrationTool(), ctx({ access: 'write' })));
    expect(d.reason).toBe('write_disabled');
    expect(d.code).toBe('forbidden');
    expect(d.message).toBe(
      'Write access is turned off for your team, so call_integration_api may not make a request that changes data.',
    );
    expect(d.hint).toContain('read-only requests');
  });

  test('decide — reads are fine with writes off: read, session, switch and integration-read calls are allowed', () => {
    expect(decide(writesOff(), readTool(), ctx())).toEqual({ allowed: true, access: 'read' });
    expect(decide(writesOff(), readTool(), inProduction())).toEqual({ allowed: true, access: 'read' });
    expect(decide(writesOff(), sessionTool(), ctx())).toEqual({ allowed: true, access: 'read' });
    expect(decide(writesOff(), switchTool(), ctx({ target: 'production' }))).toEqual({
      allowed: true,
      access: 'read',
    });
    expect(decide(writesOff(), integrationTool(), ctx({ access: 'read' }))).toEqual({
      allowed: true,
      access: 'read',
    });
  });

  test('decide — write_disabled applies on sessionless calls and in production alike', () => {
    expect(refused(decide(writesOff(), writeTool(), sessionless())).reason).toBe('write_disabled');
    expect(refused(decide(writesOff(), writeTool(), inProduction())).reason).toBe('write_disabled');
  });
});

describe('decide — session_required', () => {
  test('decide — a session-only tool called without a session is refused: session_required, invalid_input', () => {
    const d = refused(decide(principal(), switchTool(), sessionless({ target: 'sandbox' })));
    expect(d.reason).toBe('session_required');
    expect(d.code).toBe('invalid_input');
    expect(d.message).toBe('This connection has no MCP session to remember an environment in.');
    expect(d.hint).toContain('on each tool call');
  });

  test('decide — the same tool inside a session is allowed; tools without requiresSession work sessionless', () => {
    expect(decide(principal(), switchTool(), ctx({ target: 'sandbox' })).allowed).toBe(true);
    expect(decide(principal(), sessionTool(), sessionless())).toEqual({ allowed: true, access: 'read' });
    expect(decide(principal(), readTool(), sessionless())).toEqual({ allowed: true, access: 'read' });
  });

  test('decide — session_required comes last: the production gates are reported first', () => {
    const call = sessionless({ target: 'production' });
    expect(
      refused(decide(principal({ settings: { allowProduction: false } }), switchTool(), call)).reason,
    ).toBe('production_not_allowed');
    expect(refused(decide(member(), switchTool(), call)).reason).toBe('production_not_allowed');
    expect(refused(decide(principal(), switchTool(), { ...call, productionLinked: false })).reason).toBe(
      'production_unavailable',
    );
    expect(refused(decide(principal(), switchTool(), call)).reason).toBe('session_required');
  });

  test('decide — session_required comes last: write_disabled and permission gates are reported first', () => {
    const sessionWrite = writeTool({ name: 'set_session_note', requiresSession: true });
    expect(
      refused(decide(principal({ settings: { allowWrite: false } }), sessionWrite, sessionless())).reason,
    ).toBe('write_disabled');
    expect(refused(decide(viewer(), sessionWrite, sessionless())).reason).toBe('missing_permission');
    expect(refused(decide(principal(), sessionWrite, sessionless())).reason).toBe('session_required');
  });
});

describe('decide — one minimal case per denial reason', () => {
  test('decide — every denial reason decide() can return is reached by a minimal case', () => {
    const cases: [DenialReason, Decision][] = [
      ['mcp_disabled', decide(principal({ settings: { enabled: false } }), readTool(), ctx())],
      [
        'insufficient_scope',
        decide(principal({ permissions: VIEWER, scopes: ['mcp:read'] }), writeTool(), ctx()),
      ],
      ['missing_permission', decide(viewer(), writeTool(), ctx())],
      [
        'impersonated_session',
        decide(principal({ impersonator: 'support@example.com' }), writeTool(), ctx()),
      ],
      ['production_not_allowed', decide(member(), readTool(), inProduction())],
      ['production_unavailable', decide(principal(), readTool(), inProduction({ productionLinked: false }))],
      ['environment_not_switched', decide(principal(), readTool(), ctx({ environment: 'production' }))],
      ['write_disabled', decide(principal({ settings: { allowWrite: false } }), writeTool(), ctx())],
      ['session_required', decide(principal(), switchTool(), sessionless({ target: 'sandbox' }))],
    ];
    for (const [reason, decision] of cases) {
      const d = refused(decision);
      expect(d.reason).toBe(reason);
      expect(d.message.length).toBeGreaterThan(0);
      expect(d.hint?.length ?? 0).toBeGreaterThan(0);
    }
  });
});

describe('mayUseTool', () => {
  test('mayUseTool — asks only the team switch, the permission and impersonation: production and write settings do not matter', () => {
    const p = member({ settings: { allowProduction: false, allowWrite: false } });
    expect(mayUseTool(p, writeTool(), {})).toEqual({ allowed: true, access: 'write' });
    expect(refused(decide(p, writeTool(), inProduction())).reason).toBe('production_not_allowed');
  });

  test('mayUseTool — refuses as decide does on the first gates', () => {
    expect(refused(mayUseTool(principal({ settings: { enabled: false } }), readTool(), {})).reason).toBe(
      'mcp_disabled',
    );
    expect(refused(mayUseTool(viewer(), writeTool(), {})).reason).toBe('missing_permission');
    expect(
      refused(mayUseTool(principal({ permissions: VIEWER, scopes: ['mcp:read'] }), writeTool(), {})).reason,
    ).toBe('insufficient_scope');
    expect(
      refused(mayUseTool(principal({ impersonator: 'support@example.com' }), writeTool(), {})).reason,
    ).toBe('impersonated_session');
  });

  test('mayUseTool — reports the access of the call: the classification, else the kind', () => {
    expect(mayUseTool(principal(), readTool(), {})).toEqual({ allowed: true, access: 'read' });
    expect(mayUseTool(principal(), destructiveTool(), {})).toEqual({ allowed: true, access: 'write' });
    expect(mayUseTool(principal(), integrationTool(), { access: 'write' })).toEqual({
      allowed: true,
      access: 'write',
    });
  });
});

describe('teamGate', () => {
  test('teamGate — a team with MCP on and no kill switch passes (undefined)', () => {
    expect(teamGate(principal())).toBeUndefined();
  });

  test('teamGate — MCP off or a kill switch set gives the mcp_disabled refusal', () => {
    for (const settings of [
      { enabled: false },
      { killedAt: 1_700_000_000_000 },
      { enabled: false, killedAt: 1 },
    ]) {
      const d = teamGate(principal({ settings }));
      expect(d).toBeDefined();
      const r = refused(d!);
      expect(r.reason).toBe('mcp_disabled');
      expect(r.code).toBe('forbidden');
    }
  });

  test('teamGate — only the team switch counts: production and write toggles off still pass', () => {
    expect(teamGate(principal({ settings: { allowProduction: false, allowWrite: false } }))).toBeUndefined();
  });
});

describe('accessOf', () => {
  test('accessOf — write and destructive tools write; read, session and integration tools read', () => {
    expect(accessOf(writeTool())).toBe('write');
    expect(accessOf(destructiveTool())).toBe('write');
    expect(accessOf(readTool())).toBe('read');
    expect(accessOf(sessionTool())).toBe('read');
    expect(accessOf(integrationTool())).toBe('read');
  });

  test('accessOf — a classification decides for integration and read tools, but never makes a write tool a read', () => {
    expect(accessOf(integrationTool(), 'write')).toBe('write');
    expect(accessOf(integrationTool(), 'read')).toBe('read');
    expect(accessOf(writeTool(), 'read')).toBe('write');
    expect(accessOf(readTool(), 'write')).toBe('write');
  });
});

describe('production and scope', () => {
  test('decide — an admin on a read-only (mcp:read) token is told the token, not the role, keeps it out of production', () => {
    const d = decide(
      principal({ permissions: ['workos:read', 'integrations:read'], scopes: ['mcp:read'] }),
      readTool(),
      ctx({ environment: 'production', sessionEnvironment: 'production' }),
    );
    expect(d).toMatchObject({ allowed: false, reason: 'production_not_allowed' });
    if (!d.allowed) {
      expect(d.message).toContain('mcp:read');
      expect(d.message).not.toContain('Your role');
    }
  });
});
