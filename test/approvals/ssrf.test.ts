/**
 * SSRF through the integration tools: only https URLs of a known provider are ever called, the
 * agent cannot bring its own credentials, and a provider's redirect is reported, never followed.
 * Only api.linear.app is mapped to a loopback fake; every other host meets the real guard.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { count } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { AppError } from '../../src/errors/app-error.ts';
import { type AnyClient, call } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import {
  agentFor,
  Console,
  type FakeLinear,
  LINEAR_URL,
  ok,
  requestAccess,
  sessionRequest,
  startCanary,
  startFakeLinear,
  VIEWER_QUERY,
} from './support.ts';

// Each file starts real servers: allow more than bun's 5 s default.
setDefaultTimeout(30_000);

let gh: TestGatehouse;
let fake: FakeLinear;
let canary: ReturnType<typeof startCanary>;
let agent: AnyClient;

beforeAll(async () => {
  fake = startFakeLinear();
  canary = startCanary();
  gh = await startTestGatehouse({ testHooks: { outboundHostMap: { 'api.linear.app': fake.origin } } });
  agent = await agentFor(gh, 'member@demo.test');
  // Write authority over every provider, so nothing below is refused for lack of approval.
  const req = await requestAccess(
    agent,
    sessionRequest(['linear', 'notion', 'snowflake', 'github', 'slack'], 'write', 'SSRF suite'),
  );
  const console = await Console.signIn(gh.url, 'member@demo.test');
  const approved = await console.approve(req.id, {
    providers: ['linear', 'notion', 'snowflake', 'github', 'slack'],
    level: 'write',
  });
  expect(approved.status).toBe(303);
});
afterAll(async () => {
  await gh?.stop();
  fake?.stop();
  canary?.stop();
});

const grantCount = () => gh.ctx.db.select({ n: count() }).from(schema.grants).get()!.n;

/** URLs that must never be called, and what the agent is told. */
const REFUSED: [string, string][] = [
  ['https://10.0.0.1/graphql', '10.0.0.1 is not a provider Gatehouse calls'],
  ['https://169.254.169.254/latest/meta-data', '169.254.169.254 is not a provider Gatehouse calls'],
  ['https://[::1]/x', '[::1] is not a provider Gatehouse calls'],
  ['https://[::ffff:127.0.0.1]/graphql', 'is not a provider Gatehouse calls'],
  // WHATWG URL reads the hex form as 127.0.0.1.
  ['https://0x7f000001/', '127.0.0.1 is not a provider Gatehouse calls'],
  ['https://2130706433/graphql', '127.0.0.1 is not a provider Gatehouse calls'],
  ['https://localhost/graphql', 'localhost is not a provider Gatehouse calls'],
  ['https://127.0.0.1.nip.io/', '127.0.0.1.nip.io is not a provider Gatehouse calls'],
  ['https://api.linear.app.127.0.0.1.nip.io/graphql', 'is not a provider Gatehouse calls'],
  ['http://api.linear.app/graphql', 'Only https URLs of a known provider can be called'],
  ['https://api.linear.app.evil.com/graphql', 'api.linear.app.evil.com is not a provider Gatehouse calls'],
  ['https://evil.example/graphql', 'evil.example is not a provider Gatehouse calls'],
  ['https://api.linear.app:8443/graphql', 'is not a provider Gatehouse calls'],
  ['https://user:pw@api.linear.app/graphql', 'url must not carry credentials (user:password@)'],
  ['https://api.linear.app@169.254.169.254/graphql', 'url must not carry credentials (user:password@)'],
  // Refused as written, never repaired by the URL parser into something else.
  ['https://api.linear.app/../../etc/passwd', 'url must not contain "." or ".." path segments'],
  ['https://api.linear.app/%2e%2e/graphql', 'url must not contain "." or ".." path segments'],
  ['https://api.lin\tear.app/graphql', 'url holds a space, tab, line break or other control character'],
  ['https://api.linear.app/graphql\n', 'url holds a space, tab, line break or other control character'],
  ['https://api.linear.app/ a b', 'url holds a space, tab, line break or other control character'],
  ['https://api.linear.app/x\\..\\graphql', 'url holds a backslash'],
  [
    'https://api.linear.app/v1/issues',
    "/v1/issues is not a path of api.linear.app's API that Gatehouse calls",
  ],
  ['file:///etc/passwd', 'Only https URLs of a known provider can be called'],
];

test('call_integration_api — private, loopback, metadata, look-alike and non-https URLs are refused before any connection', async () => {
  const before = fake.requests.length;
  for (const [url, message] of REFUSED) {
    const r = await call(agent, 'call_integration_api', { method: 'POST', url, body: VIEWER_QUERY });
    expect({ url, isError: r.isError }).toEqual({ url, isError: true });
    expect(r.text).toContain(message);
  }
  expect(fake.requests.length).toBe(before);
  expect(canary.hits).toEqual([]);
});

test('request_elevated_access — the same URLs cannot even be asked for; no request is created', async () => {
  const before = grantCount();
  for (const [url, message] of REFUSED) {
    const r = await call(agent, 'request_elevated_access', {
      kind: 'call',
      method: 'POST',
      url,
      reason: 'SSRF probe',
    });
    expect({ url, isError: r.isError }).toEqual({ url, isError: true });
    expect(r.text).toContain(message);
  }
  expect(grantCount()).toBe(before);
});

