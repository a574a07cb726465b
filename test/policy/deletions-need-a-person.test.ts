/**
 * The team setting "Deletions need a person": only the human answering their client's prompt
 * confirms a delete; a confirmation token sent back by the agent is refused, and a client that
 * cannot ask the human is refused outright.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let token: string;

beforeAll(async () => {
  gh = await startTestGatehouse();
  token = (await tokensFor(gh.url, 'member@demo.test')).access_token;
});
afterAll(async () => {
  await gh?.stop();
});

const throwaway = async (name: string) =>
  (await teamWorkOS(gh).organizations.createOrganization({ name })).id;
const exists = (id: string) =>
  teamWorkOS(gh)
    .organizations.getOrganization(id)
    .then(
      () => true,
      () => false,
    );
const setting = (on: boolean) =>
  gh.ctx.settings.update(
    seededTeamId(gh),
    { destructiveNeedsPerson: on },
    { userId: 'user_test', email: 'admin@demo.test' },
  );

test('deletions need a person — an agent’s own confirmation token is refused, and a client that cannot ask is refused', async () => {
  const agent = await connectV1(gh.url, token);
  try {
    const org = await throwaway('Needs A Person 1');
    const first = await call(agent, 'delete_organization', { organization_id: org });
    const confirmation = first.structured?.confirmation_token as string;
    expect(confirmation).toBeTruthy();
    setting(true);
    const again = await call(agent, 'delete_organization', {
      organization_id: org,
      confirmation_token: confirmation,
    });
    expect(again.isError).toBe(true);
    expect(again.text).toContain('requires a person');
    expect(await exists(org)).toBe(true);
    const fresh = await call(agent, 'delete_organization', { organization_id: org });
    expect(fresh.isError).toBe(true);
    expect(fresh.text).toContain('cannot ask the human directly');
    expect(fresh.text).not.toContain('confirm_');
  } finally {
    setting(false);
    await agent.close();
  }
});

test('deletions need a person — the human answering the client’s prompt deletes; declining or silence does not', async () => {
  const client = new ClientV1({ name: 'eliciting', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  let answer: 'accept' | 'decline' | 'cancel' = 'decline';
  client.setRequestHandler(ElicitRequestSchema, async () =>
    answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: answer },
  );
  await client.connect(
    new TransportV1(new URL(`${gh.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  setting(true);
  try {
    const org = await throwaway('Needs A Person 2');
    const declined = await call(client, 'delete_organization', { organization_id: org });
    expect(declined.isError).toBe(true);
    expect(await exists(org)).toBe(true);
    answer = 'accept';
    const deleted = await call(client, 'delete_organization', { organization_id: org });
    expect(deleted.isError).toBe(false);
    expect(await exists(org)).toBe(false);
  } finally {
    setting(false);
    await client.close();
  }
});
