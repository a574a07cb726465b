import { describe, expect, test } from 'bun:test';
import { CONFIRMATION_TTL_MS } from '../../src/config/constants.ts';
import { openDatabase, schema } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { ConfirmationsService } from '../../src/policy/confirmations.ts';
import { MAX_WAITING_PER_PERSON } from '../../src/policy/person-confirmations.ts';

function setup() {
  const db = openDatabase(':memory:');
  applyMigrations(db);
  const now = Date.now();
  db.insert(schema.users)
    .values({ id: 'u1', workosUserId: 'w1', email: 'a@b.test', createdAt: now, lastSeenAt: now })
    .run();
  db.insert(schema.teams)
    .values({ id: 't1', organizationId: 'o1', name: 'T', createdAt: now, updatedAt: now })
    .run();
  for (const id of ['f1', 'f2']) {
    db.insert(schema.tokenFamilies)
      .values({
        id,
        kind: 'connection',
        userId: 'u1',
        teamId: 't1',
        scopes: ['mcp'],
        resource: 'r',
        createdAt: now,
      })
      .run();
  }
  const clock = new ManualClock(now);
  return { svc: new ConfirmationsService(db, clock), clock, db };
}

const binding = {
  familyId: 'f1',
  tool: 'delete_organization',
  args: { organization_id: 'org_1' },
  environment: 'sandbox' as const,
};

