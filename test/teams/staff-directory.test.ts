/**
 * The staff directory (src/teams/staff.ts): where a managed environment is the identity one, the
 * admitted teams' organizations, people and domains are staff, kept out of every answer. Their
 * people and domains are read from the identity environment and reused; an admission must be
 * seen by the very next caller — also one that asks while a read of the set before it is still on
 * its way (it would not know the new organization's people).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkOS } from '@workos-inc/node';
import { AuditService } from '../../src/audit/service.ts';
import { openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { admitTeam } from '../../src/teams/admission.ts';
import { TeamsService } from '../../src/teams/service.ts';
import { StaffDirectory } from '../../src/teams/staff.ts';
import { startTestWorkOS, type TestWorkOS } from '../support/embedded-workos.ts';

setDefaultTimeout(30_000);

let identity: TestWorkOS;
const dirs: string[] = [];
beforeAll(async () => {
  identity = await startTestWorkOS('identity');
});
afterAll(async () => {
  await identity?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A real SDK client of the identity environment. Requests sent after `hold()` and before `pass()`
 * wait until `release()` (a WorkOS round trip still on its way); after `down()` every request
 * fails as an unreachable WorkOS would. `sent` counts the requests that reached WorkOS.
 */
function heldClient() {
  let gate: Promise<void> | undefined;
  let open = () => {};
  let unreachable = false;
  let sent = 0;
  const client = new WorkOS({
    apiKey: identity.embedded.apiKey,
    clientId: identity.embedded.clientId,
    apiHostname: identity.embedded.host,
    port: identity.embedded.port,
    https: false,
    maxRetries: 0,
    fetchFn: Object.assign(
      async (input: string | URL | Request, init?: RequestInit) => {
        if (unreachable) throw new TypeError('fetch failed: connection refused');
        if (gate) await gate;
        sent++;
        return fetch(input, init);
      },
      { preconnect: fetch.preconnect },
    ),
  });
  return {
    client,
    hold() {
      gate = new Promise<void>((r) => {
        open = r;
      });
    },
    pass() {
      gate = undefined;
    },
    release() {
      gate = undefined;
      open();
    },
    down() {
      unreachable = true;
    },
    get sent() {
      return sent;
    },
  };
}

async function setup() {
  const clock = { at: 1_800_000_000_000, now: () => clock.at };
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-staff-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'gatehouse.db'));
  applyMigrations(db);
  const teams = new TeamsService(db, clock);
  const deps = { db, teams, audit: new AuditService(db, clock) };
  const held = heldClient();
  const staff = new StaffDirectory({ teams, identity: held.client, clock, log: silentLogger });
  const admit = (organizationId: string, name: string) => admitTeam(deps, { organizationId, name }, 'cli');
  return { db, staff, held, admit, clock };
}

/** The people and lower-case domains of an identity organization, as WorkOS lists them. */
async function peopleOf(organizationId: string) {
  const org = await identity.workos.organizations.getOrganization(organizationId);
  const members = await identity.workos.userManagement.listOrganizationMemberships({
    organizationId,
    limit: 100,
  });
  return {
    users: members.data.map((m) => m.userId),
    domains: org.domains.map((d) => d.domain.toLowerCase()),
  };
}

test('staff — an admission while a read of the staff is on its way: the next caller gets the new organization, its people and domains', async () => {
  const { db, staff, held, admit } = await setup();
  const demo = await identity.orgId('Gatehouse Demo Team');
  const labs = await identity.orgId('Gatehouse Labs');
  const labsPeople = await peopleOf(labs);
  expect(labsPeople.users.length).toBeGreaterThan(0);
  expect(labsPeople.domains.length).toBeGreaterThan(0);
  try {
    admit(demo, 'Gatehouse Demo Team');
    held.hold();
    const before = staff.marks(); // reads Demo's people; WorkOS has not answered yet
    admit(labs, 'Gatehouse Labs');
    const after = staff.marks();
    held.release();
    const [first, second] = await Promise.all([before, after]);
    expect([...first.organizations]).toEqual([demo]);
    expect([...second.organizations].sort()).toEqual([demo, labs].sort());
    for (const u of labsPeople.users) expect(second.users.has(u)).toBe(true);
    for (const d of labsPeople.domains) expect(second.domains.has(d)).toBe(true);
    // And the set read last is the one kept: the next caller is answered without a new read.
    const sent = held.sent;
    const again = await staff.marks();
    for (const u of labsPeople.users) expect(again.users.has(u)).toBe(true);
    expect(held.sent).toBe(sent);
  } finally {
    held.release();
    db.$client.close();
  }
});

test('staff — an admission is read on the very next call, not after the minute the people are reused for', async () => {
  const { db, staff, admit } = await setup();
  const demo = await identity.orgId('Gatehouse Demo Team');
  const labs = await identity.orgId('Gatehouse Labs');
  const labsPeople = await peopleOf(labs);
  try {
    admit(demo, 'Gatehouse Demo Team');
    const first = await staff.marks();
    expect(first.organizations.has(labs)).toBe(false);
    admit(labs, 'Gatehouse Labs'); // the clock has not moved
    const next = await staff.marks();
    expect(next.organizations.has(labs)).toBe(true);
    for (const u of labsPeople.users) expect(next.users.has(u)).toBe(true);
  } finally {
    db.$client.close();
  }
});

test('staff — a read of the set before an admission that ends last never replaces the newer set, which a failed read falls back on', async () => {
  const { db, staff, held, admit, clock } = await setup();
  const demo = await identity.orgId('Gatehouse Demo Team');
  const labs = await identity.orgId('Gatehouse Labs');
  const labsPeople = await peopleOf(labs);
  try {
    admit(demo, 'Gatehouse Demo Team');
    held.hold();
    const older = staff.marks(); // Demo alone: held on its way
    held.pass();
    admit(labs, 'Gatehouse Labs');
    const newer = await staff.marks(); // Demo and Labs: answered
    for (const u of labsPeople.users) expect(newer.users.has(u)).toBe(true);
    held.release();
    await older;
    // A minute later WorkOS is unreachable: the answer falls back on the last good read of the
    // set now admitted, Labs' people included, not on the older read that ended last.
    clock.at += 61_000;
    held.down();
    const fallback = await staff.marks();
    expect(fallback.organizations.has(labs)).toBe(true);
    for (const u of labsPeople.users) expect(fallback.users.has(u)).toBe(true);
    for (const d of labsPeople.domains) expect(fallback.domains.has(d)).toBe(true);
  } finally {
    held.release();
    db.$client.close();
  }
});

test('staff — a staff member deactivated in a staff organization is still staff (WorkOS lists active ones unless asked)', async () => {
  const { db, staff, admit } = await setup();
  const demo = await identity.orgId('Gatehouse Demo Team');
  const viewer = await identity.userId('viewer@demo.test');
  const um = identity.workos.userManagement;
  const membership = (await um.listOrganizationMemberships({ userId: viewer, organizationId: demo }))
    .data[0]!;
  try {
    admit(demo, 'Gatehouse Demo Team');
    await um.deactivateOrganizationMembership(membership.id);
    expect((await staff.marks()).users.has(viewer)).toBe(true);
  } finally {
    await um.reactivateOrganizationMembership(membership.id);
    db.$client.close();
  }
});
