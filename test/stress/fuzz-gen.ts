/**
 * Input generators for fuzz.test.ts: random and mutated JSON-RPC messages for /mcp, OAuth
 * parameters, console form posts. Every input is drawn from its own PRNG (seed × index), so a
 * single failing input can be replayed alone (FUZZ_SEED + FUZZ_INDEX).
 */

export type Rng = () => number;

export interface FuzzInput {
  index: number;
  target: 'mcp' | 'oauth' | 'authorize' | 'console' | 'well-known';
  kind: string;
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
}

/** What the generators may put into inputs: real tokens, ids, cookies (read when an input is drawn). */
export interface World {
  tools: { name: string; inputSchema: JsonSchema }[];
  /** Real ids by prefix ('org_', 'directory_', 'conn_'), harmless to pass to tools. */
  realIds: Record<string, string[]>;
  mcp: {
    token: string;
    /** Other credentials: a viewer's token, a read-only connection token. */
    otherTokens: string[];
    sessionId(): string;
  };
  oauth: {
    base: string;
    publicClientId: string;
    confidential: { id: string; secret: string };
    redirectUri: string;
    /** A sacrificial authorization the fuzzer may refresh, replay and revoke. */
    sacrificial: { access: string; refresh: string };
  };
  console: {
    member: { cookie: string; csrf: string };
    /** An admin signed in to another team (Gatehouse Labs), so its switches cannot touch the fuzzed team. */
    admin: { cookie: string; csrf: string };
    anonymous: { cookie: string; csrf: string };
    approvalIds: string[];
    /** The secrets of the approval links (`?t=`). */
    approvalTokens: string[];
    familyIds: string[];
    labsOrganizationId: string;
  };
}

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: boolean | JsonSchema;
  pattern?: string;
};

// ---------------------------------------------------------------------------------------------
// Primitives

export const int = (rng: Rng, n: number) => Math.floor(rng() * n);
export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)]!;
export const chance = (rng: Rng, p: number) => rng() < p;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

function fromAlphabet(rng: Rng, alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[int(rng, alphabet.length)];
  return s;
}

const ulid = (rng: Rng) => fromAlphabet(rng, '0123456789ABCDEFGHJKMNPQRSTVWXYZ', 26);

/** Strings that tend to break things. */
const NASTY = [
  '',
  ' ',
  '\u0000',
  '\r\n',
  '\n\n\n',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  '1e309',
  'NaN',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' OR 1=1 --",
  '../../../../etc/passwd',
  '%00',
  '%',
  '%zz',
  '%ff%fe',
  '\u202e\u202d',
  '\u200b\u200c\u200d\ufeff',
  '🙂👩‍👩‍👧‍👦',
  '\ud800',
  '\udfff\ud800',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  '${7*7}',
  'javascript:alert(1)',
  'http://169.254.169.254/latest/meta-data/',
  'https://api.linear.app/graphql',
  'file:///etc/passwd',
  'admin@demo.test',
  'gatehouse_at_0000000000000000000000000000000000000000000',
  'confirm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'Bearer abc',
  'org_01ZZZZZZZZZZZZZZZZZZZZZZZZ',
  '\\',
  '\\u0000',
  '\t',
  'ſ',
  'İ',
  'a\u0301',
];

const CODE_POINT_RANGES: [number, number][] = [
  [0x20, 0x7e],
  [0x00, 0x1f],
  [0x80, 0xff],
  [0x370, 0x3ff],
  [0x4e00, 0x4eff],
  [0x600, 0x6ff],
  [0x1f600, 0x1f64f],
  [0xd800, 0xdfff], // lone surrogates
  [0xfff0, 0xffff],
  [0x10000, 0x10ffff],
];

export function randomString(rng: Rng, maxLength = 40): string {
  switch (int(rng, 6)) {
    case 0:
      return pick(rng, NASTY);
    case 1:
      return fromAlphabet(rng, ALNUM, int(rng, maxLength + 1));
    case 2:
      return fromAlphabet(rng, PRINTABLE, int(rng, maxLength + 1));
    case 3: {
      let s = '';
      const n = int(rng, maxLength + 1);
      for (let i = 0; i < n; i++) {
        const [lo, hi] = pick(rng, CODE_POINT_RANGES);
        s += String.fromCodePoint(lo + int(rng, hi - lo + 1));
      }
      return s;
    }
    case 4:
      return pick(rng, NASTY) + fromAlphabet(rng, ALNUM, int(rng, 10)) + pick(rng, NASTY);
    default:
      return chance(rng, 0.3) ? 'x'.repeat(pick(rng, [256, 4_096, 70_000])) : fromAlphabet(rng, ALNUM, 8);
  }
}

export function randomNumber(rng: Rng): number {
  return pick(rng, [
    0,
    -0,
    1,
    -1,
    0.5,
    2 ** 31,
    2 ** 53 + 1,
    -(2 ** 63),
    1e308,
    Number.MIN_VALUE,
    int(rng, 1000),
    -int(rng, 1000),
    rng() * 1e6,
  ]);
}

