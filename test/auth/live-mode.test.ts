/**
 * Live-mode rehearsal: Gatehouse in live mode against `gatehouse emulator` run as a separate
 * process (one WorkOS origin, the key selects the environment, as at api.workos.com): a separate
 * identity environment, admitted staff teams, the first team's deployment keys.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { EmulatorDescription } from '../../src/emulator/describe.ts';
import { removeTeam } from '../../src/teams/admission.ts';
import { type EmulatorProcess, spawnEmulator } from '../support/emulator-process.ts';
import { CookieClient } from '../support/http.ts';
import { call, connectV1, tokensFor } from '../support/mcp.ts';
import { openStore } from '../support/pg.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

setDefaultTimeout(60_000);

let emulator: EmulatorProcess;
let described: EmulatorDescription;
let gh: TestGatehouse;

/** One turn of the event loop: how soon another process's commit is seen (src/db/epoch.ts). */
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** Live-mode settings for Gatehouse against the emulator process; `extra` overrides. */
function liveEnv(extra: Record<string, string> = {}): Record<string, string> {
  const demo = described.teams.find((t) => t.seedKey === 'gatehouse-demo-team')!;
  return {
    ...described.env,
    // The first admitted team's managed sandbox, as the deployment-level key.
    WORKOS_API_KEY: demo.sandbox.apiKey,
    ...extra,
  };
}

beforeAll(async () => {
  emulator = await spawnEmulator();
  described = emulator.described;
  gh = await startTestGatehouse({ env: liveEnv() });
});
afterAll(async () => {
  await gh?.stop();
  await emulator?.stop();
});

