/**
 * Linking a team's WorkOS environment is announced to the team's open MCP sessions
 * (notifications/tools/list_changed), and the very next call uses the new environment.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { LABS_PRODUCTION_API_KEY } from '../../src/emulator/index.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let admin: ClientV1;

beforeAll(async () => {
  gh = await startTestGatehouse();
  admin = await connectV1(
    gh.url,
    (await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' })).access_token,
  );
});
afterAll(async () => {
  await admin?.close();
  await gh?.stop();
});

test('link and unlink — open sessions hear tools/list_changed; the next production call uses the new key', async () => {
  const teamId = seededTeamId(gh);
  const actor = { userId: 'user_test', email: 'admin@demo.test' };
  expect((await call(admin, 'switch_environment', { environment: 'production' })).isError).toBe(false);
  const before = await call(admin, 'list_workos_organizations', { limit: 100 });
  expect(before.text).toContain('Cyberdyne Systems');

  const linked = new Promise<void>((resolve) =>
    admin.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
  );
  await gh.ctx.environments.link(teamId, 'production', LABS_PRODUCTION_API_KEY, actor);
  await linked;
  const after = await call(admin, 'list_workos_organizations', { limit: 100 });
  expect(after.text).toContain('Massive Dynamic');
  expect(after.text).not.toContain('Cyberdyne Systems');

  const unlinked = new Promise<void>((resolve) =>
    admin.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
  );
  gh.ctx.environments.unlink(teamId, 'production', actor);
  await unlinked;
  expect((await call(admin, 'list_workos_organizations', { limit: 100 })).text).toContain(
    'Cyberdyne Systems',
  );
});