export function randomJson(rng: Rng, depth = 0): unknown {
  const k = int(rng, depth > 3 ? 4 : 7);
  switch (k) {
    case 0:
      return null;
    case 1:
      return chance(rng, 0.5);
    case 2:
      return randomNumber(rng);
    case 3:
      return randomString(rng);
    case 4:
    case 5: {
      const n = int(rng, 5);
      return Array.from({ length: n }, () => randomJson(rng, depth + 1));
    }
    default: {
      const o: Record<string, unknown> = {};
      const n = int(rng, 5);
      for (let i = 0; i < n; i++) o[randomKey(rng)] = randomJson(rng, depth + 1);
      return o;
    }
  }
}

function randomKey(rng: Rng): string {
  return chance(rng, 0.5)
    ? pick(rng, [
        '__proto__',
        'constructor',
        'id',
        'name',
        'arguments',
        'jsonrpc',
        'method',
        'params',
        'organization_id',
        'email',
        'limit',
        'confirmation_token',
        '_meta',
        '',
      ])
    : randomString(rng, 12);
}

/** `[[[[…]]]]` or `{"a":{"a":…}}` to `depth`, as JSON text. */
export function deepJson(rng: Rng, depth: number): string {
  return chance(rng, 0.5)
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const encoder = new TextEncoder();

/** Corrupts UTF-8: stray continuation bytes, overlongs, surrogates, truncated sequences. */
export function invalidUtf8(rng: Rng, text: string): Uint8Array<ArrayBuffer> {
  const bytes = [...encoder.encode(text)];
  const bad = pick(rng, [
    [0xff],
    [0xfe, 0xff],
    [0xc0, 0x80],
    [0xed, 0xa0, 0x80],
    [0xe2, 0x82],
    [0x80],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
  ]);
  bytes.splice(int(rng, bytes.length + 1), 0, ...bad);
  return new Uint8Array(bytes);
}

/** Percent-encodes a string for a form body (lone surrogates become U+FFFD, as a browser would). */
function formEncode(s: string): string {
  let out = '';
  for (const b of encoder.encode(s)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_.~-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A urlencoded body from pairs, sometimes with broken escapes or a stray `&`/`=`. */
export function formBody(rng: Rng, pairs: [string, string][]): string {
  const parts = pairs.map(([k, v]) => `${formEncode(k)}=${formEncode(v)}`);
  if (chance(rng, 0.1))
    parts.splice(
      int(rng, parts.length + 1),
      0,
      pick(rng, ['%', '%zz', '%ff', '=', '&', '==', 'a', '%E2%82']),
    );
  return parts.join('&');
}

/** A printable-ASCII header value (fetch refuses others before they reach the server). */
function headerValue(rng: Rng): string {
  return chance(rng, 0.2)
    ? 'x'.repeat(pick(rng, [1_000, 8_000]))
    : fromAlphabet(rng, PRINTABLE, int(rng, 60)).trim();
}

// ---------------------------------------------------------------------------------------------
// /mcp

const PROTOCOL_VERSIONS = [
  '2025-06-18',
  '2025-11-25',
  '2025-03-26',
  '2024-11-05',
  '2026-07-28',
  '1999-01-01',
  '',
  'latest',
];
const METHODS = [
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/subscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
  'server/discover',
  'subscriptions/listen',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
  'tasks/get',
  'rpc.discover',
  '',
];
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

const ID_PREFIX: Record<string, string> = {
  organization_id: 'org_',
  connection_id: 'conn_',
  directory_id: 'directory_',
  user_id: 'user_',
  invitation_id: 'invitation_',
  organization_membership_id: 'om_',
  request_id: 'req_',
};

function stringFor(rng: Rng, name: string, schema: JsonSchema, world: World): string {
  if (schema.format === 'email' || name.includes('email')) {
    return chance(rng, 0.8)
      ? `fuzz-${fromAlphabet(rng, ALNUM, 6).toLowerCase()}@fuzz.test`
      : randomString(rng);
  }
  if (name.endsWith('_id') || name === 'id') {
    const prefix = ID_PREFIX[name] ?? '';
    const real = world.realIds[prefix];
    if (real?.length && chance(rng, 0.4)) return pick(rng, real);
    return chance(rng, 0.8) ? `${prefix}${ulid(rng)}` : randomString(rng);
  }
  if (name === 'confirmation_token')
    return chance(rng, 0.7) ? `confirm_${fromAlphabet(rng, ALNUM, 32)}` : randomString(rng);
  if (name === 'url' || name.endsWith('_url'))
    return pick(rng, [
      'https://api.linear.app/graphql',
      'https://api.github.com/user',
      'https://api.notion.com/v1/search',
      'https://slack.com/api/auth.test',
      'http://127.0.0.1:1/',
      'https://169.254.169.254/',
      randomString(rng),
    ]);
  if (name === 'csv')
    return Array.from(
      { length: int(rng, 5) },
      () => `${randomString(rng, 10)},${randomString(rng, 10)}`,
    ).join('\n');
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? 40, 60);
  return chance(rng, 0.6)
    ? fromAlphabet(rng, ALNUM, min + int(rng, Math.max(1, max - min + 1)))
    : randomString(rng);
}

/** A value that (mostly) matches a tool's JSON schema. */
export function fromSchema(rng: Rng, schema: JsonSchema, world: World, name = '', depth = 0): unknown {
  if (depth > 6) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return pick(rng, schema.enum);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants?.length) return fromSchema(rng, pick(rng, variants), world, name, depth + 1);
  const type = Array.isArray(schema.type) ? pick(rng, schema.type) : schema.type;
  switch (type) {
    case 'string':
      return stringFor(rng, name, schema, world);
    case 'integer':
    case 'number': {
      const lo = schema.minimum ?? 0;
      const hi = schema.maximum ?? 100;
      return type === 'integer' ? lo + int(rng, Math.max(1, hi - lo + 1)) : lo + rng() * (hi - lo);
    }
    case 'boolean':
      return chance(rng, 0.5);
    case 'array': {
      const n = (schema.minItems ?? 0) + int(rng, 4);
      return Array.from({ length: n }, () => fromSchema(rng, schema.items ?? {}, world, name, depth + 1));
    }
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(k) || chance(rng, 0.4)) o[k] = fromSchema(rng, s, world, k, depth + 1);
      }
      if (!schema.properties && schema.additionalProperties && chance(rng, 0.7)) {
        for (let i = int(rng, 4); i > 0; i--) o[fromAlphabet(rng, ALNUM, 6)] = fromAlphabet(rng, ALNUM, 8);
      }
      return o;
    }
    default:
      return randomJson(rng, depth + 2);
  }
}

