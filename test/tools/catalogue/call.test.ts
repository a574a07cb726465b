/**
 * callOperation (src/tools/catalogue/call.ts): how named tools send a catalogue declaration —
 * parameters checked by the operation's schema before anything goes out, the path filled, the
 * catalogue's names put under WorkOS's wire names, declared secrets removed, WorkOS's refusals
 * turned into the one error type — against the embedded WorkOS through the real SDK client.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkOS } from '@workos-inc/node';
import { AppError } from '../../../src/errors/app-error.ts';
import { SECRET_MARKER } from '../../../src/secrets/filter.ts';
import { callList, callOperation } from '../../../src/tools/catalogue/call.ts';
import { startTestGatehouse, type TestGatehouse, teamWorkOS } from '../../support/server.ts';

setDefaultTimeout(60_000);

let gh: TestGatehouse;
let w: WorkOS;

beforeAll(async () => {
  gh = await startTestGatehouse();
  w = teamWorkOS(gh);
});
afterAll(async () => {
  await gh?.stop();
});

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('callOperation', () => {
  test('callOperation — answers WorkOS’s documented object for the filled path', async () => {
    const org = await w.organizations.createOrganization({ name: 'Call Get Co' });
    const got = await callOperation<{ id: string; name: string; object: string }>(
      { workos: w },
      'organizations.get',
      { id: org.id },
    );
    expect(got).toMatchObject({ object: 'organization', id: org.id, name: 'Call Get Co' });
  });

  test('callOperation — parameters the declaration refuses are a 400 naming the field, and nothing is sent', async () => {
    const before = (await w.organizations.listOrganizations({ limit: 100 })).data.length;
    const e = await failure(
      callOperation({ workos: w }, 'organizations.create', { name: 'Call Bad Co', colour: 'red' }),
    );
    expect(e.code).toBe('invalid_input');
    expect(e.status).toBe(400);
    expect(e.message).toContain('colour');
    expect((await w.organizations.listOrganizations({ limit: 100 })).data.length).toBe(before);
    const slash = await failure(
      callOperation({ workos: w }, 'organizations.get', { id: 'org_1/../../users' }, 'get organization x'),
    );
    expect(slash.code).toBe('invalid_input');
    expect(slash.message).toStartWith('Cannot get organization x: id');
  });

  test('callOperation — WorkOS’s 404 becomes not_found worded by the caller’s action', async () => {
    const e = await failure(
      callOperation(
        { workos: w },
        'organizations.get',
        { id: 'org_01CALLNOPE' },
        'get organization org_01CALLNOPE',
      ),
    );
    expect(e.code).toBe('not_found');
    expect(e.message).toBe('WorkOS could not get organization org_01CALLNOPE: not found.');
  });

  test('callOperation — WorkOS’s 422 becomes invalid_input naming WorkOS’s field', async () => {
    const org = await w.organizations.createOrganization({ name: 'Call Consumer Domain Co' });
    const e = await failure(
      callOperation({ workos: w }, 'organization_domains.create', {
        organization_id: org.id,
        domain: 'gmail.com',
      }),
    );
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('domain');
  });

  test('callOperation — declared secrets never come back (an invitation’s token and accept URL)', async () => {
    const inv = await callOperation<Record<string, unknown>>({ workos: w }, 'invitations.send', {
      email: 'call-secret@call.test',
    });
    expect(inv.email).toBe('call-secret@call.test');
    expect(inv.token).toBe(SECRET_MARKER);
    expect(inv.accept_invitation_url).toBe(SECRET_MARKER);
  });

  test('callOperation — a parameter WorkOS names otherwise goes out under its wire name (Admin Portal `organization`)', async () => {
    const org = await w.organizations.createOrganization({ name: 'Call Portal Co' });
    const r = await callOperation<{ link: string }>({ workos: w }, 'admin_portal.generate_link', {
      organization_id: org.id,
      intent: 'dsync',
    });
    expect(r.link).toStartWith('http');
  });

  test('callList — a page as the paging helpers read it (data, listMetadata)', async () => {
    const page = await callList<{ id: string }>({ workos: w }, 'organizations.list', { limit: 1 });
    expect(page.data.length).toBe(1);
    expect(page.listMetadata).toEqual(page.list_metadata);
  });

  test('callList — an array parameter filters by each value: two domains find both organizations', async () => {
    const page = await callList<{ name: string }>({ workos: w }, 'organizations.list', {
      domains: ['acme.test', 'stark.test'],
      limit: 100,
    });
    expect(page.data.map((o) => o.name).sort()).toEqual(['Acme Corp', 'Stark Industries']);
  });

  test('callOperation — an operation that is not declared is a programming error, never a WorkOS call', async () => {
    await expect(callOperation({ workos: w }, 'organizations.rename_all', {})).rejects.toThrow(
      'no catalogue declaration named organizations.rename_all',
    );
  });
});

describe('named tools', () => {
  test('named tools — reach WorkOS only through the catalogue’s declarations (no SDK method or raw path of their own)', () => {
    const root = join(import.meta.dir, '../../../src/tools');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'catalogue') walk(path);
        } else if (entry.name.endsWith('.ts')) {
          const text = readFileSync(path, 'utf8');
          // ctx.workos.baseURL is where an export's download URL must point, not a WorkOS call.
          const calls = text.match(/\bworkos\.(?!baseURL\b)[a-zA-Z]+[.(]/g);
          if (calls) offenders.push(`${path.slice(root.length + 1)}: ${calls.join(', ')}`);
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