test('call_integration_api — an Authorization (or other credential/transport) header from the agent is refused', async () => {
  const before = fake.requests.length;
  for (const name of [
    'Authorization',
    'authorization',
    'Proxy-Authorization',
    'Cookie',
    'Host',
    'X-Forwarded-For',
    // Method overrides would turn an approved read into a write at a server that honours them.
    'X-HTTP-Method-Override',
    'x-http-method',
    'X-Method-Override',
  ]) {
    const r = await call(agent, 'call_integration_api', {
      method: 'POST',
      url: LINEAR_URL,
      body: VIEWER_QUERY,
      headers: { [name]: 'Bearer lin_api_attackerchosen0000000000' },
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain(`You cannot set the ${name} header`);
  }
  const crlf = await call(agent, 'call_integration_api', {
    method: 'POST',
    url: LINEAR_URL,
    body: VIEWER_QUERY,
    headers: { 'X-Note': 'a\r\nAuthorization: Bearer x' },
  });
  expect(crlf.isError).toBe(true);
  expect(crlf.text).toContain('line break');
  const nul = await call(agent, 'call_integration_api', {
    method: 'POST',
    url: LINEAR_URL,
    body: VIEWER_QUERY,
    headers: { 'X-Note': 'a\u0000b' },
  });
  expect(nul.isError).toBe(true);
  expect(nul.text).toContain('The X-Note header contains a NUL character.');
  // A character no header can carry is the agent's error to fix, not an internal one.
  for (const value of ['café\u0100', 'bell\u0007']) {
    const odd = await call(agent, 'call_integration_api', {
      method: 'POST',
      url: LINEAR_URL,
      body: VIEWER_QUERY,
      headers: { 'X-Note': value },
    });
    expect(odd.isError).toBe(true);
    expect(odd.text).toContain('invalid_input');
    expect(odd.text).toContain('RFC 9110');
  }
  expect(fake.requests.length).toBe(before);
  // An ordinary extra header is passed through, next to Gatehouse's own credential.
  await ok(agent, 'call_integration_api', {
    method: 'POST',
    url: LINEAR_URL,
    body: VIEWER_QUERY,
    headers: { 'X-Request-Note': 'hello' },
  });
  const seen = fake.requests.at(-1)!;
  expect(seen.headers['x-request-note']).toBe('hello');
  expect(seen.headers.authorization).toStartWith('Bearer lin_oauth_');
});

test('redirects — a provider answering 302 to the metadata service or elsewhere is reported, never followed', async () => {
  const targets = [
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    `${canary.origin}/stolen`,
    'https://api.linear.app/graphql?again=1',
  ];
  try {
    for (const location of targets) {
      fake.mode = { kind: 'redirect', location };
      const before = fake.requests.length;
      const r = await ok(agent, 'call_integration_api', {
        method: 'POST',
        url: LINEAR_URL,
        body: VIEWER_QUERY,
      });
      expect(r.structured).toMatchObject({ status: 302, redirect_location: location });
      expect(r.text).toContain('Gatehouse does not follow redirects');
      // Exactly the one request to the provider; nothing else was contacted.
      expect(fake.requests.length).toBe(before + 1);
      expect(fake.requests.at(-1)!.search).toBe('');
    }
  } finally {
    fake.mode = { kind: 'graphql' };
  }
  expect(canary.hits).toEqual([]);
});

test('outbound guard (the app’s instance) — names resolving to private addresses fail closed, loopback names before DNS', async () => {
  const lookups: string[] = [];
  const resolver = (answers: string[]) => async (host: string) => {
    lookups.push(host);
    return answers;
  };
  const refusedWith = async (url: string, init: Parameters<typeof gh.ctx.outbound.fetch>[1]) => {
    try {
      await gh.ctx.outbound.fetch(url, init);
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      return e as AppError;
    }
    throw new Error(`${url} was fetched`);
  };
  // A public-looking name whose DNS answer is private, or mixes public and private (rebinding).
  for (const answers of [['10.0.0.5'], ['169.254.169.254'], ['93.184.216.34', '127.0.0.1'], ['::1']]) {
    const e = await refusedWith('https://api.example.com/graphql', { resolver: resolver(answers) });
    expect(e.code).toBe('forbidden');
    expect(e.message).toContain('Refused outbound call to api.example.com: it resolves to');
  }
  // Loopback and single-label names are refused before any DNS lookup.
  lookups.length = 0;
  for (const url of ['https://localhost/', 'https://foo.localhost./', 'https://intranet/']) {
    const e = await refusedWith(url, { resolver: resolver(['93.184.216.34']) });
    expect(e.code).toBe('forbidden');
  }
  expect(lookups).toEqual([]);
  // A wildcard-DNS name for 127.0.0.1 with the real resolver: refused if it resolves, and with no
  // network it cannot resolve, which fails closed too. Either way nothing is connected to.
  const nip = await refusedWith('https://127.0.0.1.nip.io/', {});
  expect(['forbidden', 'upstream_failed']).toContain(nip.code);
  expect(canary.hits).toEqual([]);
});