/** Breaks valid-looking arguments in one to three ways. */
export function mutateArgs(rng: Rng, args: unknown, schema: JsonSchema): unknown {
  if (!args || typeof args !== 'object' || Array.isArray(args)) return args;
  let out: unknown = { ...(args as Record<string, unknown>) };
  for (let m = 1 + int(rng, 3); m > 0; m--) {
    const o = out as Record<string, unknown>;
    const keys = Object.keys(o);
    const props = Object.keys(schema.properties ?? {});
    switch (int(rng, 9)) {
      case 0:
        if (keys.length) delete o[pick(rng, keys)];
        break;
      case 1:
        o[randomKey(rng)] = randomJson(rng);
        break;
      case 2:
        if (props.length) o[pick(rng, props)] = randomJson(rng);
        break;
      case 3:
        if (props.length) o[pick(rng, props)] = null;
        break;
      case 4:
        if (props.length) o[pick(rng, props)] = 'y'.repeat(pick(rng, [201, 1_000, 100_000]));
        break;
      case 5:
        if (props.length) o[pick(rng, props)] = pick(rng, NASTY);
        break;
      case 6:
        if (props.length) o[pick(rng, props)] = JSON.parse(deepJson(rng, pick(rng, [20, 200, 2_000])));
        break;
      case 7:
        if (props.length) o[pick(rng, props)] = randomNumber(rng);
        break;
      default:
        return pick(rng, [[], 'args', 42, true, [args], null]);
    }
    out = o;
  }
  return out;
}

/**
 * Odd request ids. The valid ones (numbers, strings) stay unique per input: two requests in
 * flight with the same id on one session leave the first unanswered (a known issue of the SDK
 * transport, reported separately and pinned by a test.todo), which is not what this looks for.
 */
function mutateId(rng: Rng, id: number): unknown {
  if (chance(rng, 0.6)) return id;
  return pick(rng, [
    null,
    {},
    [],
    true,
    -id - 1,
    id + 0.5,
    Number.MAX_SAFE_INTEGER - id,
    2 ** 60 + id * 4096,
    1e300 * (id + 1),
    `${'x'.repeat(pick(rng, [1, 100, 100_000]))}-${id}`,
    `${randomString(rng)}-${id}`,
  ]);
}

/** A JSON-RPC envelope; with `rate` < 1 the envelope itself is broken less often. */
function envelope(
  rng: Rng,
  method: string,
  params: unknown,
  id: number,
  modern: boolean,
  rate = 1,
): Record<string, unknown> {
  const msg: Record<string, unknown> = {
    jsonrpc: '2.0',
    id: chance(rng, rate) ? mutateId(rng, id) : id,
    method,
  };
  if (params !== undefined) msg.params = params;
  if (modern && msg.params && typeof msg.params === 'object' && !Array.isArray(msg.params))
    msg.params = { ...(msg.params as object), _meta: MODERN_META };
  if (!chance(rng, rate)) return msg;
  if (chance(rng, 0.08)) delete msg.id; // a notification
  if (chance(rng, 0.05)) msg.jsonrpc = pick(rng, ['1.0', '2', 2, null, '']);
  if (chance(rng, 0.04)) delete msg.jsonrpc;
  if (chance(rng, 0.04)) msg.method = pick(rng, [42, null, [], {}, 'x'.repeat(10_000)]);
  if (chance(rng, 0.05)) msg[randomKey(rng)] = randomJson(rng);
  if (chance(rng, 0.03)) msg.result = randomJson(rng);
  if (chance(rng, 0.03)) msg.error = { code: randomNumber(rng), message: randomString(rng) };
  return msg;
}

