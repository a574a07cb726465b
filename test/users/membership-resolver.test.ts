/**
 * MembershipResolver, the one source of a human's current role in a team for MCP tokens and
 * console sessions: a bounded cache whose refreshes coalesce (one WorkOS read in flight per human
 * and organization, every waiter answered), refresh ahead of expiry while traffic continues, and
 * fail closed — never a role older than the bound — when WorkOS cannot answer.
 *
 * The membership reader is a plain fake that counts its calls; the clock is moved, never waited on.
 */
import { describe, expect, test } from 'bun:test';
import type { Permission } from '../../db/schema/enums.ts';
import { PRINCIPAL_CACHE_TTL_MS } from '../../src/config/constants.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { type MembershipReader, MembershipResolver } from '../../src/users/membership-resolver.ts';

const TTL = PRINCIPAL_CACHE_TTL_MS;
const HUMAN = 'user_01HUMAN';
const ORG = 'org_01TEAM';

/** A membership reader that answers `role` (or throws `fail`) and counts calls; `hold` parks answers until released. */
function fakeReader(initial: string | null = 'admin') {
  const state = {
    role: initial as string | null,
    fail: undefined as Error | undefined,
    calls: 0,
    held: [] as (() => void)[],
    hold: false,
  };
  const read: MembershipReader = async () => {
    state.calls++;
    if (state.hold) await new Promise<void>((resolve) => state.held.push(resolve));
    if (state.fail) throw state.fail;
    return state.role;
  };
  const release = () => {
    state.hold = false;
    for (const r of state.held.splice(0)) r();
  };
  return { state, read, release };
}

/** A team_members store in memory (what UsersService keeps in SQLite). */
function fakeUsers() {
  const rows = new Map<string, { role: string; permissions: Permission[] }>();
  return {
    rows,
    users: {
      membership: (teamId: string, userId: string) => {
        const r = rows.get(`${teamId}:${userId}`);
        return r ? { teamId, userId, updatedAt: 0, ...r } : undefined;
      },
      recordMembership: (teamId: string, userId: string, role: string, permissions: Permission[]) => {
        rows.set(`${teamId}:${userId}`, { role, permissions });
      },
    },
  };
}

const silent = { warn: () => {} };

function setup(initial: string | null = 'admin') {
  const clock = new ManualClock(1_000_000);
  const reader = fakeReader(initial);
  const store = fakeUsers();
  const changed: string[] = [];
  const resolver = new MembershipResolver({
    clock,
    read: reader.read,
    log: silent,
    users: store.users,
    onRoleChanged: (teamId, userId) => changed.push(`${teamId}:${userId}`),
  });
  return { clock, reader, store, resolver, changed };
}

/** Lets parked promises run (a turn of the event loop, not a wait). */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

const many = <T>(n: number, f: () => Promise<T>) => Promise.all(Array.from({ length: n }, f));

describe('MembershipResolver — coalescing', () => {
  test('64 concurrent resolves of one human in one team — one WorkOS read, every caller gets the role', async () => {
    const { reader, resolver } = setup('admin');
    reader.state.hold = true;
    const answers = many(64, () => resolver.role(HUMAN, ORG));
    await tick();
    reader.release();
    expect(await answers).toEqual(Array(64).fill('admin'));
    expect(reader.state.calls).toBe(1);
  });

  test('different humans or organizations — one read each, never shared', async () => {
    const { reader, resolver } = setup('member');
    await Promise.all([
      ...Array.from({ length: 8 }, () => resolver.role(HUMAN, ORG)),
      ...Array.from({ length: 8 }, () => resolver.role('user_02OTHER', ORG)),
      ...Array.from({ length: 8 }, () => resolver.role(HUMAN, 'org_02OTHER')),
    ]);
    expect(reader.state.calls).toBe(3);
  });

  test('an expiry under load — one read for 64 concurrent callers, and the new role for all of them', async () => {
    const { clock, reader, resolver } = setup('admin');
    await resolver.role(HUMAN, ORG);
    expect(reader.state.calls).toBe(1);
    reader.state.role = 'viewer';
    clock.advance(TTL);
    reader.state.hold = true;
    const answers = many(64, () => resolver.role(HUMAN, ORG));
    await tick();
    reader.release();
    expect(await answers).toEqual(Array(64).fill('viewer'));
    expect(reader.state.calls).toBe(2);
  });

  test('WorkOS failing — every one of 64 waiters fails closed (undefined), and the next call tries again', async () => {
    const { reader, resolver } = setup('admin');
    reader.state.fail = new Error('connect ECONNREFUSED');
    reader.state.hold = true;
    const answers = many(64, () => resolver.role(HUMAN, ORG));
    await tick();
    reader.release();
    expect(await answers).toEqual(Array(64).fill(undefined));
    expect(reader.state.calls).toBe(1);
    reader.state.fail = undefined;
    expect(await resolver.role(HUMAN, ORG)).toBe('admin');
    expect(reader.state.calls).toBe(2);
  });

  test('a reader that throws at once (not a rejection) — the waiters fail closed, nothing escapes', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const resolver = new MembershipResolver({
      clock,
      read: () => {
        calls++;
        throw new Error('boom');
      },
      log: silent,
      users: fakeUsers().users,
    });
    expect(await Promise.all([resolver.role(HUMAN, ORG), resolver.role(HUMAN, ORG)])).toEqual([
      undefined,
      undefined,
    ]);
    expect(calls).toBe(1);
  });
});

