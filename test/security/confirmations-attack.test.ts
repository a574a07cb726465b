/**
 * Security review of the destructive gate's three confirmation channels (commit cfd2c15;
 * docs/architecture.md "The MCP surface and the policy pipeline", step 6), attacked from outside
 * with real parts only, on loopback: raw 2026-07-28 JSON-RPC over HTTP, the v1 and v2 MCP SDK
 * clients, the console over HTTP with cookies, and headless Chromium.
 *
 * Each test is named "attack — expected safe outcome" and passes while the system holds.
 * What broke was fixed; each test names what holds now (comments say what was once observed).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, setSystemTime, test } from 'bun:test';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { and, eq, isNull } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { Console } from '../approvals/support.ts';
import { launchBrowser, signInPage } from '../support/browser.ts';
import {
  orgExists,
  type RpcReply,
  rawToolCall2026,
  setNeedsPerson,
  throwawayOrg,
} from '../support/confirm.ts';
import { impersonate } from '../support/impersonate.ts';
import { call, connectV1, type Tokens, tokensFor } from '../support/mcp.ts';
import { obtainTokens, registerClient } from '../support/oauth.ts';
import { seededTeamId, startTestGatehouse, type TestGatehouse, teamWorkOS } from '../support/server.ts';
import { signIn } from '../support/sign-in.ts';

setDefaultTimeout(120_000);

const DEMO = 'Gatehouse Demo Team';
const LABS = 'Gatehouse Labs';
const ACCEPT = { confirm: { action: 'accept', content: { confirm: true } } };

let gh: TestGatehouse;
/** member@demo.test, two authorizations (two token families), admin in Demo and in Labs. */
let member: Tokens;
let memberAgain: Tokens;
let adminDemo: Tokens;
let adminLabs: Tokens;

beforeAll(async () => {
  gh = await startTestGatehouse();
  [member, memberAgain, adminDemo, adminLabs] = await Promise.all([
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'member@demo.test'),
    tokensFor(gh.url, 'admin@demo.test', { team: DEMO }),
    tokensFor(gh.url, 'admin@demo.test', { team: LABS }),
  ]);
});
afterAll(async () => {
  await gh?.stop();
});

// ---------------------------------------------------------------------------------------------
// helpers

let seq = 0;
const throwaway = (name: string, on: TestGatehouse = gh, seed?: string) =>
  throwawayOrg(on, `${name} ${++seq}`, seed);
const exists = (id: string, on: TestGatehouse = gh, seed?: string) => orgExists(on, id, seed);
const setting = (on: boolean, g: TestGatehouse = gh, seed?: string) => setNeedsPerson(g, on, seed);

/**
 * One raw 2026-07-28 tools/call over HTTP. `elicit` declares form elicitation in the request's
 * own `_meta` client capabilities (the only way a stateless client can be asked).
 */
function raw(
  bearer: string,
  params: Record<string, unknown>,
  opts: { elicit?: boolean; on?: TestGatehouse } = {},
): Promise<RpcReply> {
  return rawToolCall2026(opts.on ?? gh, bearer, params, { elicit: opts.elicit, clientName: 'attacker' });
}
const textOf = (r: RpcReply) => JSON.stringify(r.result ?? r.error ?? {});
/** The call went through: the tool ran and reports the deletion (not a token, question or refusal). */
const deleted = (r: RpcReply) =>
  r.result?.isError !== true &&
  (r.result?.structuredContent as { status?: string } | undefined)?.status === 'deleted';

/** Asks a question about deleting `org` and returns the sealed state. */
async function questionState(bearer: string, org: string, on: TestGatehouse = gh): Promise<string> {
  const first = await raw(
    bearer,
    { name: 'delete_organization', arguments: { organization_id: org } },
    { on },
  );
  expect(first.result?.resultType).toBe('input_required');
  const state = first.result?.requestState;
  expect(typeof state).toBe('string');
  return state as string;
}
const b64url = (s: string) => Buffer.from(s).toString('base64url');
const unb64url = (s: string) => Buffer.from(s, 'base64url').toString('utf8');
/** The readable envelope of a signed (not encrypted) requestState. */
function envelopeOf(state: string): { p: { v: number; nonce: string }; exp: number; b?: string } {
  const body = state.slice(3, state.lastIndexOf('.'));
  return JSON.parse(unb64url(body));
}
function withEnvelope(state: string, change: (e: Record<string, unknown>) => void): string {
  const env = envelopeOf(state) as unknown as Record<string, unknown>;
  change(env);
  return `v1.${b64url(JSON.stringify(env))}${state.slice(state.lastIndexOf('.'))}`;
}

const waitingIds = (html: string) =>
  [...html.matchAll(/data-confirmation="([0-9a-f]{64})"/g)].map((m) => m[1]!);
const waitingFor = (html: string, text: string) =>
  waitingIds(html).find((id) => {
    const start = html.indexOf(`data-confirmation="${id}"`);
    return html.slice(start, html.indexOf('</section>', start)).includes(text);
  });
const row = (id: string, on: TestGatehouse = gh) =>
  on.ctx.db.select().from(schema.confirmations).where(eq(schema.confirmations.hash, id)).get();
const consoleRows = (on: TestGatehouse = gh) =>
  on.ctx.db.select().from(schema.confirmations).where(eq(schema.confirmations.via, 'console')).all();

/** The agent (no way to ask) starts a console confirmation for deleting `org`; returns its id. */
async function consoleConfirmation(
  bearer: string,
  person: Console,
  org: string,
  name: string,
  on: TestGatehouse = gh,
): Promise<string> {
  const first = await raw(
    bearer,
    { name: 'delete_organization', arguments: { organization_id: org } },
    { elicit: false, on },
  );
  expect(first.result?.isError).toBe(true);
  expect(textOf(first)).toContain('waiting for them in the Gatehouse console');
  const id = waitingFor((await person.get('/approvals')).html, name);
  expect(id).toBeTruthy();
  return id!;
}
const retry = (bearer: string, org: string, on: TestGatehouse = gh) =>
  raw(bearer, { name: 'delete_organization', arguments: { organization_id: org } }, { elicit: false, on });

// ---------------------------------------------------------------------------------------------
// Channel 1: the 2026-07-28 question (input_required + HMAC-sealed requestState)

