/**
 * The embedded Pipes fixture answers as WorkOS documents Pipes
 * (https://workos.com/docs/reference/pipes/access-token, …/connected-account, …/provider), read
 * through the real @workos-inc/node client: organization-scoped lookups, the three connected
 * account states, `missing_scopes`, connection `config`, and the documented refusals.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { NotFoundException, UnprocessableEntityException } from '@workos-inc/node';
import {
  CANARY_GITHUB_TOKEN,
  CANARY_LINEAR_ADMIN_TOKEN,
  CANARY_LINEAR_LABS_TOKEN,
} from '../../src/emulator/seed/canaries.ts';
import { startTestWorkOS, type TestWorkOS } from '../support/embedded-workos.ts';

setDefaultTimeout(30_000);

let id: TestWorkOS;
let ada: string;
let labs: string;
let demo: string;

beforeAll(async () => {
  id = await startTestWorkOS('identity');
  [ada, labs, demo] = await Promise.all([
    id.userId('admin@demo.test'),
    id.orgId('Gatehouse Labs'),
    id.orgId('Gatehouse Demo Team'),
  ]);
});
afterAll(() => id?.close());

const tokenOf = (r: Awaited<ReturnType<TestWorkOS['workos']['pipes']['getAccessToken']>>) =>
  r.active ? r.accessToken.accessToken : r.error;

describe('pipes fixture', () => {
  test('access token — organization_id scopes the lookup: the org-scoped connection there, the user’s own elsewhere', async () => {
    const get = (organizationId?: string) =>
      id.workos.pipes.getAccessToken({
        provider: 'linear',
        userId: ada,
        ...(organizationId ? { organizationId } : {}),
      });
    expect(tokenOf(await get())).toBe(CANARY_LINEAR_ADMIN_TOKEN);
    expect(tokenOf(await get(demo))).toBe(CANARY_LINEAR_ADMIN_TOKEN);
    expect(tokenOf(await get(labs))).toBe(CANARY_LINEAR_LABS_TOKEN);
  });

  test('access token — an unknown organization is a 404, a malformed one a 422', async () => {
    await expect(
      id.workos.pipes.getAccessToken({
        provider: 'linear',
        userId: ada,
        organizationId: 'org_01NOSUCHORGANIZATION000',
      }),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      id.workos.pipes.getAccessToken({ provider: 'linear', userId: ada, organizationId: 'acme' }),
    ).rejects.toBeInstanceOf(UnprocessableEntityException);
  });

  test('access token — missing_scopes lists the integration’s scopes the connection was not granted', async () => {
    const github = await id.workos.pipes.getAccessToken({ provider: 'github', userId: ada });
    if (!github.active) throw new Error(`expected an active token, got ${github.error}`);
    expect(github.accessToken.accessToken).toBe(CANARY_GITHUB_TOKEN);
    expect(github.accessToken.scopes).toEqual(['repo']);
    expect(github.accessToken.missingScopes).toEqual(['read:org']);
    const slack = await id.workos.pipes.getAccessToken({ provider: 'slack', userId: ada });
    expect(slack.active && slack.accessToken.missingScopes).toEqual([]);
  });

  test('access token — a disconnected account vends nothing: not_installed, one of the two documented errors', async () => {
    const vic = await id.userId('viewer@demo.test');
    expect(await id.workos.pipes.getAccessToken({ provider: 'github', userId: vic })).toEqual({
      active: false,
      error: 'not_installed',
    });
  });

  test('data providers — states connected, needs_reauthorization and disconnected; config; org filter', async () => {
    const states = async (email: string, organizationId?: string) => {
      const { data } = await id.workos.pipes.listUserDataProviders({
        userId: await id.userId(email),
        ...(organizationId ? { organizationId } : {}),
      });
      return Object.fromEntries(data.map((p) => [p.slug, p.connectedAccount?.state ?? null]));
    };
    expect(await states('admin@demo.test')).toEqual({
      linear: 'connected',
      notion: 'connected',
      snowflake: 'connected',
      github: 'connected',
      slack: 'connected',
    });
    expect(await states('viewer@demo.test')).toMatchObject({ github: 'disconnected', linear: null });
    const { data } = await id.workos.pipes.listUserDataProviders({ userId: ada, organizationId: labs });
    const linear = data.find((p) => p.slug === 'linear')!.connectedAccount!;
    expect(linear).toMatchObject({ accountDisplayName: 'ada@labs-linear', organizationId: labs });
    const snowflake = data.find((p) => p.slug === 'snowflake')!.connectedAccount!;
    expect(snowflake).toMatchObject({ organizationId: null, config: { account: 'gatehouse-demo' } });
    await expect(
      id.workos.pipes.listUserDataProviders({ userId: ada, organizationId: 'org_01NOSUCHORGANIZATION000' }),
    ).rejects.toBeInstanceOf(NotFoundException);
  });
});
