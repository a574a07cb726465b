import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetPostgres, openStore } from '../support/pg.ts';
import { runCli } from '../support/subprocess.ts';

setDefaultTimeout(30_000);

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-teams-cli-'));
const ORG = 'org_01JABCDEFGHJKMNPQRSTVWXYZ0';

const freshDir = mkdtempSync(join(tmpdir(), 'gatehouse-teams-together-'));

afterAll(async () => {
  for (const dir of [dataDir, freshDir]) {
    rmSync(dir, { recursive: true, force: true });
    await forgetPostgres(dir);
  }
});

/** The data dir's audit events (its SQLite file, or its PostgreSQL database). */
async function events(): Promise<string[]> {
  const db = await openStore(dataDir);
  try {
    return db
      .query<{ event: string }, []>('SELECT event FROM audit_entries ORDER BY seq')
      .all()
      .map((r) => r.event);
  } finally {
    db.close();
  }
}

describe('gatehouse teams', () => {
  test('list — with nothing admitted, says how to admit', async () => {
    const r = await runCli(dataDir, 'teams', 'list');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No admitted teams');
  });

  test('admit — records the team, audited once, idempotent; the chain still verifies', async () => {
    const first = await runCli(dataDir, 'teams', 'admit', ORG, '--name', 'Ops Team');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Admitted Ops Team (${ORG})`);
    const again = await runCli(dataDir, 'teams', 'admit', ORG, '--name', 'Ops Team');
    expect(again.code).toBe(0);
    const list = await runCli(dataDir, 'teams', 'list');
    expect(list.stdout).toContain(`${ORG}  Ops Team`);
    expect(list.stdout).toContain('by cli');
    expect((await events()).filter((e) => e === 'team.admitted')).toHaveLength(1);
    const verify = await runCli(dataDir, 'audit', 'verify');
    expect(verify.code).toBe(0);
  });

  test('admit — a value that is not an organization id is refused with the value named', async () => {
    const r = await runCli(dataDir, 'teams', 'admit', 'acme-corp');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("needs a WorkOS organization id (org_…), got 'acme-corp'");
  });

  test('admit — a second id, or a name with control characters, is refused (exit 2), nothing admitted', async () => {
    const two = await runCli(dataDir, 'teams', 'admit', ORG, 'org_01JABCDEFGHJKMNPQRSTVWXYZ1');
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('takes one organization id');
    const ansi = await runCli(
      dataDir,
      'teams',
      'admit',
      'org_01JABCDEFGHJKMNPQRSTVWXYZ2',
      '--name',
      'Evil\u001b[31m',
    );
    expect(ansi.code).toBe(2);
    expect(ansi.stderr).toContain('without control characters');
    const listed = await runCli(dataDir, 'teams', 'list');
    expect(listed.stdout).not.toContain('XYZ1');
    expect(listed.stdout).not.toContain('XYZ2');
  });

  test('unknown subcommand — exit 2 with the usage', async () => {
    const r = await runCli(dataDir, 'teams', 'rename');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: gatehouse teams list');
  });

  test('remove — pulls the kill switch, forgets the team, keeps the audit trail', async () => {
    const r = await runCli(dataDir, 'teams', 'remove', ORG);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kill switch pulled, team forgotten');
    expect((await runCli(dataDir, 'teams', 'list')).stdout).toContain('No admitted teams');
    expect(await events()).toEqual(
      expect.arrayContaining(['team.admitted', 'team.kill_switch', 'team.removed']),
    );
    expect((await runCli(dataDir, 'audit', 'verify')).code).toBe(0);
    const again = await runCli(dataDir, 'teams', 'remove', ORG);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is not an admitted team');
  });

  test('admit — --name given twice is refused (exit 2), nothing admitted', async () => {
    const org = 'org_01JABCDEFGHJKMNPQRSTVWXYZ9';
    const r = await runCli(dataDir, 'teams', 'admit', org, '--name', 'One', '--name', 'Two');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--name is given more than once ('One', 'Two'): give it once.");
    expect((await runCli(dataDir, 'teams', 'list')).stdout).not.toContain(org);
  });

  test('admit and remove — six run at once on a fresh data dir: each does its team, and one audit key signs the trail', async () => {
    // They race to create the database, migrate it, create the audit key and write the head.
    const orgs = Array.from({ length: 6 }, (_, i) => `org_01JABCDEFGHJKMNPQRSTVWXY${i}0`);
    const runs = await Promise.all(orgs.map((org) => runCli(freshDir, 'teams', 'admit', org)));
    for (const r of runs) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const list = await runCli(freshDir, 'teams', 'list');
    for (const org of orgs) expect(list.stdout).toContain(org);
    const verify = await runCli(freshDir, 'audit', 'verify');
    expect(verify.stdout).toContain('Audit trail intact: 6 entries verified');
    expect(verify.code).toBe(0);
    expect(readdirSync(freshDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // And six removals at once: each pulls its team's kill switch (a read, then writes).
    const removals = await Promise.all(orgs.map((org) => runCli(freshDir, 'teams', 'remove', org)));
    for (const r of removals) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect((await runCli(freshDir, 'audit', 'verify')).code).toBe(0);
  });
});