function initializeParams(rng: Rng): unknown {
  const p: Record<string, unknown> = {
    protocolVersion: pick(rng, PROTOCOL_VERSIONS),
    capabilities: chance(rng, 0.7) ? {} : randomJson(rng),
    clientInfo: { name: randomString(rng, 20), version: '1' },
  };
  if (chance(rng, 0.3))
    p.capabilities = { elicitation: chance(rng, 0.5) ? {} : { url: {} }, roots: { listChanged: true } };
  if (chance(rng, 0.2)) delete p[pick(rng, Object.keys(p))];
  return chance(rng, 0.1) ? randomJson(rng) : p;
}

function paramsFor(rng: Rng, method: string, world: World): unknown {
  switch (method) {
    case 'initialize':
      return initializeParams(rng);
    case 'tools/call': {
      const tool = pick(rng, world.tools);
      return {
        name: tool.name,
        arguments: mutateArgs(rng, fromSchema(rng, tool.inputSchema, world), tool.inputSchema),
      };
    }
    case 'tools/list':
      return chance(rng, 0.7) ? {} : { cursor: randomString(rng) };
    case 'logging/setLevel':
      return { level: pick(rng, ['debug', 'info', 'emergency', randomString(rng)]) };
    case 'notifications/cancelled':
      return { requestId: mutateId(rng, int(rng, 100)), reason: randomString(rng) };
    case 'subscriptions/listen':
      return { notifications: chance(rng, 0.7) ? { toolsListChanged: true } : randomJson(rng) };
    default:
      return chance(rng, 0.5) ? {} : randomJson(rng);
  }
}

type McpHeaders = Record<string, string>;

function mcpHeaders(
  rng: Rng,
  world: World,
  flavour: 'session' | 'modern' | 'none' | 'random-session',
  rate = 1,
): McpHeaders {
  const h: McpHeaders = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  if (!chance(rng, rate) || chance(rng, 0.9)) h.authorization = `Bearer ${world.mcp.token}`;
  else
    h.authorization = pick(rng, [
      `Bearer ${pick(rng, world.mcp.otherTokens)}`,
      `Bearer ${world.oauth.sacrificial.access}`,
      'Bearer',
      'Bearer ',
      `bearer ${world.mcp.token}`,
      `Bearer ${world.mcp.token} extra`,
      `Basic ${btoa('a:b')}`,
      `Bearer ${fromAlphabet(rng, ALNUM, 43)}`,
      `Bearer ${'A'.repeat(5_000)}`,
      'Bearer ===',
      headerValue(rng),
    ]);
  if (flavour === 'session') {
    h['mcp-session-id'] = world.mcp.sessionId();
    h['mcp-protocol-version'] = chance(rng, 0.9) ? '2025-06-18' : pick(rng, PROTOCOL_VERSIONS);
  } else if (flavour === 'random-session') {
    h['mcp-session-id'] = chance(rng, 0.5) ? fromAlphabet(rng, ALNUM, 32) : headerValue(rng);
    h['mcp-protocol-version'] = pick(rng, PROTOCOL_VERSIONS);
  } else if (flavour === 'modern') {
    h['mcp-protocol-version'] = chance(rng, 0.9) ? '2026-07-28' : pick(rng, PROTOCOL_VERSIONS);
  }
  if (!chance(rng, rate)) return h;
  if (chance(rng, 0.08)) delete h.accept;
  if (chance(rng, 0.05))
    h.accept = pick(rng, ['application/json', 'text/event-stream', 'text/html', '*/*', headerValue(rng)]);
  if (chance(rng, 0.06))
    h['content-type'] = pick(rng, [
      'text/plain',
      'application/json; charset=latin1',
      'multipart/form-data',
      'application/x-www-form-urlencoded',
      '',
      headerValue(rng),
    ]);
  if (chance(rng, 0.05))
    h.origin = pick(rng, ['https://evil.example', 'null', world.oauth.base, headerValue(rng)]);
  if (chance(rng, 0.05)) h['mcp-protocol-version'] = headerValue(rng);
  if (chance(rng, 0.03)) h['last-event-id'] = headerValue(rng);
  return h;
}