describe('live mode — rehearsal against `gatehouse emulator`', () => {
  test('start — the admitted team is known by its WorkOS name; identity is separate', () => {
    expect(gh.ctx.config.mode).toBe('live');
    // GATEHOUSE_TEAMS admits in its order: the first owns the deployment-level keys.
    expect(gh.ctx.teams.admitted().map((t) => t.name)).toEqual(['Gatehouse Demo Team', 'Gatehouse Labs']);
    expect(gh.ctx.environments.identityShared()).toEqual([]);
  });

  test('/login — goes straight to AuthKit (no picker), passing a login_hint through', async () => {
    const client = new CookieClient();
    const res = await client.fetch(`${gh.url}/login?login_hint=member%40demo.test`);
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin).toBe(described.url);
    expect(location.searchParams.get('login_hint')).toBe('member@demo.test');
    const { url } = await client.follow(res, `${gh.url}/login`);
    expect(new URL(url).pathname).toBe('/');
    expect(await (await client.fetch(`${gh.url}/`)).text()).toContain('member@demo.test');
  });

  test('a customer organization’s admin — refused: no session, audited', async () => {
    const customer = described.accounts.find((a) => a.kind === 'customer')!;
    const client = new CookieClient();
    const res = await client.fetch(`${gh.url}/login?login_hint=${encodeURIComponent(customer.email)}`);
    const { res: landed } = await client.follow(res, `${gh.url}/login`);
    expect(landed.status).toBe(403);
    expect(await landed.text()).toContain('Your organization is not a Gatehouse team');
    expect((await client.fetch(`${gh.url}/`)).status).toBe(303);
    const refused = gh.ctx.db.$client
      .query<{ n: number }, [string]>(
        "SELECT count(*) AS n FROM audit_entries WHERE event = 'signin.refused' AND actor_email = ?",
      )
      .get(customer.email)!.n;
    expect(refused).toBe(1);
  });

  test('a team that is not admitted — its members are not offered it', async () => {
    const demoOnly = await startTestGatehouse({
      env: liveEnv({ GATEHOUSE_TEAMS: described.staffOrganizations[0]!.id }),
    });
    try {
      const client = new CookieClient();
      const res = await client.fetch(`${demoOnly.url}/login?login_hint=admin%40demo.test`);
      const { url } = await client.follow(res, `${demoOnly.url}/login`);
      // Ada belongs to Demo and Labs; only Demo is admitted, so she enters it with no picker.
      expect(new URL(url).pathname).toBe('/');
      expect(await (await client.fetch(`${demoOnly.url}/`)).text()).not.toContain('Gatehouse Labs');
    } finally {
      await demoOnly.stop();
    }
  });

  test('tools — act on the deployment key’s environment (the Demo team’s customers), never staff', async () => {
    const agent = await connectV1(gh.url, (await tokensFor(gh.url, 'member@demo.test')).access_token);
    try {
      const out = await call(agent, 'list_workos_organizations', { limit: 100 });
      expect(out.isError).toBe(false);
      expect(out.text).toContain('Acme Corp');
      expect(out.text).not.toContain('Gatehouse Demo Team');
      expect(out.text).not.toContain('Hooli');
      const prod = await call(agent, 'whoami');
      expect(prod.structured?.environments_linked).toEqual({ sandbox: true, production: false });
    } finally {
      await agent.close();
    }
  });

  test('deployment keys — stay with the organization GATEHOUSE_TEAMS names first, even when it is removed', async () => {
    const own = await startTestGatehouse({ env: liveEnv() });
    try {
      const labsToken = (await tokensFor(own.url, 'admin@demo.test', { team: 'Gatehouse Labs' }))
        .access_token;
      const labs = await connectV1(own.url, labsToken);
      try {
        expect((await call(labs, 'list_workos_organizations', {})).text).toContain(
          'No WorkOS environment is linked',
        );
        const demo = own.ctx.teams.admitted().find((t) => t.name === 'Gatehouse Demo Team')!;
        removeTeam(
          { db: own.ctx.db, teams: own.ctx.teams, audit: own.ctx.audit, killSwitch: own.ctx.killSwitch },
          demo.organizationId,
          { userId: 'operator', email: 'operator (test)' },
        );
        // Labs is now the first admitted team, but the keys are still Demo's organization's: nobody's.
        const after = await call(labs, 'list_workos_organizations', {});
        expect(after.isError).toBe(true);
        expect(after.text).toContain('No WorkOS environment is linked');
        expect(after.text).not.toContain('Acme Corp');
      } finally {
        await labs.close();
      }
    } finally {
      await own.stop();
    }
  });

  test('deployment keys — follow the first organization’s admission on the very next lookup, and from the next turn when another process changes it', async () => {
    const own = await startTestGatehouse({ env: liveEnv() });
    const other = await openStore(own.dataDir);
    try {
      const demo = own.ctx.teams.admitted().find((t) => t.name === 'Gatehouse Demo Team')!;
      const labs = own.ctx.teams.admitted().find((t) => t.name === 'Gatehouse Labs')!;
      const deploymentKey = liveEnv().WORKOS_API_KEY!;
      // Warm every cache on the path: Demo's client and the keys its calls redact, Labs' none.
      const owns = () => ({
        demo: own.ctx.environments.client(demo.id, 'sandbox') !== undefined,
        labs: own.ctx.environments.client(labs.id, 'sandbox') !== undefined,
        redacted: own.ctx.environments.keysToRedact(demo.id).includes(deploymentKey),
        unowned: own.ctx.environments.deploymentKeysUnowned(),
      });
      expect(owns()).toEqual({ demo: true, labs: false, redacted: true, unowned: false });

      // Another process (the CLI, or an operator's SQL) takes Demo's admission away.
      await nextTurn();
      other.run('UPDATE teams SET admitted_at = NULL WHERE id = ?', [demo.id]);
      await nextTurn();
      expect(owns()).toEqual({ demo: false, labs: false, redacted: false, unowned: true });

      // …and gives it back: the keys are Demo's again, not left with nobody.
      other.run('UPDATE teams SET admitted_at = ? WHERE id = ?', [Date.now(), demo.id]);
      await nextTurn();
      expect(owns()).toEqual({ demo: true, labs: false, redacted: true, unowned: false });

      // In this process: removal is seen by the very next lookup, without waiting for a turn.
      removeTeam(
        { db: own.ctx.db, teams: own.ctx.teams, audit: own.ctx.audit, killSwitch: own.ctx.killSwitch },
        demo.organizationId,
        { userId: 'operator', email: 'operator (test)' },
      );
      expect(owns()).toEqual({ demo: false, labs: false, redacted: false, unowned: true });
    } finally {
      other.close();
      await own.stop();
    }
  });

  test('no admitted team — live mode refuses to start, naming GATEHOUSE_TEAMS', async () => {
    const error = await startTestGatehouse({ env: liveEnv({ GATEHOUSE_TEAMS: '' }) }).then(
      (g) => g.stop().then(() => undefined),
      (e: unknown) => e,
    );
    expect(String(error)).toContain('Live mode needs at least one admitted team: set GATEHOUSE_TEAMS');
  });

  test('GATEHOUSE_TEAMS — an organization the identity environment lacks fails the start by id', async () => {
    const error = await startTestGatehouse({
      env: liveEnv({ GATEHOUSE_TEAMS: 'org_01JZZZZZZZZZZZZZZZZZZZZZZZ' }),
    }).then(
      (g) => g.stop().then(() => undefined),
      (e: unknown) => e,
    );
    expect(String(error)).toContain('GATEHOUSE_TEAMS names org_01JZZZZZZZZZZZZZZZZZZZZZZZ');
  });

  test('one key for sign-in and tools — stated, and staff organizations stay out of every answer', async () => {
    const shared = await startTestGatehouse({
      env: liveEnv({ WORKOS_API_KEY: described.identity.apiKey }),
    });
    try {
      expect(shared.ctx.environments.identityShared().map((s) => s.teamName)).toEqual([
        'Gatehouse Demo Team',
      ]);
      const ready = await (await fetch(`${shared.url}/readyz`)).json();
      expect(JSON.stringify(ready.details.identity_shared)).toContain('identity environment itself');
      const agent = await connectV1(
        shared.url,
        (await tokensFor(shared.url, 'admin@demo.test')).access_token,
      );
      try {
        const out = await call(agent, 'list_workos_organizations', { limit: 100 });
        expect(out.isError).toBe(false);
        // The identity environment's customer is visible; the staff teams are not.
        expect(out.text).toContain('Acme Corp');
        expect(out.text).not.toContain('Gatehouse Demo Team');
        expect(out.text).not.toContain('Gatehouse Labs');
        const labs = described.staffOrganizations.find((o) => o.name === 'Gatehouse Labs')!;
        const get = await call(agent, 'get_organization_details', { organization_id: labs.id });
        expect(get.isError).toBe(true);
        const members = await call(agent, 'list_organization_memberships', { limit: 100 });
        expect(members.text).not.toContain(labs.id);
      } finally {
        await agent.close();
      }
    } finally {
      await shared.stop();
    }
  });

  test('an access token from another issuer — refused, and nobody is signed in', async () => {
    const strict = await startTestGatehouse({
      env: liveEnv({ WORKOS_ISSUER: 'https://auth.someone-else.example' }),
    });
    try {
      const client = new CookieClient();
      const res = await client.fetch(`${strict.url}/login?login_hint=member%40demo.test`);
      const { url, res: response } = await client.follow(res, `${strict.url}/login`);
      expect(new URL(url).pathname).toBe('/callback');
      expect(response.status).toBe(401);
      expect(await response.text()).toContain('failed verification (signature or issuer)');
      const home = await client.fetch(`${strict.url}/`);
      expect(home.status).toBe(303);
    } finally {
      await strict.stop();
    }
  });
});
