import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppContext } from '../../src/app/context.ts';
import { AuditService } from '../../src/audit/service.ts';
import {
  AUDIT_PAGE_SIZE,
  type AuditPageData,
  auditEntries,
  parseAuditQuery,
} from '../../src/console/audit-service.ts';
import type { TeamSession } from '../../src/console/connections-service.ts';
import { openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';

/**
 * /audit pages by keyset, newest first by (at, seq): walking "Older" from the first page, then
 * "Newer" back, visits every entry of the filter exactly once and in order, whatever the filter,
 * with ties in time and a clock that stepped back.
 */
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-pages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const db = openDatabase(join(dir, 'gatehouse.db'));
applyMigrations(db);
let now = 1_800_000_000_000;
const audit = new AuditService(db, { now: () => now });
const TOOLS = ['whoami', 'list_users', 'list_workos_organizations'];
for (let i = 0; i < 400; i++) {
  // Runs of equal times, and now and then a clock that goes back a little.
  now += i % 7 === 0 ? -3 : i % 3 === 0 ? 0 : 1;
  audit.append({
    event: i % 11 === 0 ? 'grant.requested' : 'tool.call',
    outcome: i % 5 === 0 ? 'denied' : 'allowed',
    teamId: i % 13 === 0 ? 'team_other' : 'team_a',
    userId: i % 2 === 0 ? 'usr_a' : 'usr_b',
    actorEmail: i % 2 === 0 ? 'A@demo.test' : 'b@demo.test',
    clientId: `cl_${i % 4}`,
    tool: TOOLS[i % 3]!,
  });
}
const ctx = { db, audit } as unknown as AppContext;
const admin = {
  teamId: 'team_a',
  userId: 'usr_a',
  permissions: ['gatehouse:admin'],
} as unknown as TeamSession;
const member = { teamId: 'team_a', userId: 'usr_b', permissions: [] } as unknown as TeamSession;

interface Row {
  seq: number;
  at: number;
}
function expected(where: string): number[] {
  return db.$client
    .query<Row, []>(`SELECT seq, at FROM audit_entries WHERE ${where} ORDER BY at DESC, seq DESC`)
    .all()
    .map((r) => r.seq);
}

function page(s: TeamSession, qs: string): AuditPageData {
  return auditEntries(ctx, s, parseAuditQuery(new URLSearchParams(qs), now, true));
}

/** Every page from the first through "Older", then back through "Newer". */
function walk(s: TeamSession, qs: string): { down: number[]; up: number[]; pages: number } {
  const down: number[] = [];
  const pages: AuditPageData[] = [];
  let p = page(s, qs);
  for (;;) {
    pages.push(p);
    down.push(...p.rows.map((r) => r.seq));
    expect(p.rows.length).toBeLessThanOrEqual(AUDIT_PAGE_SIZE);
    if (p.older === undefined) break;
    p = page(s, `${qs}&before=${p.older}`);
  }
  const up: number[] = [...p.rows.map((r) => r.seq)];
  while (p.newer !== undefined) {
    p = page(s, `${qs}&after=${p.newer}`);
    up.unshift(...p.rows.map((r) => r.seq));
  }
  return { down, up, pages: pages.length };
}

describe('audit pages (keyset)', () => {
  const cases: [string, TeamSession, string, string][] = [
    ['every entry of the team', admin, '', "team_id = 'team_a'"],
    ['a member sees only their own', member, '', "team_id = 'team_a' AND user_id = 'usr_b'"],
    ['by tool', admin, 'tool=whoami', "team_id = 'team_a' AND tool = 'whoami'"],
    ['by outcome', admin, 'outcome=denied', "team_id = 'team_a' AND outcome = 'denied'"],
    ['by event', admin, 'event=grant.requested', "team_id = 'team_a' AND event = 'grant.requested'"],
    ['by client', admin, 'client=cl_1', "team_id = 'team_a' AND client_id = 'cl_1'"],
    [
      'by user (any case)',
      admin,
      'user=a@demo.test',
      "team_id = 'team_a' AND lower(actor_email) = 'a@demo.test'",
    ],
    [
      'by time range',
      admin,
      `from=${new Date(1_800_000_000_040).toISOString()}&to=${new Date(1_800_000_000_160).toISOString()}`,
      "team_id = 'team_a' AND at >= 1800000000040 AND at < 1800000000160",
    ],
    [
      'tool and outcome',
      admin,
      'tool=list_users&outcome=allowed',
      "team_id = 'team_a' AND tool = 'list_users' AND outcome = 'allowed'",
    ],
  ];
  for (const [name, s, qs, where] of cases) {
    test(`pages — ${name}: complete, ordered, each entry once, older and newer alike`, () => {
      const want = expected(where);
      expect(want.length).toBeGreaterThan(0);
      const { down, up } = walk(s, qs);
      expect(down).toEqual(want);
      expect(up).toEqual(want);
    });
  }

  test('pages — a long filter walks several pages; the first has no "Newer", the last no "Older"', () => {
    const { pages } = walk(admin, '');
    expect(pages).toBeGreaterThan(5);
    expect(page(admin, '').newer).toBeUndefined();
  });

  test('pages — a cursor that names no entry shows the first page', () => {
    expect(page(admin, 'before=999999').rows.map((r) => r.seq)).toEqual(
      expected("team_id = 'team_a'").slice(0, AUDIT_PAGE_SIZE),
    );
  });
});