/** One /mcp input. */
export function genMcp(rng: Rng, world: World, index: number): FuzzInput {
  const base = { index, target: 'mcp' as const, path: '/mcp' };
  const r = rng();
  const flavour = () =>
    pick(rng, ['session', 'session', 'session', 'modern', 'modern', 'none', 'random-session'] as const);

  if (r < 0.4) {
    // tools/call for a real tool with (mutated) valid-looking arguments
    const f = pick(rng, ['session', 'session', 'modern', 'none'] as const);
    const tool = pick(rng, world.tools);
    const args = fromSchema(rng, tool.inputSchema, world);
    const params = {
      name: chance(rng, 0.95) ? tool.name : randomString(rng),
      arguments: chance(rng, 0.5) ? args : mutateArgs(rng, args, tool.inputSchema),
    };
    const h = mcpHeaders(rng, world, f, 0.2);
    if (f === 'modern') {
      h['mcp-method'] = 'tools/call';
      h['mcp-name'] = chance(rng, 0.9) ? params.name : headerValue(rng);
    }
    return {
      ...base,
      kind: `tools/call ${tool.name}`,
      method: 'POST',
      headers: h,
      body: JSON.stringify(envelope(rng, 'tools/call', params, index, f === 'modern', 0.15)),
    };
  }
  if (r < 0.62) {
    // a valid envelope with a random method and (mutated) params
    const method = chance(rng, 0.85) ? pick(rng, METHODS) : randomString(rng, 30);
    const f = flavour();
    const h = mcpHeaders(rng, world, f);
    if (f === 'modern' && chance(rng, 0.8))
      h['mcp-method'] = chance(rng, 0.9) ? method || 'x' : headerValue(rng);
    return {
      ...base,
      kind: `envelope ${method.slice(0, 40)}`,
      method: 'POST',
      headers: h,
      body: JSON.stringify(envelope(rng, method, paramsFor(rng, method, world), index, f === 'modern')),
    };
  }
  if (r < 0.77) {
    // broken bodies
    const h = mcpHeaders(rng, world, flavour());
    const valid = JSON.stringify(
      envelope(rng, pick(rng, METHODS), paramsFor(rng, 'tools/list', world), index, false),
    );
    const k = int(rng, 9);
    const bodies: (() => string | Uint8Array<ArrayBuffer>)[] = [
      () => valid.slice(0, int(rng, valid.length)),
      () => invalidUtf8(rng, valid),
      () => deepJson(rng, pick(rng, [100, 1_000, 10_000, 100_000])),
      () =>
        pick(rng, [
          '',
          ' ',
          'null',
          '[]',
          '{}',
          '0',
          '"x"',
          'true',
          '\ufeff{}',
          'garbage',
          '{"jsonrpc":"2.0",}',
        ]),
      () => new Uint8Array(Array.from({ length: int(rng, 200) }, () => int(rng, 256))),
      () => `{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"initialize","id":2}`,
      () => `\ufeff${valid}`,
      () =>
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'whoami', arguments: { pad: 'z'.repeat(pick(rng, [10_000, 500_000])) } },
        }),
      () => `${valid}${valid}`,
    ];
    return { ...base, kind: `body ${k}`, method: 'POST', headers: h, body: bodies[k]!() };
  }
  if (r < 0.87) {
    // batches
    const n = pick(rng, [0, 1, 2, 5, 20, 100]);
    const f = flavour();
    const items = Array.from({ length: n }, (_, i) => {
      const method = pick(rng, METHODS);
      return chance(rng, 0.1)
        ? randomJson(rng)
        : envelope(rng, method, paramsFor(rng, method, world), index * 1000 + i, f === 'modern');
    });
    return {
      ...base,
      kind: `batch ${n}`,
      method: 'POST',
      headers: mcpHeaders(rng, world, f),
      body: JSON.stringify(items),
    };
  }
  // other HTTP methods, with or without the valid session
  const method = pick(rng, ['GET', 'GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD']);
  const f = pick(rng, ['random-session', 'none', 'modern', 'session'] as const);
  const h = mcpHeaders(rng, world, method === 'DELETE' && f === 'session' ? 'random-session' : f);
  if (method === 'GET' && chance(rng, 0.7)) h.accept = 'text/event-stream';
  const body =
    method === 'GET' || method === 'HEAD' || chance(rng, 0.5) ? undefined : JSON.stringify(randomJson(rng));
  return { ...base, kind: `http ${method}`, method, headers: h, ...(body !== undefined ? { body } : {}) };
}

// ---------------------------------------------------------------------------------------------
// OAuth

const OAUTH_PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'code_challenge',
  'code_challenge_method',
  'state',
  'resource',
  'scope',
  'prompt',
  'login_hint',
  'nonce',
  'request',
  'request_uri',
  'response_mode',
  'iss',
];

function oauthValue(rng: Rng, name: string, world: World): string {
  const o = world.oauth;
  const good: Record<string, string[]> = {
    response_type: ['code'],
    client_id: [o.publicClientId, o.confidential.id],
    redirect_uri: [o.redirectUri],
    code_challenge: [fromAlphabet(rng, `${ALNUM}-_`, 43)],
    code_challenge_method: ['S256'],
    state: [fromAlphabet(rng, ALNUM, 12)],
    resource: [`${o.base}/mcp`],
    scope: ['mcp offline_access', 'mcp', 'mcp:read'],
    grant_type: ['authorization_code', 'refresh_token'],
    refresh_token: [o.sacrificial.refresh],
    token: [o.sacrificial.access, o.sacrificial.refresh],
    token_type_hint: ['access_token', 'refresh_token'],
    client_secret: [o.confidential.secret],
    code_verifier: [fromAlphabet(rng, `${ALNUM}-._~`, 43 + int(rng, 85))],
  };
  const bad: Record<string, string[]> = {
    response_type: ['token', 'code id_token', 'CODE', ''],
    client_id: [
      `client_${ulid(rng)}`,
      'https://127.0.0.1/client.json',
      'https://fuzz.example/client-metadata.json',
      'https://fuzz.example/',
      'http://fuzz.example/client.json',
    ],
    redirect_uri: [
      'http://127.0.0.1:9999/other',
      'https://evil.example/cb',
      'javascript:alert(1)',
      `${o.redirectUri}#frag`,
      `${o.redirectUri}?x=1`,
      'http://localhost:9999/callback',
    ],
    code_challenge: ['short', 'A'.repeat(129), '!!!!'],
    code_challenge_method: ['plain', 's256', ''],
    resource: ['https://evil.example/mcp', `${o.base}/mcp/`, `${o.base}`, 'urn:x', ''],
    scope: ['openid', 'mcp mcp mcp', 'admin', '*', ''],
    grant_type: [
      'client_credentials',
      'password',
      'implicit',
      'urn:ietf:params:oauth:grant-type:device_code',
      '',
    ],
  };
  if (chance(rng, 0.55) && good[name]) return pick(rng, good[name]!);
  if (chance(rng, 0.6) && bad[name]) return pick(rng, bad[name]!);
  return randomString(rng, 60);
}

