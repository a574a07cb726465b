import { expect, setDefaultTimeout, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { startTestGatehouse } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

test('local-mode restart — the demo team keeps its Gatehouse id and settings though WorkOS ids change', async () => {
  const first = await startTestGatehouse({ keepDataDir: true });
  await signIn(first.url, 'member@demo.test');
  const before = first.ctx.db.select().from(schema.teams).all();
  // Local mode admits both seeded staff teams at start.
  expect(before.map((t) => t.seedKey).sort()).toEqual(['gatehouse-demo-team', 'gatehouse-labs']);
  const team = before.find((t) => t.seedKey === 'gatehouse-demo-team')!;
  first.ctx.db
    .update(schema.teamSettings)
    .set({ allowWrite: false })
    .where(eq(schema.teamSettings.teamId, team.id))
    .run();
  const userBefore = first.ctx.db.select().from(schema.users).all();
  await first.stop();

  const second = await startTestGatehouse({ dataDir: first.dataDir });
  try {
    const relinked = second.ctx.teams.get(team.id)!;
    expect(relinked.organizationId).not.toBe(team.organizationId);
    const org = await second.ctx.workos.identity.client.organizations.getOrganization(
      relinked.organizationId,
    );
    expect(org.name).toBe('Gatehouse Demo Team');
    expect(second.ctx.teams.settings(team.id).allowWrite).toBe(false);
    const users = second.ctx.db.select().from(schema.users).all();
    expect(users.map((u) => u.id)).toEqual(userBefore.map((u) => u.id));
    expect(users[0]!.workosUserId).not.toBe(userBefore[0]!.workosUserId);
    // Signing in again reuses the same rows.
    await signIn(second.url, 'member@demo.test');
    expect(second.ctx.db.select().from(schema.teams).all()).toHaveLength(2);
    expect(second.ctx.db.select().from(schema.users).all()).toHaveLength(1);
  } finally {
    await second.stop();
    rmSync(first.dataDir, { recursive: true, force: true });
  }
});
