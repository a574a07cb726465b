/**
 * A catalogue delete for a 2026-07-28 client that can be asked: the human is asked directly
 * (input_required, src/mcp/questions.ts) with the operation's own description, exactly as for a
 * named delete tool; decline keeps, accept deletes, and no token reaches the agent.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { call, tokensFor } from '../../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let token: string;

beforeAll(async () => {
  gh = await startTestGatehouse();
  // Removing a domain is a sign-in change: a Gatehouse team admin's.
  token = (await tokensFor(gh.url, 'admin@demo.test', { team: 'Gatehouse Demo Team' })).access_token;
});
afterAll(async () => {
  await gh?.stop();
});

type Reply = { action: 'accept' | 'decline'; content?: Record<string, boolean> };

async function eliciting() {
  const asked: string[] = [];
  let reply: Reply = { action: 'decline' };
  const client = new ClientV2(
    { name: 'gatehouse-test-catalogue', version: '2.0.0' },
    {
      versionNegotiation: { mode: 'auto' },
      capabilities: { elicitation: { form: {} } },
      inputRequired: { autoFulfill: true },
    },
  );
  client.setRequestHandler('elicitation/create', async (req) => {
    asked.push((req.params as { message: string }).message);
    return reply;
  });
  await client.connect(
    new TransportV2(new URL(`${gh.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return { client, asked, answer: (r: Reply) => (reply = r) };
}

describe('mutate — a destructive operation asked of the human (2026-07-28)', () => {
  test('mutate organization_domains.delete — the human is asked with the domain named; decline keeps it, accept deletes it', async () => {
    const w = teamWorkOS(gh);
    const org = await w.organizations.createOrganization({ name: 'Catalogue Question Co' });
    const d = (
      await w.post<{ id: string }>('/organization_domains', {
        organization_id: org.id,
        domain: 'cat-question.test',
      })
    ).data;
    const h = await eliciting();
    try {
      const args = { operation: 'organization_domains.delete', params: { id: d.id } };
      h.answer({ action: 'decline' });
      const kept = await call(h.client, 'mutate', args);
      expect(h.asked).toHaveLength(1);
      expect(h.asked[0]).toContain('cat-question.test');
      expect(kept.isError).toBe(true);
      expect(kept.text).toContain('the human declined');
      expect(kept.text).not.toContain('confirm_');
      expect((await w.get<{ id: string }>(`/organization_domains/${d.id}`)).data.id).toBe(d.id);

      h.answer({ action: 'accept', content: { confirm: true } });
      const gone = await call(h.client, 'mutate', args);
      expect(gone.isError).toBe(false);
      expect(gone.structured).toMatchObject({ operation: 'organization_domains.delete', status: 'deleted' });
      expect(
        await w.get(`/organization_domains/${d.id}`).then(
          () => 'exists',
          () => 'gone',
        ),
      ).toBe('gone');
    } finally {
      await h.client.close();
    }
  });
});