/** GET /authorize with random, duplicated and overlong parameters. */
export function genAuthorize(rng: Rng, world: World, index: number): FuzzInput {
  const q = new URLSearchParams();
  if (chance(rng, 0.35)) {
    // A valid request with one parameter changed, dropped or repeated.
    const o = world.oauth;
    const valid: [string, string][] = [
      ['response_type', 'code'],
      ['client_id', o.publicClientId],
      ['redirect_uri', o.redirectUri],
      ['code_challenge', fromAlphabet(rng, `${ALNUM}-_`, 43)],
      ['code_challenge_method', 'S256'],
      ['state', fromAlphabet(rng, ALNUM, 10)],
      ['resource', `${o.base}/mcp`],
      ['scope', 'mcp offline_access'],
    ];
    const victim = int(rng, valid.length + 1);
    const how = int(rng, 3);
    for (const [i, [k, v]] of valid.entries()) {
      if (i !== victim) q.append(k, v);
      else if (how === 0) q.append(k, oauthValue(rng, k, world));
      else if (how === 2) {
        q.append(k, v);
        q.append(k, oauthValue(rng, k, world));
      }
    }
  } else {
    for (const name of OAUTH_PARAMS) {
      if (chance(rng, 0.75)) q.append(name, oauthValue(rng, name, world));
      if (chance(rng, 0.04)) q.append(name, oauthValue(rng, name, world)); // duplicated
    }
  }
  if (chance(rng, 0.1)) q.append(randomString(rng, 10), randomString(rng));
  if (chance(rng, 0.05)) q.set(pick(rng, OAUTH_PARAMS), 'q'.repeat(pick(rng, [2_000, 8_000])));
  let query = q.toString();
  if (chance(rng, 0.05)) query += pick(rng, ['&%', '&%zz=1', '&state=%ff', '&&&', '&=']);
  const headers: Record<string, string> = {};
  const who = pick(rng, ['member', 'member', 'none', 'garbage'] as const);
  if (who === 'member') headers.cookie = world.console.member.cookie;
  if (who === 'garbage') headers.cookie = `gh_session=${headerValue(rng)}`;
  return {
    index,
    target: 'authorize',
    kind: `authorize ${who}`,
    method: 'GET',
    path: `/authorize?${query}`,
    headers,
  };
}