describe('MembershipResolver — the bound', () => {
  test('within the bound — no read; at the bound — a read', async () => {
    const { clock, reader, resolver } = setup('admin');
    await resolver.role(HUMAN, ORG);
    clock.advance(TTL / 2);
    await resolver.role(HUMAN, ORG);
    expect(reader.state.calls).toBe(1);
    clock.advance(TTL / 2);
    await resolver.role(HUMAN, ORG);
    expect(reader.state.calls).toBe(2);
  });

  test('past 3/4 of the bound — served from the cache at once, refreshed once in the background', async () => {
    const { clock, reader, resolver } = setup('admin');
    await resolver.role(HUMAN, ORG);
    reader.state.role = 'viewer';
    reader.state.hold = true;
    clock.advance(Math.ceil(TTL * 0.8));
    // The background read is parked: the 64 callers are answered anyway, from the cache.
    expect(await many(64, () => resolver.role(HUMAN, ORG))).toEqual(Array(64).fill('admin'));
    expect(reader.state.calls).toBe(2);
    reader.release();
    await tick();
    expect(await resolver.role(HUMAN, ORG)).toBe('viewer');
    // The refreshed role counts from when its read started: the old entry's expiry costs nothing.
    clock.advance(Math.ceil(TTL * 0.3));
    expect(await resolver.role(HUMAN, ORG)).toBe('viewer');
    expect(reader.state.calls).toBe(2);
  });

  test('the expiry arrives while the background read is still out — callers wait for that read, no second one', async () => {
    const { clock, reader, resolver } = setup('admin');
    await resolver.role(HUMAN, ORG);
    reader.state.hold = true;
    clock.advance(Math.ceil(TTL * 0.9));
    await resolver.role(HUMAN, ORG); // starts the background read
    clock.advance(TTL);
    const answers = many(64, () => resolver.role(HUMAN, ORG));
    reader.state.role = 'member';
    reader.release();
    expect(await answers).toEqual(Array(64).fill('member'));
    expect(reader.state.calls).toBe(2);
  });

  test('a background refresh that fails — the role is served until the bound, then everyone fails closed', async () => {
    const { clock, reader, resolver } = setup('admin');
    await resolver.role(HUMAN, ORG);
    reader.state.fail = new Error('WorkOS 503');
    clock.advance(Math.ceil(TTL * 0.8));
    expect(await resolver.role(HUMAN, ORG)).toBe('admin');
    await tick();
    expect(resolver.cachedRole(HUMAN, ORG)).toBe('admin');
    clock.advance(Math.ceil(TTL * 0.2));
    expect(resolver.cachedRole(HUMAN, ORG)).toBeUndefined();
    expect(await many(16, () => resolver.role(HUMAN, ORG))).toEqual(Array(16).fill(undefined));
  });

  test('invalidate while a read is out — that read’s answer is never cached, later callers read again', async () => {
    const { reader, resolver } = setup('admin');
    reader.state.hold = true;
    const early = resolver.role(HUMAN, ORG);
    await tick();
    resolver.invalidate(HUMAN);
    reader.state.role = 'viewer';
    const late = resolver.role(HUMAN, ORG);
    reader.release();
    expect(await late).toBe('viewer');
    expect(await early).toBe('viewer');
    expect(reader.state.calls).toBe(2);
    expect(resolver.cachedRole(HUMAN, ORG)).toBe('viewer');
  });

  test('invalidate one human — only their roles are read again', async () => {
    const { reader, resolver } = setup('member');
    await resolver.role(HUMAN, ORG);
    await resolver.role('user_02OTHER', ORG);
    resolver.invalidate(HUMAN);
    await resolver.role(HUMAN, ORG);
    await resolver.role('user_02OTHER', ORG);
    expect(reader.state.calls).toBe(3);
  });
});

describe('MembershipResolver — standing', () => {
  const ref = { teamId: 'team_1', userId: 'usr_1', workosUserId: HUMAN, organizationId: ORG };
  const ADMIN: Permission[] = ['gatehouse:admin', 'integrations:read', 'workos:read', 'workos:write'];

  test('a demotion narrows at once (and is recorded); a later promotion adds nothing until a fresh sign-in', async () => {
    const { clock, reader, store, resolver, changed } = setup('admin');
    store.users.recordMembership('team_1', 'usr_1', 'admin', ADMIN);
    expect(await resolver.standing(ref)).toEqual({ status: 'member', role: 'admin', permissions: ADMIN });
    reader.state.role = 'viewer';
    clock.advance(TTL);
    expect(await resolver.standing(ref)).toEqual({
      status: 'member',
      role: 'viewer',
      permissions: ['integrations:read', 'workos:read'],
    });
    expect(changed).toEqual(['team_1:usr_1']);
    reader.state.role = 'admin';
    clock.advance(TTL);
    const promoted = await resolver.standing(ref);
    expect(promoted).toEqual({
      status: 'member',
      role: 'admin',
      permissions: ['integrations:read', 'workos:read'],
    });
  });

  test('not a member — not_member; WorkOS unreachable past the bound — unavailable, never the old role', async () => {
    const { clock, reader, resolver } = setup(null);
    expect(await resolver.standing(ref)).toEqual({ status: 'not_member' });
    reader.state.role = 'admin';
    clock.advance(TTL);
    expect((await resolver.standing(ref)).status).toBe('member');
    reader.state.fail = new Error('unreachable');
    clock.advance(TTL);
    expect(await resolver.standing(ref)).toEqual({ status: 'unavailable' });
    expect(resolver.cachedStanding(ref)).toEqual({ status: 'unavailable' });
  });
});
