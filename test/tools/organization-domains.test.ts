/**
 * Domains on update (issue 19 §1): a domain an agent lists as a plain string keeps the state it
 * already has — re-sending a verified domain as "pending" could undo its verification in live
 * WorkOS — and the embedded WorkOS refuses a `domain_data` state WorkOS does not take
 * (https://workos.com/docs/reference/organization/update: `verified` or `pending`).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { DomainDataState } from '@workos-inc/node';
import { toDomainData } from '../../src/tools/organizations/args.ts';
import { type AnyClient, call, connectV1, tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';

setDefaultTimeout(60_000);

describe('toDomainData — what update_organization sends', () => {
  test('a plain-string domain that exists keeps its state; a new one is pending; an explicit state is sent as given', () => {
    const existing = new Map([
      ['keep.test', 'verified'],
      ['wait.test', 'pending'],
      ['lost.test', 'failed'],
    ]);
    expect(
      toDomainData(
        ['keep.test', 'wait.test', 'lost.test', 'new.test', { domain: 'also.test', state: 'verified' }],
        existing,
      ),
    ).toEqual([
      { domain: 'keep.test', state: DomainDataState.Verified },
      { domain: 'wait.test', state: DomainDataState.Pending },
      // WorkOS takes only verified or pending: a failed domain can only be re-sent as pending.
      { domain: 'lost.test', state: DomainDataState.Pending },
      { domain: 'new.test', state: DomainDataState.Pending },
      { domain: 'also.test', state: DomainDataState.Verified },
    ]);
  });

  test('on create (nothing exists) — plain strings are pending', () => {
    expect(toDomainData(['a.test'])).toEqual([{ domain: 'a.test', state: DomainDataState.Pending }]);
  });
});

describe('update_organization and the embedded WorkOS', () => {
  let gh: TestGatehouse;
  let member: AnyClient;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    member = await connectV1(gh.url, (await tokensFor(gh.url, 'member@demo.test')).access_token);
  });
  afterAll(async () => {
    await member?.close();
    await gh?.stop();
  });

  test('update_organization — domains given as plain strings keep their states, a verified one stays verified', async () => {
    const org = await teamWorkOS(gh).organizations.createOrganization({
      name: 'Domains Kept Co',
      domainData: [
        { domain: 'kept-verified.test', state: DomainDataState.Verified },
        { domain: 'kept-pending.test', state: DomainDataState.Pending },
      ],
    });
    const r = await call(member, 'update_organization', {
      organization_id: org.id,
      domains: ['kept-verified.test', 'kept-pending.test', 'added.test'],
    });
    expect(r.isError).toBe(false);
    const s = r.structured as {
      organization: { domains: { domain: string; state: string }[] };
      changed: string[];
    };
    expect(s.organization.domains).toEqual(
      expect.arrayContaining([
        { domain: 'kept-verified.test', state: 'verified' },
        { domain: 'kept-pending.test', state: 'pending' },
        { domain: 'added.test', state: 'pending' },
      ]),
    );
    expect(s.changed).toEqual(['domains added: added.test']);
  });

  test('embedded WorkOS — a domain_data state other than verified or pending is a 422 naming the field', async () => {
    const workos = teamWorkOS(gh);
    const org = await workos.organizations.createOrganization({ name: 'Domain Data Refusals Co' });
    const base = gh.ctx.workos.embeddedUrls['gatehouse-demo-team/sandbox'];
    const key = gh.ctx.workos.seededTeamKeys['gatehouse-demo-team']!.sandbox;
    const send = (method: string, path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (const [method, path] of [
      ['PUT', `/organizations/${org.id}`],
      ['POST', '/organizations'],
    ] as const) {
      const res = await send(method, path, {
        name: 'Domain Data Refusals Co',
        domain_data: [
          { domain: 'ok.test', state: 'pending' },
          { domain: 'bad.test', state: 'failed' },
        ],
      });
      expect(res.status).toBe(422);
      const body = (await res.json()) as { code: string; errors: { field: string; code: string }[] };
      expect(body.code).toBe('unprocessable_entity');
      expect(body.errors).toEqual([
        { field: 'domain_data[1].state', code: 'state must be "verified" or "pending", got "failed"' },
      ]);
    }
    // Nothing was changed by the refused update.
    expect((await workos.organizations.getOrganization(org.id)).domains).toEqual([]);
  });
});