describe('confirmations', () => {
  test('consume — the exact call succeeds once, then the token is spent', () => {
    const { svc } = setup();
    const { token } = svc.create({ ...binding, userId: 'u1', teamId: 't1', summary: {} });
    expect(svc.consume(token, { ...binding, args: { ...binding.args, confirmation_token: token } })).toEqual({
      ok: true,
    });
    expect(svc.consume(token, binding)).toEqual({ ok: false, reason: 'used' });
  });

  test('consume — different arguments are refused and do not spend the token', () => {
    const { svc } = setup();
    const { token } = svc.create({ ...binding, userId: 'u1', teamId: 't1', summary: {} });
    expect(svc.consume(token, { ...binding, args: { organization_id: 'org_2' } })).toEqual({
      ok: false,
      reason: 'other_arguments',
    });
    expect(svc.consume(token, binding)).toEqual({ ok: true });
  });

  test('consume — another caller, tool or environment is refused', () => {
    const { svc } = setup();
    const { token } = svc.create({ ...binding, userId: 'u1', teamId: 't1', summary: {} });
    expect(svc.consume(token, { ...binding, familyId: 'f2' })).toEqual({ ok: false, reason: 'other_caller' });
    expect(svc.consume(token, { ...binding, tool: 'delete_directory' })).toEqual({
      ok: false,
      reason: 'other_tool',
    });
    expect(svc.consume(token, { ...binding, environment: 'production' })).toEqual({
      ok: false,
      reason: 'other_environment',
    });
  });

  test('consume — expires after its TTL', () => {
    const { svc, clock } = setup();
    const { token } = svc.create({ ...binding, userId: 'u1', teamId: 't1', summary: {} });
    clock.advance(CONFIRMATION_TTL_MS + 1);
    expect(svc.consume(token, binding)).toEqual({ ok: false, reason: 'expired' });
  });

  test('consume — `environment` spelled out or left implicit is the same call; other arguments are not', () => {
    const { svc } = setup();
    const { token } = svc.create({ ...binding, userId: 'u1', teamId: 't1', summary: {} });
    expect(svc.consume(token, { ...binding, args: { ...binding.args, force: true } })).toEqual({
      ok: false,
      reason: 'other_arguments',
    });
    expect(
      svc.consume(token, {
        ...binding,
        args: { environment: 'production', ...binding.args },
        environment: 'production',
      }),
    ).toEqual({ ok: false, reason: 'other_environment' });
    expect(svc.consume(token, { ...binding, args: { environment: 'sandbox', ...binding.args } })).toEqual({
      ok: true,
    });
  });

  test('consume — argument key order does not matter', () => {
    const { svc } = setup();
    const b = { ...binding, args: { a: 1, b: { y: 2, x: 1 } } };
    const { token } = svc.create({ ...b, userId: 'u1', teamId: 't1', summary: {} });
    expect(svc.consume(token, { ...b, args: { b: { x: 1, y: 2 }, a: 1 } })).toEqual({ ok: true });
  });

  test('consume — 50 concurrent uses of one token: exactly one succeeds', async () => {
    const { svc } = setup();
    const { token } = svc.create({ ...binding, userId: 'u1', teamId: 't1', summary: {} });
    const results = await Promise.all(Array.from({ length: 50 }, async () => svc.consume(token, binding)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  test('consume — an unknown token is refused', () => {
    const { svc } = setup();
    expect(svc.consume('confirm_nope', binding)).toEqual({ ok: false, reason: 'unknown' });
  });

  test('consume — a token answers only its own channel: a question’s nonce is no confirmation_token', () => {
    const { svc } = setup();
    const asked = svc.create({ ...binding, userId: 'u1', teamId: 't1', summary: {}, via: 'question' });
    expect(asked.token.startsWith('ask_')).toBe(true);
    expect(svc.consume(asked.token, binding)).toEqual({ ok: false, reason: 'other_channel' });
    expect(svc.consume(asked.token, binding, undefined, 'question')).toEqual({ ok: true });
    const token = svc.create({ ...binding, userId: 'u1', teamId: 't1', summary: {} });
    expect(svc.consume(token.token, binding, undefined, 'question')).toEqual({
      ok: false,
      reason: 'other_channel',
    });
  });

  test('person — a console confirmation is spent only after its person confirmed it, once, and expires', () => {
    const { svc, clock } = setup();
    const who = { teamId: 't1', userId: 'u1', email: 'a@b.test' };
    const ask = { ...binding, userId: 'u1', teamId: 't1', summary: { summary: 'x' } };
    expect(svc.person.open(ask, 60_000).created).toBe(true);
    // The same exact call asks once, however often it is retried.
    expect(svc.person.open(ask, 60_000).created).toBe(false);
    expect(svc.person.answerFor(binding, {})).toMatchObject({ state: 'waiting' });
    const waiting = svc.person.waitingFor('t1', 'u1');
    expect(waiting.total).toBe(1);
    const id = waiting.shown[0]!.id;
    expect(() => svc.person.decide(id, { ...who, userId: 'u2' }, 'confirmed')).toThrow(
      'Only the person the agent acts for',
    );
    expect(() => svc.person.decide(id, { ...who, teamId: 't2' }, 'confirmed')).toThrow('no such');
    svc.person.decide(id, who, 'confirmed');
    expect(() => svc.person.decide(id, who, 'declined')).toThrow('already answered');
    expect(svc.person.answerFor({ ...binding, args: { organization_id: 'org_2' } }, {})).toEqual({
      state: 'none',
    });
    expect(svc.person.answerFor(binding, {})).toEqual({ state: 'confirmed' });
    expect(svc.person.answerFor(binding, {})).toEqual({ state: 'none' });

    svc.person.open(ask, 1_000);
    const late = svc.person.waitingFor('t1', 'u1').shown[0]!;
    clock.advance(1_001);
    expect(() => svc.person.decide(late.id, who, 'confirmed')).toThrow('expired');
    expect(svc.person.answerFor(binding, {})).toEqual({ state: 'none' });
  });

  test('person — no more than the cap wait for one person; a revoked authorization’s cards are dead', () => {
    const { svc, db } = setup();
    for (let i = 0; i < MAX_WAITING_PER_PERSON; i++) {
      svc.person.open(
        { ...binding, args: { organization_id: `org_${i}` }, userId: 'u1', teamId: 't1', summary: {} },
        60_000,
      );
    }
    expect(() =>
      svc.person.open(
        { ...binding, args: { organization_id: 'org_x' }, userId: 'u1', teamId: 't1', summary: {} },
        60_000,
      ),
    ).toThrow('already waiting');
    const id = svc.person.waitingFor('t1', 'u1').shown[0]!.id;
    db.$client.run("UPDATE token_families SET revoked_at = 1 WHERE id = 'f1'");
    expect(svc.person.waitingFor('t1', 'u1').total).toBe(0);
    expect(() =>
      svc.person.decide(id, { teamId: 't1', userId: 'u1', email: 'a@b.test' }, 'confirmed'),
    ).toThrow('disconnected');
  });
});