/** POST /token, /revoke and /register with random forms, JSON and auth headers. */
export function genOAuth(rng: Rng, world: World, index: number): FuzzInput {
  const endpoint = pick(rng, ['/token', '/token', '/revoke', '/register', '/register']);
  const headers: Record<string, string> = {};
  if (endpoint === '/register') {
    const meta: Record<string, unknown> = {
      client_name: chance(rng, 0.7) ? `Fuzz ${fromAlphabet(rng, ALNUM, 5)}` : randomString(rng, 300),
      redirect_uris: chance(rng, 0.7)
        ? [world.oauth.redirectUri]
        : pick(rng, [
            [],
            [randomString(rng)],
            'http://127.0.0.1/cb',
            [oauthValue(rng, 'redirect_uri', world)],
            Array.from({ length: 200 }, (_, i) => `http://127.0.0.1:${i + 1}/cb`),
          ]),
      token_endpoint_auth_method: pick(rng, [
        'none',
        'none',
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        randomString(rng),
      ]),
      grant_types: pick(rng, [
        ['authorization_code', 'refresh_token'],
        ['authorization_code', 'refresh_token'],
        ['authorization_code'],
        ['implicit'],
        [],
        'authorization_code',
        [randomString(rng)],
      ]),
    };
    for (const k of [
      'response_types',
      'scope',
      'client_uri',
      'logo_uri',
      'tos_uri',
      'policy_uri',
      'contacts',
      'jwks_uri',
      'jwks',
      'software_id',
      'software_statement',
      'software_version',
    ]) {
      if (chance(rng, 0.15)) meta[k] = chance(rng, 0.5) ? randomString(rng) : randomJson(rng);
    }
    const mutated = chance(rng, 0.5)
      ? meta
      : mutateArgs(rng, meta, { properties: Object.fromEntries(Object.keys(meta).map((k) => [k, {}])) });
    let body: string | Uint8Array<ArrayBuffer> = JSON.stringify(
      chance(rng, 0.85) ? mutated : randomJson(rng),
    );
    if (chance(rng, 0.1)) body = body.slice(0, int(rng, body.length));
    else if (chance(rng, 0.05)) body = invalidUtf8(rng, body);
    else if (chance(rng, 0.03)) body = deepJson(rng, pick(rng, [1_000, 100_000]));
    headers['content-type'] = chance(rng, 0.9)
      ? 'application/json'
      : pick(rng, ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8', '']);
    return { index, target: 'oauth', kind: 'register', method: 'POST', path: '/register', headers, body };
  }
  const names =
    endpoint === '/token'
      ? [
          'grant_type',
          'code',
          'redirect_uri',
          'code_verifier',
          'client_id',
          'client_secret',
          'refresh_token',
          'resource',
          'scope',
        ]
      : ['token', 'token_type_hint', 'client_id', 'client_secret'];
  const pairs: [string, string][] = [];
  for (const n of names) {
    if (chance(rng, 0.7)) pairs.push([n, oauthValue(rng, n, world)]);
    if (chance(rng, 0.03)) pairs.push([n, oauthValue(rng, n, world)]);
  }
  if (chance(rng, 0.1)) pairs.push([randomString(rng, 10), randomString(rng)]);
  let body: string | Uint8Array<ArrayBuffer> = formBody(rng, pairs);
  if (chance(rng, 0.05)) body = invalidUtf8(rng, body);
  else if (chance(rng, 0.04)) body = `${body}&pad=${'p'.repeat(70_000)}`;
  headers['content-type'] = chance(rng, 0.9)
    ? 'application/x-www-form-urlencoded'
    : pick(rng, ['application/json', 'text/plain', 'multipart/form-data; boundary=x', '']);
  if (chance(rng, 0.3)) {
    const c = world.oauth.confidential;
    headers.authorization = pick(rng, [
      `Basic ${btoa(`${c.id}:${c.secret}`)}`,
      `Basic ${btoa(`${c.id}:wrong`)}`,
      `Basic ${btoa(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`)}`,
      `Basic ${btoa('nocolon')}`,
      'Basic !!!',
      'Basic ',
      `Bearer ${world.oauth.sacrificial.access}`,
      headerValue(rng),
    ]);
  }
  return { index, target: 'oauth', kind: endpoint.slice(1), method: 'POST', path: endpoint, headers, body };
}

export function genWellKnown(rng: Rng, _world: World, index: number): FuzzInput {
  const path = pick(rng, [
    '/.well-known/oauth-protected-resource',
    '/.well-known/oauth-protected-resource/mcp',
    '/.well-known/oauth-authorization-server',
    '/.well-known/openid-configuration',
    `/.well-known/${fromAlphabet(rng, ALNUM, 8)}`,
    '/.well-known/oauth-authorization-server/mcp',
  ]);
  const method = pick(rng, ['GET', 'GET', 'OPTIONS']);
  return {
    index,
    target: 'well-known',
    kind: `${method} ${path}`,
    method,
    path: chance(rng, 0.2) ? `${path}?${formBody(rng, [[randomString(rng, 5), randomString(rng)]])}` : path,
    headers:
      method === 'OPTIONS' ? { origin: 'https://fuzz.example', 'access-control-request-method': 'POST' } : {},
  };
}

// ---------------------------------------------------------------------------------------------
// Console

const FIELD_NAMES = [
  '_csrf',
  'access',
  'authority_ttl_minutes',
  'session_idle_ttl_minutes',
  'code',
  'error',
  'expiry',
  'login_hint',
  'name',
  'reason',
  'return_to',
  'setting',
  'value',
  'state',
  'team_name',
  'window',
  'organization_id',
  'decision',
  'request',
  'level',
  'notes',
  't',
  'providers',
  'confirm',
  'format',
  'since',
  'until',
];

function consolePath(rng: Rng, world: World, method: 'GET' | 'POST'): string {
  const approval = () =>
    world.console.approvalIds.length && chance(rng, 0.5)
      ? pick(rng, world.console.approvalIds)
      : chance(rng, 0.5)
        ? `grant_${ulid(rng)}`
        : formEncode(randomString(rng, 30)) || 'x';
  const family = () =>
    chance(rng, 0.5)
      ? pick(rng, world.console.familyIds)
      : chance(rng, 0.5)
        ? `fam_${ulid(rng)}`
        : formEncode(randomString(rng, 30)) || 'x';
  const gets = [
    '/',
    '/login',
    '/callback',
    '/teams',
    '/logout',
    '/connections',
    '/approvals',
    '/approvals/pending',
    `/approvals/${approval()}`,
    '/settings',
    '/settings/kill-switch',
    '/settings/kill-switch/result',
    '/audit',
    '/audit/export',
    '/dashboard',
    '/dashboard/live',
    `/${fromAlphabet(rng, ALNUM, 6)}`,
  ];
  const posts = [
    '/login',
    '/teams/select',
    '/logout',
    '/authorize',
    '/connections',
    `/connections/${family()}/revoke`,
    `/approvals/${approval()}/approve`,
    `/approvals/${approval()}/deny`,
    `/approvals/${approval()}/revoke`,
    '/settings/toggle',
    '/settings/durations',
    '/settings/kill-switch',
    '/audit/verify',
    '/audit/export',
    `/${fromAlphabet(rng, ALNUM, 6)}`,
  ];
  return method === 'GET' ? pick(rng, gets) : pick(rng, posts);
}

function consoleValue(rng: Rng, name: string, world: World): string {
  const good: Record<string, string[]> = {
    access: ['mcp', 'mcp:read'],
    expiry: ['never', '7', '30', '90'],
    setting: ['enabled', 'allow_write', 'allow_production', 'pii_redaction', 'require_other_approver'],
    value: ['on', 'off', 'true', 'false', '1', '0'],
    decision: ['allow', 'deny'],
    level: ['read', 'write'],
    providers: ['linear', 'github', 'notion', 'slack', 'snowflake'],
    authority_ttl_minutes: ['5', '0', '-1', '100000', '1.5'],
    session_idle_ttl_minutes: ['30', '0', '99999999999'],
    window: ['1h', '24h', '7d', '30d'],
    format: ['jsonl', 'csv'],
    return_to: ['/', '/connections', '//evil.example', 'https://evil.example', '/\\evil'],
    organization_id: [world.console.labsOrganizationId, `org_${ulid(rng)}`],
    login_hint: ['member@demo.test', 'viewer@demo.test', 'nobody@demo.test'],
    t: [fromAlphabet(rng, ALNUM, 43), ...world.console.approvalTokens],
  };
  if (good[name] && chance(rng, 0.6)) return pick(rng, good[name]!);
  return randomString(rng, 50);
}

/**
 * One console request: random fields, with and without a valid session and CSRF token. The
 * fuzzed member can change nothing that matters to the other inputs; the admin session is in
 * another team, so its switches (even the kill switch) never touch the fuzzed team.
 */
export function genConsole(rng: Rng, world: World, index: number): FuzzInput {
  const method = chance(rng, 0.7) ? 'POST' : 'GET';
  const path = consolePath(rng, world, method);
  const headers: Record<string, string> = {};
  const who = pick(rng, ['member', 'member', 'admin', 'anonymous', 'none', 'garbage'] as const);
  let csrf: string | undefined;
  if (who === 'member' || who === 'admin' || who === 'anonymous') {
    headers.cookie = world.console[who].cookie;
    const mode = pick(rng, ['valid', 'valid', 'valid', 'missing', 'wrong', 'header']);
    if (mode === 'valid') csrf = world.console[who].csrf;
    if (mode === 'wrong') csrf = chance(rng, 0.5) ? fromAlphabet(rng, ALNUM, 43) : randomString(rng);
    if (mode === 'header') headers['x-csrf-token'] = world.console[who].csrf;
  } else if (who === 'garbage') {
    headers.cookie = pick(rng, [
      'gh_session=',
      `gh_session=${fromAlphabet(rng, ALNUM, 43)}`,
      headerValue(rng),
      'a=b; a=c; gh_csrf=x',
    ]);
  }
  // Ending the fuzzer's own sessions (or moving the admin into the fuzzed team) would only make
  // the remaining inputs less interesting: those are sent without a valid CSRF token.
  const harmful =
    path === '/logout' || (who === 'admin' && (path === '/teams/select' || path === '/authorize'));
  if (harmful) {
    csrf = undefined;
    delete headers['x-csrf-token'];
  }
  if (chance(rng, 0.2)) headers['hx-request'] = 'true';
  if (method === 'GET') {
    const q = chance(rng, 0.5)
      ? `?${formBody(
          rng,
          Array.from({ length: 1 + int(rng, 3) }, () => {
            const n = pick(rng, [
              ...FIELD_NAMES,
              'revoked',
              'done',
              'page',
              'before',
              'after',
              'outcome',
              'tool',
              'user',
            ]);
            return [n, consoleValue(rng, n, world)] as [string, string];
          }),
        )}`
      : '';
    return {
      index,
      target: 'console',
      kind: `GET ${path.split('/').slice(0, 3).join('/')} ${who}`,
      method,
      path: `${path}${q}`,
      headers,
    };
  }
  const pairs: [string, string][] = [];
  if (csrf !== undefined) pairs.push(['_csrf', csrf]);
  for (let n = int(rng, 6); n > 0; n--) {
    const name = chance(rng, 0.85) ? pick(rng, FIELD_NAMES) : randomString(rng, 12);
    if (name === '_csrf' && harmful) continue;
    pairs.push([name, consoleValue(rng, name, world)]);
  }
  let body: string | Uint8Array<ArrayBuffer> = formBody(rng, pairs);
  if (chance(rng, 0.04)) body = invalidUtf8(rng, body);
  else if (chance(rng, 0.03)) body = `${body}&pad=${'p'.repeat(70_000)}`;
  headers['content-type'] = chance(rng, 0.9)
    ? 'application/x-www-form-urlencoded'
    : pick(rng, ['application/json', 'text/plain', 'multipart/form-data; boundary=x', '']);
  if (headers['content-type'] === '') delete headers['content-type'];
  return {
    index,
    target: 'console',
    kind: `POST ${path.split('/').slice(0, 3).join('/')} ${who}`,
    method,
    path,
    headers,
    body,
  };
}

/** The mix: half MCP, a quarter OAuth, a quarter console. */
export function generate(rng: Rng, world: World, index: number): FuzzInput {
  const r = rng();
  if (r < 0.5) return genMcp(rng, world, index);
  if (r < 0.62) return genOAuth(rng, world, index);
  if (r < 0.72) return genAuthorize(rng, world, index);
  if (r < 0.75) return genWellKnown(rng, world, index);
  return genConsole(rng, world, index);
}
