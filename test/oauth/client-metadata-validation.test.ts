/**
 * What a client may register about itself (RFC 7591 §2, RFC 8252 §7): redirect URIs are https,
 * loopback http or a native app's reverse-domain private-use scheme (plus Cursor's `cursor:`);
 * script, OS-handler and bare custom schemes are refused; names with bidi controls, zero-width
 * or control characters are refused (not rewritten) with invalid_client_metadata. Proved on the
 * pure checks and on a real server, for dynamic registration and for metadata documents.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { count } from 'drizzle-orm';
import { schema } from '../../src/db/client.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { displayTextProblem } from '../../src/oauth/clients/display-text.ts';
import { redirectUriProblem, WELL_KNOWN_AGENT_SCHEMES } from '../../src/oauth/clients/redirect-uri.ts';
import { pkce, REDIRECT_URI, standardParams } from '../support/oauth.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';
import { type Harness, registerRaw } from './support.ts';

setDefaultTimeout(30_000);

/** Redirect URIs that must never receive a code, with why. */
const REFUSED_REDIRECTS: [string, string][] = [
  ['javascript:', 'javascript:alert(document.cookie)'],
  ['javascript: in capitals', 'JavaScript:alert(1)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['file:', 'file:///etc/passwd'],
  ['vbscript:', 'vbscript:msgbox(1)'],
  [
    'search-ms: (Windows search handler)',
    'search-ms:query=invoice&crumb=location:%5C%5Cevil.example%5Cshare',
  ],
  ['search:', 'search:query=x'],
  ['ms-msdt: (Follina)', 'ms-msdt:/id%20PCWDiagnostic'],
  ['ms-officecmd:', 'ms-officecmd:{"id":1}'],
  ['ms-word:', 'ms-word:ofe|u|https://evil.example/a.docx'],
  ['ms-settings:', 'ms-settings:privacy'],
  ['ms-appinstaller:', 'ms-appinstaller:?source=https://evil.example/x.appinstaller'],
  ['microsoft-edge:', 'microsoft-edge:https://evil.example'],
  ['itms-services:', 'itms-services://?action=download-manifest&url=https://evil.example/m.plist'],
  ['x-apple-helpviewer:', 'x-apple-helpviewer://evil'],
  ['intent:', 'intent://evil#Intent;scheme=http;end'],
  ['a bare custom scheme (not reverse-domain)', 'myapp://callback'],
  ['another bare custom scheme', 'agent:/callback'],
  ['a scheme whose first label is not a TLD', 'ms-x.example:/cb'],
  ['a reverse-domain scheme with credentials', 'com.example.app://user:secret@callback/cb'],
  ['a reverse-domain scheme with a user only', 'com.example.app://user@callback/cb'],
  ['a reverse-domain scheme with a fragment', 'com.example.app:/cb#frag'],
  ['https with credentials', 'https://good.example@evil.example/cb'],
  ['plain http on a public host', 'http://agent.example.com/cb'],
  ['http on a loopback lookalike', 'http://127.0.0.1.evil.example/cb'],
  ['a non-ASCII (bidi-spoofed) host', 'https://app.example\u202e/cb'],
  ['https without an authority (a parser takes cb as the host)', 'https:///cb'],
  ['https without its slashes', 'https:evil.example/cb'],
  ['http on loopback without its slashes', 'http:127.0.0.1:8080/cb'],
  ['https on port 0', 'https://a.example:0/cb'],
  [
    'a host holding a character reference (a link would read it as @)',
    'https://good.example&commat;evil.example/cb',
  ],
  ['a host holding a character reference (#)', 'https://evil.example&num;.good.example/cb'],
  ['a query that already holds a code', 'https://app.example/cb?code=ATTACKER'],
  ['a query that names an issuer', 'https://app.example/cb?x=1&iss=https://evil.example'],
  ['a query that holds an error', 'https://app.example/cb?error=access_denied'],
];

/** RFC 8252 §7 redirect URIs real clients use; these keep working. */
const ACCEPTED_REDIRECTS = [
  'https://app.example.com/oauth/callback',
  'https://app.example.com',
  'https://app.example.com:8443?x=1',
  'http://127.0.0.1:51234/callback',
  'http://[::1]:8080/callback',
  'http://localhost:33418/callback',
  'com.example.app:/oauth2redirect/example-provider',
  'com.example.app://callback',
  'dev.agent.desktop:/cb',
  'cursor://anysphere.cursor-retrieval/oauth/user-gatehouse/callback',
];

/** Client names that could disguise themselves on the consent screen. */
const DISGUISED_NAMES: [string, string, string][] = [
  ['a right-to-left override', 'Claude \u202eedoC', 'U+202E RIGHT-TO-LEFT OVERRIDE'],
  ['a left-to-right embedding', '\u202aGatehouse', 'U+202A'],
  ['a right-to-left isolate', 'Agent\u2067x\u2069', 'U+2067'],
  ['a pop directional isolate', 'Agent\u2069', 'U+2069'],
  ['a zero-width space', 'Cla\u200bude', 'U+200B ZERO WIDTH SPACE'],
  ['a zero-width joiner', 'Cla\u200dude', 'U+200D'],
  ['a right-to-left mark', 'Claude\u200f', 'U+200F'],
  ['a byte order mark', '\ufeffClaude', 'U+FEFF'],
  ['a word joiner', 'Clau\u2060de', 'U+2060'],
  ['a C1 control character', 'Claude\u0085', 'U+0085'],
  ['a line separator', 'Claude\u2028Code', 'U+2028'],
  ['a Hangul filler (renders as nothing)', 'Claude\u3164', 'U+3164'],
];

describe('redirect URIs and display text — unit', () => {
  test('redirectUriProblem with script, OS-handler, bare custom schemes, credentials or fragments — refused, each with a reason', () => {
    const accepted = REFUSED_REDIRECTS.filter(([, uri]) => redirectUriProblem(uri) === undefined).map(
      ([w]) => w,
    );
    expect(accepted).toEqual([]);
    expect(redirectUriProblem('search-ms:query=x')).toContain('operating-system handler');
    expect(redirectUriProblem('ms-msdt:/id%20x')).toContain('ms-msdt:');
    expect(redirectUriProblem('myapp://callback')).toContain('reverse-domain');
  });

  test('redirectUriProblem with https, loopback http, reverse-domain schemes and cursor: — accepted (regression guard)', () => {
    for (const uri of ACCEPTED_REDIRECTS)
      expect({ uri, problem: redirectUriProblem(uri) }).toEqual({ uri, problem: undefined });
    expect([...WELL_KNOWN_AGENT_SCHEMES]).toEqual(['cursor']);
  });

  test('displayTextProblem with bidi controls, zero-width, control or invisible characters — names the code point', () => {
    for (const [, name, named] of DISGUISED_NAMES) expect(displayTextProblem(name)).toContain(named);
    expect(displayTextProblem('Claude \u202eedoC')).toBe(
      'must not contain bidirectional control characters (found U+202E RIGHT-TO-LEFT OVERRIDE at position 8): they can disguise what the consent screen shows',
    );
    for (const ok of ['Claude Code', 'Cursor', 'Gâtéhouse Agent', '助手', 'Agent (beta) — v2'])
      expect(displayTextProblem(ok)).toBeUndefined();
  });
});

describe('registration and metadata documents on a real server', () => {
  let gh: TestGatehouse;
  let h: Harness;
  const documents = new Map<string, string>();

  beforeAll(async () => {
    const clock = new ManualClock();
    gh = await startTestGatehouse({
      clock,
      testHooks: {
        fetchClientMetadata: async (url) => {
          const body = documents.get(url);
          return body === undefined
            ? { status: 404, headers: new Headers(), text: () => '' }
            : { status: 200, headers: new Headers({ 'content-type': 'application/json' }), text: () => body };
        },
      },
    });
    h = { base: gh.url, clock };
  });
  afterAll(() => gh.stop());

  const clients = () => gh.ctx.db.select({ n: count() }).from(schema.oauthClients).get()!.n;

  async function registrationError(meta: Record<string, unknown>) {
    const before = clients();
    const res = await registerRaw(
      h,
      JSON.stringify({
        client_name: 'Agent',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
        ...meta,
      }),
    );
    const body = (await res.json()) as Record<string, string>;
    expect(clients()).toBe(before);
    return { status: res.status, error: body.error, description: body.error_description ?? '' };
  }

  test('DCR with a script, OS-handler or bare custom redirect scheme — 400 invalid_redirect_uri, no client', async () => {
    for (const [what, uri] of REFUSED_REDIRECTS) {
      const r = await registrationError({ redirect_uris: [REDIRECT_URI, uri] });
      expect({ what, status: r.status, error: r.error }).toEqual({
        what,
        status: 400,
        error: 'invalid_redirect_uri',
      });
    }
  });

  test('DCR with a disguised client_name — 400 invalid_client_metadata naming the character, no client', async () => {
    for (const [what, name, named] of DISGUISED_NAMES) {
      const r = await registrationError({ client_name: name });
      expect({ what, status: r.status, error: r.error }).toEqual({
        what,
        status: 400,
        error: 'invalid_client_metadata',
      });
      expect(r.description).toStartWith('client_name must not contain');
      expect(r.description).toContain(named);
    }
  });

  test('DCR client_name length — counted in characters: 100 emoji are taken, 101 refused', async () => {
    const taken = await registerRaw(
      h,
      JSON.stringify({
        client_name: '🤖'.repeat(100),
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
      }),
    );
    expect(taken.status).toBe(201);
    const r = await registrationError({ client_name: '🤖'.repeat(101) });
    expect([r.status, r.description]).toEqual([400, 'client_name must be at most 100 characters']);
  });

  test('DCR with bidi or zero-width characters in software_id, software_version or contacts — invalid_client_metadata', async () => {
    for (const change of [
      { software_id: 'agent\u202e' },
      { software_version: '1.0\u200b' },
      { contacts: ['ops@agent.example\u2066'] },
    ]) {
      const r = await registrationError(change);
      expect({ change, status: r.status, error: r.error }).toEqual({
        change,
        status: 400,
        error: 'invalid_client_metadata',
      });
    }
  });

  test('DCR with credentials in client_uri or logo_uri — invalid_client_metadata, no client', async () => {
    for (const change of [
      { client_uri: 'https://claude.ai@evil.example/' },
      { logo_uri: 'https://x:y@cdn.example/logo.png' },
    ]) {
      const r = await registrationError(change);
      expect({ change, status: r.status, error: r.error }).toEqual({
        change,
        status: 400,
        error: 'invalid_client_metadata',
      });
      expect(r.description).toContain('credentials');
    }
  });

  test('DCR with every accepted kind of redirect URI — 201, echoed as registered (regression guard)', async () => {
    h.clock.advance(60_000);
    const res = await registerRaw(
      h,
      JSON.stringify({
        client_name: 'Native Agent',
        redirect_uris: ACCEPTED_REDIRECTS,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
      }),
    );
    expect(res.status).toBe(201);
    expect(((await res.json()) as { redirect_uris: string[] }).redirect_uris).toEqual(ACCEPTED_REDIRECTS);
  });

  /** GET /authorize for a metadata-document client, not signed in. */
  function authorizeDocument(url: string, redirectUri = REDIRECT_URI) {
    const params = standardParams(gh.url, url, pkce().challenge, { redirect_uri: redirectUri });
    return fetch(`${gh.url}/authorize?${new URLSearchParams(params as Record<string, string>)}`, {
      redirect: 'manual',
    });
  }

  test('a metadata document with a disguised name or an OS-handler redirect URI — error page, no client', async () => {
    const cases: [string, Record<string, unknown>, string, string][] = [
      ['rlo', { client_name: 'Claude \u202eedoC' }, REDIRECT_URI, 'U+202E'],
      ['zwsp', { client_name: 'Cla\u200bude' }, REDIRECT_URI, 'U+200B'],
      ['search-ms', { redirect_uris: ['search-ms:query=x'] }, 'search-ms:query=x', 'search-ms:'],
      ['bare', { redirect_uris: ['myapp://callback'] }, 'myapp://callback', 'reverse-domain'],
    ];
    for (const [name, change, redirectUri, says] of cases) {
      const url = `https://agent.example/cimd/${name}.json`;
      documents.set(
        url,
        JSON.stringify({
          client_id: url,
          client_name: 'Document Agent',
          redirect_uris: [REDIRECT_URI],
          ...change,
        }),
      );
      const before = clients();
      const res = await authorizeDocument(url, redirectUri);
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
      const html = await res.text();
      expect(html).toContain('Error: invalid_client.');
      expect(html).toContain(says);
      expect(clients()).toBe(before);
    }
  });
});

test('redirect URIs — the cursor: exception takes only its authority form, never cursor:javascript:…', () => {
  expect(redirectUriProblem('cursor://anysphere.cursor-retrieval/oauth/callback')).toBeUndefined();
  expect(redirectUriProblem('cursor:javascript:alert(1)')).toContain('cursor://<host>/<path>');
});