describe('2026-07-28 question', () => {
  test('forged, truncated, re-encoded, re-dated and unbound requestState — refused (-32602), nothing deleted', async () => {
    const org = await throwaway('Q forge');
    const state = await questionState(member.access_token, org);
    const other = await throwaway('Q forge other');
    const otherState = await questionState(member.access_token, other);
    const env = envelopeOf(state);
    expect(env.p.nonce.startsWith('ask_')).toBe(true);
    const forgeries: unknown[] = [
      state.slice(0, -1), // truncated MAC
      state.slice(0, state.lastIndexOf('.')), // no MAC at all
      `${state}.`, // empty trailing MAC
      state.replace(/^v1\./, 'v2.'),
      `v1.${state.slice(3).split('.')[0]}.${otherState.slice(otherState.lastIndexOf('.') + 1)}`, // MAC of another state
      withEnvelope(state, (e) => {
        (e.p as { nonce: string }).nonce = envelopeOf(otherState).p.nonce;
      }), // swapped nonce
      withEnvelope(state, (e) => {
        e.exp = (e.exp as number) + 86_400;
      }), // extended expiry
      withEnvelope(state, (e) => {
        delete e.b;
      }), // binding stripped
      `v1.${b64url(JSON.stringify({ p: { v: 1, nonce: env.p.nonce }, exp: env.exp }))}.AAAA`,
      '',
      'v1..',
      42,
      { v: 1, nonce: env.p.nonce },
    ];
    for (const forged of forgeries) {
      const r = await raw(member.access_token, {
        name: 'delete_organization',
        arguments: { organization_id: org },
        inputResponses: ACCEPT,
        requestState: forged,
      });
      if (deleted(r)) throw new Error(`forged state deleted the org: ${JSON.stringify(forged)}`);
      // Either the SDK's verify hook (-32602), or the handler never treats it as an answer.
      if (r.error) expect([-32602, -32600]).toContain(r.error.code);
      expect(await exists(org)).toBe(true);
    }
    // The genuine state still works (refusals spent nothing).
    const real = await raw(member.access_token, {
      name: 'delete_organization',
      arguments: { organization_id: org },
      inputResponses: ACCEPT,
      requestState: state,
    });
    expect(deleted(real)).toBe(true);
    expect(await exists(org)).toBe(false);
    expect(await exists(other)).toBe(true);
  });

  test('a state minted for one token, echoed with another token of the same person, of another person and of another team — refused', async () => {
    const org = await throwaway('Q bind');
    const state = await questionState(member.access_token, org);
    for (const [who, bearer] of [
      ['same person, other authorization', memberAgain.access_token],
      ['another person', adminDemo.access_token],
      ['another team', adminLabs.access_token],
    ] as const) {
      const r = await raw(bearer, {
        name: 'delete_organization',
        arguments: { organization_id: org },
        inputResponses: ACCEPT,
        requestState: state,
      });
      if (deleted(r)) throw new Error(`${who}: deleted`);
      expect(r.error?.code).toBe(-32602);
    }
    expect(await exists(org)).toBe(true);
    // A refreshed access token of the same authorization is the same caller (same family).
    const r = await raw(member.access_token, {
      name: 'delete_organization',
      arguments: { organization_id: org },
      inputResponses: ACCEPT,
      requestState: state,
    });
    expect(deleted(r)).toBe(true);
  });

  test('replay after success and after a decline — "already answered", nothing more happens', async () => {
    const a = await throwaway('Q replay ok');
    const sa = await questionState(member.access_token, a);
    const ok = await raw(member.access_token, {
      name: 'delete_organization',
      arguments: { organization_id: a },
      inputResponses: ACCEPT,
      requestState: sa,
    });
    expect(deleted(ok)).toBe(true);
    // Replays, in parallel, of a state already spent.
    const replays = await Promise.all(
      Array.from({ length: 5 }, () =>
        raw(member.access_token, {
          name: 'delete_organization',
          arguments: { organization_id: a },
          inputResponses: ACCEPT,
          requestState: sa,
        }),
      ),
    );
    for (const r of replays) {
      expect(deleted(r)).toBe(false);
      expect(textOf(r)).toContain('already answered');
    }

    const b = await throwaway('Q replay declined');
    const sb = await questionState(member.access_token, b);
    const no = await raw(member.access_token, {
      name: 'delete_organization',
      arguments: { organization_id: b },
      inputResponses: { confirm: { action: 'decline' } },
      requestState: sb,
    });
    expect(textOf(no)).toContain('the human declined');
    const flip = await raw(member.access_token, {
      name: 'delete_organization',
      arguments: { organization_id: b },
      inputResponses: ACCEPT,
      requestState: sb,
    });
    expect(deleted(flip)).toBe(false);
    expect(textOf(flip)).toContain('already answered');
    expect(await exists(b)).toBe(true);
  });

  test('30 concurrent answers with one accepted state — exactly one deletion', async () => {
    const org = await throwaway('Q race');
    const state = await questionState(member.access_token, org);
    const all = await Promise.all(
      Array.from({ length: 30 }, () =>
        raw(member.access_token, {
          name: 'delete_organization',
          arguments: { organization_id: org },
          inputResponses: ACCEPT,
          requestState: state,
        }),
      ),
    );
    expect(all.filter(deleted)).toHaveLength(1);
    expect(await exists(org)).toBe(false);
  });

  test('the answer applied to other arguments, another tool, or production — refused, and the state still confirms only its own call', async () => {
    const org = await throwaway('Q rebind');
    const decoy = await throwaway('Q rebind decoy');
    const state = await questionState(adminDemo.access_token, org);
    const answer = (name: string, args: Record<string, unknown>) =>
      raw(adminDemo.access_token, { name, arguments: args, inputResponses: ACCEPT, requestState: state });

    const swapped = await answer('delete_organization', { organization_id: decoy });
    expect(deleted(swapped)).toBe(false);
    expect(await exists(decoy)).toBe(true);

    const connections = await teamWorkOS(gh).sso.listConnections({ limit: 1 });
    const connection = connections.data[0]!.id;
    const otherTool = await answer('delete_sso_connection', { connection_id: connection });
    expect(deleted(otherTool)).toBe(false);
    const still = await teamWorkOS(gh)
      .sso.getConnection(connection)
      .then(
        () => true,
        () => false,
      );
    expect(still).toBe(true);

    const production = await answer('delete_organization', {
      organization_id: org,
      environment: 'production',
    });
    expect(deleted(production)).toBe(false);
    expect(await exists(org)).toBe(true);

    // An extra argument (rejected by the schema) and a confirmation_token riding along.
    const extra = await answer('delete_organization', { organization_id: org, force: true });
    expect(deleted(extra)).toBe(false);
    expect(await exists(org)).toBe(true);

    // Spelled-out sandbox is the same call (documented); it goes through once.
    const same = await answer('delete_organization', { organization_id: org, environment: 'sandbox' });
    expect(deleted(same)).toBe(true);
    expect(await exists(org)).toBe(false);
  });

  test('inputResponses that are not a plain boolean yes — each one declines (and spends the question)', async () => {
    const variants: [string, unknown][] = [
      ['confirm "true" as a string', { confirm: { action: 'accept', content: { confirm: 'true' } } }],
      ['confirm 1', { confirm: { action: 'accept', content: { confirm: 1 } } }],
      ['accept without content', { confirm: { action: 'accept' } }],
      ['accept with empty content', { confirm: { action: 'accept', content: {} } }],
      ['cancel with confirm true', { confirm: { action: 'cancel', content: { confirm: true } } }],
      ['other key', { Confirm: { action: 'accept', content: { confirm: true } } }],
      ['missing', undefined],
      ['empty object', {}],
      ['array', [{ action: 'accept', content: { confirm: true } }]],
      [
        'a sampling-shaped answer',
        { confirm: { role: 'assistant', content: { type: 'text', text: 'yes' } } },
      ],
    ];
    for (const [what, inputResponses] of variants) {
      const org = await throwaway(`Q answer ${what}`);
      const state = await questionState(member.access_token, org);
      const r = await raw(member.access_token, {
        name: 'delete_organization',
        arguments: { organization_id: org },
        ...(inputResponses === undefined ? {} : { inputResponses }),
        requestState: state,
      });
      if (deleted(r)) throw new Error(`${what}: deleted`);
      expect(await exists(org)).toBe(true);
      // The question is spent: the genuine yes afterwards does nothing either.
      const late = await raw(member.access_token, {
        name: 'delete_organization',
        arguments: { organization_id: org },
        inputResponses: ACCEPT,
        requestState: state,
      });
      if (r.result) {
        expect(deleted(late)).toBe(false);
        expect(await exists(org)).toBe(true);
      }
    }
  });

  test('extra keys beside a genuine yes — accepted only for the call asked about', async () => {
    const org = await throwaway('Q extra keys');
    const state = await questionState(member.access_token, org);
    const r = await raw(member.access_token, {
      name: 'delete_organization',
      arguments: { organization_id: org },
      inputResponses: {
        confirm: {
          action: 'accept',
          content: { confirm: true, also: 'delete everything', __proto__: { x: 1 } },
        },
        other: { action: 'accept', content: { confirm: true } },
      },
      requestState: state,
    });
    expect(deleted(r)).toBe(true);
    expect(await exists(org)).toBe(false);
  });

  test('the question nonce (readable in the state payload) sent as confirmation_token — "not valid", nothing deleted, question still answerable', async () => {
    const org = await throwaway('Q nonce as token');
    const state = await questionState(member.access_token, org);
    const nonce = envelopeOf(state).p.nonce;
    for (const elicit of [false, true]) {
      const r = await raw(
        member.access_token,
        { name: 'delete_organization', arguments: { organization_id: org, confirmation_token: nonce } },
        { elicit },
      );
      expect(deleted(r)).toBe(false);
      expect(textOf(r)).toContain('not valid');
    }
    // With the team requiring a person, the nonce is refused as any token is.
    setting(true);
    try {
      const r = await raw(
        member.access_token,
        { name: 'delete_organization', arguments: { organization_id: org, confirmation_token: nonce } },
        { elicit: false },
      );
      expect(deleted(r)).toBe(false);
    } finally {
      setting(false);
    }
    // A token minted for the agent is not an answer to a question either.
    const tokenResult = await raw(
      member.access_token,
      { name: 'delete_organization', arguments: { organization_id: org } },
      { elicit: false },
    );
    const agentToken = (tokenResult.result?.structuredContent as { confirmation_token?: string })
      ?.confirmation_token;
    expect(agentToken?.startsWith('confirm_')).toBe(true);
    expect(await exists(org)).toBe(true);
    const ok = await raw(member.access_token, {
      name: 'delete_organization',
      arguments: { organization_id: org },
      inputResponses: ACCEPT,
      requestState: state,
    });
    expect(deleted(ok)).toBe(true);
  });

  test('a genuine state echoed by a request that does not declare elicitation — not treated as an answer', async () => {
    const org = await throwaway('Q undeclared');
    const state = await questionState(member.access_token, org);
    const r = await raw(
      member.access_token,
      {
        name: 'delete_organization',
        arguments: { organization_id: org },
        inputResponses: ACCEPT,
        requestState: state,
      },
      { elicit: false },
    );
    expect(deleted(r)).toBe(false);
    expect(await exists(org)).toBe(true);
  });

  test('v2 SDK client (versionNegotiation auto) whose human declines, then a hand-crafted retry with the declined state — nothing deleted', async () => {
    const org = await throwaway('Q v2');
    const seen: string[] = [];
    const client = new ClientV2(
      { name: 'attacker-v2', version: '2.0.0' },
      { versionNegotiation: { mode: 'auto' }, capabilities: { elicitation: { form: {} } } },
    );
    client.setRequestHandler('elicitation/create', async (req) => {
      seen.push((req.params as { message: string }).message);
      return { action: 'decline' };
    });
    await client.connect(
      new TransportV2(new URL(`${gh.url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${member.access_token}` } },
      }),
    );
    try {
      const r = await call(client, 'delete_organization', { organization_id: org });
      expect(seen).toHaveLength(1);
      expect(r.isError).toBe(true);
      expect(await exists(org)).toBe(true);
    } finally {
      await client.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Channel 2: the agent's single-use token

describe('agent token', () => {
  test('a confirmation_token used by another authorization of the same person, then with other arguments — refused; once with its own call', async () => {
    const org = await throwaway('T token');
    const first = await raw(
      member.access_token,
      { name: 'delete_organization', arguments: { organization_id: org } },
      { elicit: false },
    );
    const token = (first.result?.structuredContent as { confirmation_token: string } | undefined)
      ?.confirmation_token as string;
    const elsewhere = await raw(
      memberAgain.access_token,
      { name: 'delete_organization', arguments: { organization_id: org, confirmation_token: token } },
      { elicit: false },
    );
    expect(deleted(elsewhere)).toBe(false);
    // The token as the nonce of a forged question (answer channel) — needs the HMAC; refused.
    const forged = `v1.${b64url(JSON.stringify({ p: { v: 1, nonce: token }, exp: 9_999_999_999 }))}.AAAA`;
    const asAnswer = await raw(member.access_token, {
      name: 'delete_organization',
      arguments: { organization_id: org },
      inputResponses: ACCEPT,
      requestState: forged,
    });
    expect(asAnswer.error?.code).toBe(-32602);
    expect(await exists(org)).toBe(true);
    const own = await raw(
      member.access_token,
      { name: 'delete_organization', arguments: { organization_id: org, confirmation_token: token } },
      { elicit: false },
    );
    expect(deleted(own)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Channel 3: "Deletions need a person" — the console

describe('deletions need a person — console', () => {
  beforeAll(() => setting(true));
  afterAll(() => setting(false));

  test('the agent’s own token, an old token minted before the setting, and a v1 SDK session — none confirms', async () => {
    setting(false);
    const org = await throwaway('P old token');
    const first = await raw(
      member.access_token,
      { name: 'delete_organization', arguments: { organization_id: org } },
      { elicit: false },
    );
    const token = (first.result?.structuredContent as { confirmation_token: string } | undefined)
      ?.confirmation_token as string;
    setting(true);
    const agent = await connectV1(gh.url, member.access_token);
    try {
      const r = await call(agent, 'delete_organization', { organization_id: org, confirmation_token: token });
      expect(r.isError).toBe(true);
      expect(r.text).toContain('requires a person');
      const again = await call(agent, 'delete_organization', { organization_id: org });
      expect(again.isError).toBe(true);
      expect(again.text).not.toMatch(/confirm_|person_|ask_/);
      expect(await exists(org)).toBe(true);
    } finally {
      await agent.close();
    }
  });

  test('confirm by another person, an admin, a viewer, the same human in another team, an impersonated session, no/stale/other CSRF, GET — all refused; the card still waits', async () => {
    const person = await Console.signIn(gh.url, 'member@demo.test');
    const org = await throwaway('P who');
    const id = await consoleConfirmation(member.access_token, person, org, 'P who');
    const path = `/approvals/confirmations/${id}/confirm`;

    const admin = await Console.signIn(gh.url, 'admin@demo.test', DEMO);
    expect((await admin.post(path, { _csrf: await admin.csrf() })).status).toBe(403);
    expect((await admin.post(path, { _csrf: await admin.csrf() }, { 'hx-request': 'true' })).status).toBe(
      403,
    );
    const viewer = await Console.signIn(gh.url, 'viewer@demo.test');
    expect((await viewer.post(path, { _csrf: await viewer.csrf() })).status).toBe(403);
    expect(waitingIds((await viewer.get('/approvals')).html)).not.toContain(id);
    const adminInLabs = await Console.signIn(gh.url, 'admin@demo.test', LABS);
    expect((await adminInLabs.post(path, { _csrf: await adminInLabs.csrf() })).status).toBe(404);

    // The person's own session without the right CSRF token.
    expect((await person.post(path, {})).status).toBe(403);
    expect((await person.post(path, { _csrf: '' })).status).toBe(403);
    expect((await person.post(path, { _csrf: await admin.csrf() })).status).toBe(403);
    const second = await Console.signIn(gh.url, 'member@demo.test');
    expect((await person.post(path, { _csrf: await second.csrf() })).status).toBe(403);
    const csrf = await person.csrf();
    expect((await person.post(path, { _csrf: [csrf, csrf] })).status).not.toBe(303);
    // A stale token: the session it belonged to has ended.
    const gone = await Console.signIn(gh.url, 'member@demo.test');
    const goneCsrf = await gone.csrf();
    await gone.http.fetch(`${gh.url}/logout`, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: goneCsrf }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const stale = await gone.post(path, { _csrf: goneCsrf });
    expect(stale.status).not.toBe(200);
    expect(stale.status === 303 ? stale.res.headers.get('location') : '').not.toContain('done=');
    // JSON or multipart bodies instead of a form.
    const json = await person.http.fetch(`${gh.url}${path}`, {
      method: 'POST',
      body: JSON.stringify({ _csrf: csrf }),
      headers: { 'content-type': 'application/json', 'x-csrf-token': 'nope' },
    });
    expect(json.status).not.toBe(303);
    // GET, HEAD and other methods on the answer URL.
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
      const r = await person.http.fetch(`${gh.url}${path}?_csrf=${encodeURIComponent(csrf)}`, { method });
      expect(r.status).not.toBe(303);
      expect(r.status).toBeGreaterThanOrEqual(400);
    }
    // An impersonated sign-in of the very person.
    await impersonate(gh, 'member@demo.test');
    const imp = await Console.signIn(gh.url, 'member@demo.test');
    expect((await imp.post(path, { _csrf: await imp.csrf() })).status).toBe(403);
    expect((await imp.post(path.replace(/\/confirm$/, '/decline'), { _csrf: await imp.csrf() })).status).toBe(
      403,
    );

    const r = row(id)!;
    expect(r.decision).toBeNull();
    expect(r.consumedAt).toBeNull();
    const waiting = await retry(member.access_token, org);
    expect(textOf(waiting)).toContain('still waiting');
    expect(await exists(org)).toBe(true);
  });

  test('the same human’s Labs agent: its confirmation is answered only from a Labs session, never from Demo', async () => {
    setting(true, gh, 'gatehouse-labs');
    try {
      const labsOrg = await throwaway('P labs', gh, 'gatehouse-labs');
      const labs = await Console.signIn(gh.url, 'admin@demo.test', LABS);
      const demo = await Console.signIn(gh.url, 'admin@demo.test', DEMO);
      const first = await raw(
        adminLabs.access_token,
        { name: 'delete_organization', arguments: { organization_id: labsOrg } },
        { elicit: false },
      );
      expect(textOf(first)).toContain('waiting for them in the Gatehouse console');
      const id = waitingFor((await labs.get('/approvals')).html, 'P labs')!;
      expect(id).toBeTruthy();
      expect(waitingIds((await demo.get('/approvals')).html)).not.toContain(id);
      expect(
        (await demo.post(`/approvals/confirmations/${id}/confirm`, { _csrf: await demo.csrf() })).status,
      ).toBe(404);
      // Demo's CSRF token on the Labs session does not work either.
      expect(
        (await labs.post(`/approvals/confirmations/${id}/confirm`, { _csrf: await demo.csrf() })).status,
      ).toBe(403);
      // The Demo agent of the same human cannot spend it.
      const cross = await raw(
        adminDemo.access_token,
        { name: 'delete_organization', arguments: { organization_id: labsOrg } },
        { elicit: false },
      );
      expect(deleted(cross)).toBe(false);
      expect(await exists(labsOrg, gh, 'gatehouse-labs')).toBe(true);
      expect(row(id)!.decision).toBeNull();
    } finally {
      setting(false, gh, 'gatehouse-labs');
    }
  });

  test('confirmed once, 30 concurrent retries of the exact call — exactly one deletion', async () => {
    const person = await Console.signIn(gh.url, 'member@demo.test');
    const org = await throwaway('P race');
    const id = await consoleConfirmation(member.access_token, person, org, 'P race');
    expect(
      (await person.post(`/approvals/confirmations/${id}/confirm`, { _csrf: await person.csrf() })).status,
    ).toBe(303);
    const all = await Promise.all(Array.from({ length: 30 }, () => retry(member.access_token, org)));
    expect(all.filter(deleted)).toHaveLength(1);
    expect(await exists(org)).toBe(false);
    expect(row(id)!.consumedAt).not.toBeNull();
  });

  test('another authorization of the same person retrying the confirmed call — not confirmed by it; the original still spends it once', async () => {
    const person = await Console.signIn(gh.url, 'member@demo.test');
    const org = await throwaway('P family');
    const id = await consoleConfirmation(member.access_token, person, org, 'P family');
    await person.post(`/approvals/confirmations/${id}/confirm`, { _csrf: await person.csrf() });
    const other = await retry(memberAgain.access_token, org);
    expect(deleted(other)).toBe(false);
    // With elicitation declared the other authorization is not let through either.
    const asked = await raw(memberAgain.access_token, {
      name: 'delete_organization',
      arguments: { organization_id: org },
    });
    expect(deleted(asked)).toBe(false);
    expect(await exists(org)).toBe(true);
    expect(deleted(await retry(member.access_token, org))).toBe(true);
    expect(deleted(await retry(member.access_token, org))).toBe(false);
  });

  test('declined, then retried — told once, never deleted, the declined card cannot be flipped to confirmed', async () => {
    const person = await Console.signIn(gh.url, 'member@demo.test');
    const org = await throwaway('P decline');
    const id = await consoleConfirmation(member.access_token, person, org, 'P decline');
    const csrf = await person.csrf();
    expect((await person.post(`/approvals/confirmations/${id}/decline`, { _csrf: csrf })).status).toBe(303);
    expect((await person.post(`/approvals/confirmations/${id}/confirm`, { _csrf: csrf })).status).toBe(409);
    const told = await retry(member.access_token, org);
    expect(textOf(told)).toContain('declined it in the Gatehouse console');
    const fresh = await retry(member.access_token, org);
    expect(textOf(fresh)).toContain('waiting for them');
    expect((await person.post(`/approvals/confirmations/${id}/confirm`, { _csrf: csrf })).status).toBe(409);
    expect(deleted(await retry(member.access_token, org))).toBe(false);
    expect(await exists(org)).toBe(true);
  });

  test('confirmed, then the setting is switched off — the retry without a token does not delete on the person’s old answer being ignored silently; the agent gets the default flow', async () => {
    const person = await Console.signIn(gh.url, 'member@demo.test');
    const org = await throwaway('P switched off');
    const id = await consoleConfirmation(member.access_token, person, org, 'P switched off');
    await person.post(`/approvals/confirmations/${id}/confirm`, { _csrf: await person.csrf() });
    setting(false);
    try {
      const r = await retry(member.access_token, org);
      expect(deleted(r)).toBe(false);
      expect(await exists(org)).toBe(true);
    } finally {
      setting(true);
    }
  });

  test('a waiting confirmation whose setting was switched off, answered afterwards — no deletion follows from it without the agent’s own confirmation', async () => {
    const person = await Console.signIn(gh.url, 'member@demo.test');
    const org = await throwaway('P off then answered');
    const id = await consoleConfirmation(member.access_token, person, org, 'P off then answered');
    setting(false);
    try {
      await person.post(`/approvals/confirmations/${id}/confirm`, { _csrf: await person.csrf() });
      const r = await retry(member.access_token, org);
      expect(deleted(r)).toBe(false);
      expect(await exists(org)).toBe(true);
    } finally {
      setting(true);
    }
  });

  test('confirmed, then the token family is revoked — the revoked token is refused and a new authorization does not inherit the answer', async () => {
    const browser = await signIn(gh.url, 'member@demo.test');
    const client = await registerClient(gh.url);
    const tokens = await obtainTokens(gh.url, browser, client);
    const person = await Console.signIn(gh.url, 'member@demo.test');
    const org = await throwaway('P revoked');
    const id = await consoleConfirmation(tokens.access_token, person, org, 'P revoked');
    await person.post(`/approvals/confirmations/${id}/confirm`, { _csrf: await person.csrf() });
    const revoked = await fetch(`${gh.url}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refresh_token, client_id: client.client_id }),
    });
    expect(revoked.status).toBe(200);
    const dead = await retry(tokens.access_token, org);
    expect(deleted(dead)).toBe(false);
    expect(dead.status).toBe(401);
    const fresh = await obtainTokens(gh.url, browser, client);
    const r = await retry(fresh.access_token, org);
    expect(deleted(r)).toBe(false);
    expect(await exists(org)).toBe(true);
  });

  // Was a FINDING, fixed (low): a confirmation whose agent authorization was revoked stays on the person's
  // /approvals page and can still be "confirmed" (person-confirmations.ts waitingFor/decide do
  // not look at token_families.revoked_at). Nothing can spend it — the family is dead — but the
  // person is asked to approve a deletion no agent can perform any more.
  test('waiting, then the token family is revoked — the card disappears', async () => {
    const browser = await signIn(gh.url, 'member@demo.test');
    const client = await registerClient(gh.url);
    const tokens = await obtainTokens(gh.url, browser, client);
    const person = await Console.signIn(gh.url, 'member@demo.test');
    const org = await throwaway('P revoked waiting');
    const id = await consoleConfirmation(tokens.access_token, person, org, 'P revoked waiting');
    await fetch(`${gh.url}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refresh_token, client_id: client.client_id }),
    });
    expect(waitingIds((await person.get('/approvals')).html)).not.toContain(id);
    expect(
      (await person.post(`/approvals/confirmations/${id}/confirm`, { _csrf: await person.csrf() })).status,
    ).not.toBe(303);
  });

  test('XSS through the organization name and through an agent-chosen name in a sign-in change — shown as text in Chromium, nothing runs', async () => {
    const payloadOrg = `<img src=x onerror="window.__xss1=1">"'><script>window.__xss2=1</script>`;
    const org = await throwaway(payloadOrg);
    const first = await retry(member.access_token, org);
    expect(textOf(first)).toContain('waiting for them');
    // A sign-in change: the agent writes the name that ends up in the summary (admins only).
    const payloadName = `</p><svg onload="window.__xss3=1"><p>`;
    const change = await raw(
      adminDemo.access_token,
      {
        name: 'create_workos_organization',
        arguments: { name: payloadName, domains: [{ domain: `xss${seq}.test`, state: 'verified' }] },
      },
      { elicit: false },
    );
    expect(textOf(change)).toContain('waiting for them');

    const browser = await launchBrowser();
    try {
      const ctxMember = await browser.newContext();
      const page = await ctxMember.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.goto(`${gh.url}/approvals`);
      await page.getByRole('button', { name: /member@demo\.test/ }).click();
      await page.waitForURL(`${gh.url}/approvals`);
      const card = page.getByTestId('confirmation').filter({ hasText: 'onerror' });
      await card.waitFor();
      expect(await card.textContent()).toContain(payloadOrg.split(' ')[0]!);
      expect(await card.locator('img, script, svg').count()).toBe(0);
      // No element a handler could hang on exists; the page has finished loading whatever it loads.
      await page.waitForLoadState('load');
      expect(
        await page.evaluate(() => [
          (window as unknown as Record<string, unknown>).__xss1,
          (window as unknown as Record<string, unknown>).__xss2,
        ]),
      ).toEqual([undefined, undefined]);

      const ctxAdmin = await browser.newContext();
      const adminPage = await ctxAdmin.newPage();
      await signInPage(adminPage, gh.url, '/approvals', 'admin@demo.test', DEMO);
      const adminCard = adminPage.getByTestId('confirmation').filter({ hasText: 'svg onload' });
      await adminCard.waitFor();
      expect(await adminCard.locator('svg, img, script').count()).toBe(0);
      expect(
        await adminPage.evaluate(() => (window as unknown as Record<string, unknown>).__xss3),
      ).toBeUndefined();
      expect(dialogs).toEqual([]);
    } finally {
      await browser.close();
    }
    expect(await exists(org)).toBe(true);
  });

  test('Chromium: a cross-site page auto-posting the confirm form, and framing /approvals for a click — neither confirms', async () => {
    const person = await Console.signIn(gh.url, 'member@demo.test');
    const org = await throwaway('P csrf');
    // Even granting the attacker the card id (it is the hash of a secret nobody holds).
    const id = await consoleConfirmation(member.access_token, person, org, 'P csrf');
    const target = `${gh.url}/approvals/confirmations/${id}/confirm`;
    const gatehouseHost = new URL(gh.url).hostname;
    const evilHost = gatehouseHost === 'localhost' ? '127.0.0.1' : 'localhost';
    const evil = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch(req) {
        const u = new URL(req.url);
        const html =
          u.pathname === '/frame'
            ? `<html><body><iframe id="f" src="${gh.url}/approvals" width="900" height="900"></iframe></body></html>`
            : u.pathname === '/htmx'
              ? `<html><body><script>fetch(${JSON.stringify(target)},{method:'POST',credentials:'include',mode:'no-cors',headers:{'hx-request':'true','content-type':'application/x-www-form-urlencoded'},body:'_csrf=x'}).finally(()=>{document.title='sent'})</script></body></html>`
              : `<html><body><form id="f" method="post" action="${target}"><input name="_csrf" value="guess"></form><script>document.getElementById('f').submit()</script></body></html>`;
        return new Response(html, { headers: { 'content-type': 'text/html' } });
      },
    });
    const evilOrigin = `http://${evilHost}:${evil.port}`;
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${gh.url}/approvals`);
      await page.getByRole('button', { name: /member@demo\.test/ }).click();
      await page.waitForURL(`${gh.url}/approvals`);
      await page.getByTestId('confirmation').filter({ hasText: 'P csrf' }).waitFor();

      const attack = await context.newPage();
      await attack.goto(`${evilOrigin}/form`);
      // The auto-submitted form lands on Gatehouse's answer (a refusal): await that navigation.
      await attack.waitForURL((u) => u.pathname.endsWith('/confirm'));
      await attack.waitForLoadState('load');
      await attack.goto(`${evilOrigin}/htmx`);
      // The page's fetch has settled when it sets its title.
      await attack.waitForFunction(() => document.title === 'sent');
      expect(row(id)!.decision).toBeNull();

      // goto resolves on the frame page's load event, which waits for its iframe.
      await attack.goto(`${evilOrigin}/frame`, { waitUntil: 'load' });
      const framed = attack.frames().find((f) => f !== attack.mainFrame());
      const framedHtml = framed ? await framed.content().catch(() => '') : '';
      expect(framedHtml).not.toContain('data-testid="confirm"');
      // The person's own tab still shows it waiting; nothing was answered.
      expect(row(id)!.decision).toBeNull();
    } finally {
      await browser.close();
      evil.stop(true);
    }
    expect(await exists(org)).toBe(true);
  });
});

describe('deletions need a person — what the person confirms', () => {
  beforeAll(() => setting(true));
  afterAll(() => setting(false));

  test('a member, a viewer and an impersonated admin switching "Deletions need a person" off in the console — refused, the setting stays on', async () => {
    const teamId = seededTeamId(gh);
    for (const email of ['member@demo.test', 'viewer@demo.test']) {
      const c = await Console.signIn(gh.url, email);
      const r = await c.post('/settings/toggle', {
        _csrf: await c.csrf(),
        setting: 'destructiveNeedsPerson',
        value: 'off',
      });
      expect(r.status).toBe(403);
      expect(gh.ctx.teams.settings(teamId).destructiveNeedsPerson).toBe(true);
    }
    await impersonate(gh, 'admin@demo.test');
    const imp = await Console.signIn(gh.url, 'admin@demo.test', DEMO);
    const r = await imp.post('/settings/toggle', {
      _csrf: await imp.csrf(),
      setting: 'destructiveNeedsPerson',
      value: 'off',
    });
    expect(r.status).toBe(403);
    expect(gh.ctx.teams.settings(teamId).destructiveNeedsPerson).toBe(true);
  });

  // DESIGN RISK (documented, not a code bug): the question and elicitation channels trust the
  // client's word that a human answered. Anything holding the bearer token — e.g. a coding agent
  // that can read its client's stored credentials and run curl — declares form elicitation in
  // `_meta`, receives input_required, and sends back {confirm: true} itself. In a team whose
  // "Deletions need a person" promises the agent can no longer confirm, the deletion goes through
  // with no person involved (src/policy/destructive-gate.ts tries the question before the
  // needsPerson/console path; README "Security at a glance" accepts "answering their client's prompt").
  // The boundary is kept, not closed (the issue accepts "an elicitation answered by the human"):
  // what holds is that such a confirmation is never mistaken for a person's console answer — the
  // trail names the channel, so an operator can tell a client's "yes" from a signed-in person's.
  test('a raw client in a "deletions need a person" team answering its own question — the trail names the question channel, never the console', async () => {
    const org = await throwaway('P self-answer');
    const state = await questionState(member.access_token, org);
    const r = await raw(member.access_token, {
      name: 'delete_organization',
      arguments: { organization_id: org },
      inputResponses: ACCEPT,
      requestState: state,
    });
    expect(deleted(r)).toBe(true);
    const consumed = gh.ctx.db
      .select()
      .from(schema.auditEntries)
      .where(eq(schema.auditEntries.event, 'confirmation.consumed'))
      .all()
      .filter((e) => JSON.stringify(e.args ?? '').includes(org));
    expect(consumed).toHaveLength(1);
    expect(JSON.parse(consumed[0]!.details!)).toEqual({ channel: 'question' });
  });

  // Was a FINDING, fixed (low): a confirmation card says "Your agent asks" but not which agent: the registered
  // client (and its client id) is not shown, unlike grant cards (views/components/
  // confirmation-card.tsx vs approvals-card.tsx "Who asked and through what"). A person with a
  // trusted client and a rogue script holding another authorization cannot tell whose deletion
  // they are confirming — and only the asking authorization can spend it.
  test('two agents of the same person — the card names the client that asks', async () => {
    const browser = await signIn(gh.url, 'member@demo.test');
    const client = await registerClient(gh.url, { client_name: 'Rogue Script 7' });
    const tokens = await obtainTokens(gh.url, browser, client);
    const person = await Console.signIn(gh.url, 'member@demo.test');
    const org = await throwaway('P which client');
    const id = await consoleConfirmation(tokens.access_token, person, org, 'P which client');
    const html = (await person.get('/approvals')).html;
    const at = html.indexOf(`data-confirmation="${id}"`);
    expect(html.slice(at, html.indexOf('</section>', at))).toContain('Rogue Script 7');
  });

  // Was a FINDING, fixed (medium): for a sign-in change the card (and every other channel's prompt) shows only
  // the sign-in part — `This would mark "x" verified for organization org_…` — while the
  // confirmation is bound to, and spends on, the whole call. An update_organization that also
  // renames the organization, sets metadata / external_id, and (domains is a full replacement)
  // drops its other domains is confirmed by a person who was shown none of that.
  // src/policy/destructive-gate.ts signInPrompt() builds the summary from `changesSignIn` alone;
  // views/components/confirmation-card.tsx shows only summary.summary.
  test('a sign-in change waiting in the console — the card shows everything the confirmed call will do', async () => {
    const org = await teamWorkOS(gh).organizations.createOrganization({
      name: `Keep Name ${++seq}`,
      domainData: [{ domain: `keep${seq}.test`, state: 'verified' as never }],
    });
    const args = {
      organization_id: org.id,
      name: 'RENAMED BY AGENT',
      domains: [{ domain: `added${seq}.test`, state: 'verified' }],
      external_id: `ext-by-agent-${seq}`,
      metadata: { owner: 'agent' },
    };
    const first = await raw(
      adminDemo.access_token,
      { name: 'update_organization', arguments: args },
      { elicit: false },
    );
    expect(textOf(first)).toContain('waiting for them');
    const person = await Console.signIn(gh.url, 'admin@demo.test', DEMO);
    const html = (await person.get('/approvals')).html;
    const id = waitingFor(html, org.id)!;
    expect(id).toBeTruthy();
    const at = html.indexOf(`data-confirmation="${id}"`);
    const card = html.slice(at, html.indexOf('</section>', at));
    // The person confirms what they were shown; the agent's retry then does all of it.
    expect(
      (await person.post(`/approvals/confirmations/${id}/confirm`, { _csrf: await person.csrf() })).status,
    ).toBe(303);
    const done = await raw(
      adminDemo.access_token,
      { name: 'update_organization', arguments: args },
      { elicit: false },
    );
    expect(done.result?.isError).not.toBe(true);
    const after = await teamWorkOS(gh).organizations.getOrganization(org.id);
    expect(after.name).toBe('RENAMED BY AGENT');
    expect(after.domains.map((d) => d.domain)).not.toContain(`keep${seq}.test`);
    // Safe outcome: what the person approved was on the card.
    expect(card).toContain('RENAMED BY AGENT');
    expect(card).toContain(`ext-by-agent-${seq}`);
    // The dropped domain is not in the call; the card says the list is replaced as a whole.
    expect(card).toContain('replaces the organization’s whole list');
  });

  // Was a FINDING (low/medium, gate scope): un-verifying or removing an organization's verified
  // domain changes how its people sign in just as much as verifying one, yet only domains being
  // *marked* verified were flagged. update_organization's precheck now reads the domains verified
  // today (src/tools/organizations/args.ts verifiedDomainsLost): losing one is a sign-in change.
  test('a member’s agent removing a customer’s verified domain — refused as a sign-in change (admins only), the domain stays verified', async () => {
    const org = await teamWorkOS(gh).organizations.createOrganization({
      name: `Verified Domain ${++seq}`,
      domainData: [{ domain: `sso${seq}.test`, state: 'verified' as never }],
    });
    expect(org.domains.some((d) => d.domain === `sso${seq}.test` && d.state === 'verified')).toBe(true);
    const r = await raw(
      member.access_token,
      { name: 'update_organization', arguments: { organization_id: org.id, domains: [`other${seq}.test`] } },
      { elicit: false },
    );
    const after = await teamWorkOS(gh).organizations.getOrganization(org.id);
    expect(r.result?.resultType).not.toBe('input_required');
    expect(textOf(r)).toContain('remove or un-verify the verified domain');
    expect(textOf(r)).toContain(`sso${seq}.test`);
    expect(textOf(r)).toContain('gatehouse:admin');
    expect(after.domains.some((d) => d.domain === `sso${seq}.test` && d.state === 'verified')).toBe(true);
    // Un-verifying it in place (explicitly "pending") is the same change.
    const unverify = await raw(
      member.access_token,
      {
        name: 'update_organization',
        arguments: { organization_id: org.id, domains: [{ domain: `sso${seq}.test`, state: 'pending' }] },
      },
      { elicit: false },
    );
    expect(textOf(unverify)).toContain('gatehouse:admin');
    // Adding a pending domain and keeping the verified one is no sign-in change: it just runs.
    const add = await raw(
      member.access_token,
      {
        name: 'update_organization',
        arguments: { organization_id: org.id, domains: [`sso${seq}.test`, `more${seq}.test`] },
      },
      { elicit: false },
    );
    expect(add.result?.isError).not.toBe(true);
    const added = await teamWorkOS(gh).organizations.getOrganization(org.id);
    expect(added.domains.find((d) => d.domain === `sso${seq}.test`)?.state as string | undefined).toBe(
      'verified',
    );
    expect(added.domains.some((d) => d.domain === `more${seq}.test`)).toBe(true);
  });

  test('an admin’s agent removing a verified domain — waits for a person, and the card says which domain stops routing', async () => {
    const org = await teamWorkOS(gh).organizations.createOrganization({
      name: `Verified Domain Admin ${++seq}`,
      domainData: [{ domain: `route${seq}.test`, state: 'verified' as never }],
    });
    const first = await raw(
      adminDemo.access_token,
      { name: 'update_organization', arguments: { organization_id: org.id, domains: [] } },
      { elicit: false },
    );
    expect(textOf(first)).toContain('waiting for them');
    const after = await teamWorkOS(gh).organizations.getOrganization(org.id);
    expect(after.domains.some((d) => d.domain === `route${seq}.test`)).toBe(true);
    const person = await Console.signIn(gh.url, 'admin@demo.test', DEMO);
    const html = (await person.get('/approvals')).html;
    const id = waitingFor(html, org.id)!;
    const at = html.indexOf(`data-confirmation="${id}"`);
    expect(html.slice(at, html.indexOf('</section>', at))).toContain(`route${seq}.test`);
  });
});

// ---------------------------------------------------------------------------------------------
// Flooding and duplicates (the agent creating console confirmations)

describe('deletions need a person — flooding', () => {
  beforeAll(() => setting(true));
  afterAll(() => setting(false));

  // Was a FINDING, fixed (low): concurrent identical calls each create a console confirmation.
  // destructive-gate.ts runs answerFor() (finds nothing), then awaits the WorkOS description,
  // then create(): the check and the insert are not one transaction and there is no uniqueness
  // on (family, tool, args_hash, environment) for waiting rows. 10 concurrent calls → 10 cards;
  // and after a confirmed deletion, the 29 losing concurrent retries (see the race test) leave 29
  // fresh cards asking to delete an organization that no longer exists. Each card the person
  // confirms is one more execution of the exact call — harmless for a delete, not for a
  // non-idempotent sign-in change (create_workos_organization with a verified domain).
  test('the same call asked 10 times at once — one card, not ten', async () => {
    const org = await throwaway('P dup');
    const before = consoleRows().length;
    await Promise.all(Array.from({ length: 10 }, () => retry(member.access_token, org)));
    const made = consoleRows().length - before;
    expect(made).toBe(1);
  });

  test('after one confirmation, 30 concurrent retries — exactly one deletion (leftover cards counted in the finding above)', async () => {
    const person = await Console.signIn(gh.url, 'member@demo.test');
    const org = await throwaway('P race leftovers');
    const id = await consoleConfirmation(member.access_token, person, org, 'P race leftovers');
    await person.post(`/approvals/confirmations/${id}/confirm`, { _csrf: await person.csrf() });
    const all = await Promise.all(Array.from({ length: 30 }, () => retry(member.access_token, org)));
    expect(all.filter(deleted)).toHaveLength(1);
    expect(await exists(org)).toBe(false);
  });

  // Was a FINDING, fixed (low): no cap on console confirmations per person or per token, no pruning of
  // expired rows (nothing deletes from `confirmations` except the family cascade), and the page
  // lists only the 50 oldest (person-confirmations.ts waitingFor .limit(50), oldest first) under a
  // heading that reads "(50)" however many wait. An admin's agent creates them for free with
  // fabricated sign-in changes (no WorkOS object needed: update_organization on any org id with a
  // verified domain), at the token's rate (600/min by default); the newest, real request is then
  // invisible for up to 15 minutes.
  test('an agent flooding the console — capped, or the page accounts for every waiting confirmation', async () => {
    const person = await Console.signIn(gh.url, 'member@demo.test');
    const orgs = await Promise.all(Array.from({ length: 60 }, (_, i) => throwaway(`P flood ${i}`)));
    for (const org of orgs) await retry(member.access_token, org);
    const memberUserId = consoleRows().at(-1)!.userId;
    // The admin's agent: 100 fabricated sign-in changes, nothing in WorkOS behind them.
    const adminBefore = consoleRows().length;
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        raw(
          adminDemo.access_token,
          {
            name: 'update_organization',
            arguments: {
              organization_id: `org_01FAKE${String(i).padStart(20, '0')}`,
              domains: [{ domain: `flood${i}.test`, state: 'verified' }],
            },
          },
          { elicit: false },
        ),
      ),
    );
    // Capped: at most MAX_WAITING_PER_PERSON wait for one person; the rest are refused.
    expect(consoleRows().length - adminBefore).toBeLessThanOrEqual(20);
    const c = schema.confirmations;
    const userId = memberUserId;
    const waiting = gh.ctx.db
      .select()
      .from(c)
      .where(and(eq(c.userId, userId), eq(c.via, 'console'), isNull(c.decision), isNull(c.consumedAt)))
      .all()
      .filter((r) => r.expiresAt > Date.now());
    const html = (await person.get('/approvals')).html;
    const shown = waitingIds(html).length;
    const heading = /Waiting for your confirmation \((\d+)\)/.exec(html)?.[1];
    // Safe outcome: the agent is capped, and the page shows every live confirmation it counts.
    expect(waiting.length).toBeLessThanOrEqual(20);
    expect(shown).toBeLessThanOrEqual(20);
    expect(Number(heading)).toBe(shown);
  });
});

// ---------------------------------------------------------------------------------------------
// Expiry, on a second Gatehouse whose clock the test moves

describe('expiry', () => {
  let g: TestGatehouse;
  let clock: ManualClock;
  let t: Tokens;
  beforeAll(async () => {
    clock = new ManualClock();
    g = await startTestGatehouse({ clock });
    t = await tokensFor(g.url, 'member@demo.test');
  });
  afterAll(async () => {
    setSystemTime();
    await g?.stop();
  });

  test('a console confirmation answered after it expired — refused (409), the retry asks afresh, nothing deleted', async () => {
    setting(true, g);
    try {
      const person = await Console.signIn(g.url, 'member@demo.test');
      const org = await throwaway('E console', g);
      const id = await consoleConfirmation(t.access_token, person, org, 'E console', g);
      clock.advance(15 * 60 * 1000 + 1);
      const late = await person.post(`/approvals/confirmations/${id}/confirm`, {
        _csrf: await person.csrf(),
      });
      expect(late.status).toBe(409);
      expect(row(id, g)!.decision).toBeNull();
      const r = await retry(t.access_token, org, g);
      expect(deleted(r)).toBe(false);
      expect(await exists(org, g)).toBe(true);
    } finally {
      setting(false, g);
    }
  });

  test('a console confirmation confirmed in time but spent after it expired — not deleted', async () => {
    setting(true, g);
    try {
      const person = await Console.signIn(g.url, 'member@demo.test');
      const org = await throwaway('E spent late', g);
      const id = await consoleConfirmation(t.access_token, person, org, 'E spent late', g);
      expect(
        (await person.post(`/approvals/confirmations/${id}/confirm`, { _csrf: await person.csrf() })).status,
      ).toBe(303);
      clock.advance(15 * 60 * 1000 + 1);
      const r = await retry(t.access_token, org, g);
      expect(deleted(r)).toBe(false);
      expect(await exists(org, g)).toBe(true);
    } finally {
      setting(false, g);
    }
  });

  test('a question answered after its confirmation row expired (state MAC still valid) — refused', async () => {
    const org = await throwaway('E question row', g);
    const state = await questionState(t.access_token, org, g);
    clock.advance(5 * 60 * 1000 + 1);
    const r = await raw(
      t.access_token,
      {
        name: 'delete_organization',
        arguments: { organization_id: org },
        inputResponses: ACCEPT,
        requestState: state,
      },
      { on: g },
    );
    expect(deleted(r)).toBe(false);
    expect(await exists(org, g)).toBe(true);
  });

  test('a question answered after the requestState’s own expiry (wall clock +6 min) — refused (-32602)', async () => {
    const org = await throwaway('E question state', g);
    const state = await questionState(t.access_token, org, g);
    setSystemTime(new Date(Date.now() + 6 * 60 * 1000));
    try {
      const r = await raw(
        t.access_token,
        {
          name: 'delete_organization',
          arguments: { organization_id: org },
          inputResponses: ACCEPT,
          requestState: state,
        },
        { on: g },
      );
      expect(deleted(r)).toBe(false);
      expect(r.error?.code).toBe(-32602);
    } finally {
      setSystemTime();
    }
    expect(await exists(org, g)).toBe(true);
  });
});
