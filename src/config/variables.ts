/**
 * Every environment variable Gatehouse reads, in the order an operator meets them: what `--help`
 * lists (a binary user has no README) and what `gatehouse config check` prints. loadConfig
 * (index.ts) validates them; a test keeps this list and loadConfig's reads the same.
 */
import { type Env, optional } from './checks.ts';

export interface Variable {
  name: string;
  /** What applies when it is unset, as a person reads it. */
  fallback: string;
  meaning: string;
  /** Shown masked by `config check` (keys, passwords, tokens). */
  secret?: boolean;
  group: 'server' | 'live' | 'operations';
}

export const VARIABLES: readonly Variable[] = [
  { group: 'server', name: 'PORT', fallback: '8788', meaning: 'port to listen on' },
  {
    group: 'server',
    name: 'HOST',
    fallback: 'localhost',
    meaning:
      'address to bind: an IP address of this machine or a name resolving to one (0.0.0.0 in a container); local mode binds loopback only',
  },
  {
    group: 'server',
    name: 'PUBLIC_URL',
    fallback: 'http://localhost:$PORT',
    meaning: 'the origin browsers and agents use (https://… behind your TLS proxy); https unless loopback',
  },
  {
    group: 'server',
    name: 'ALLOWED_HOSTS',
    fallback: '(PUBLIC_URL’s host)',
    meaning: 'extra Host header values to accept, comma-separated (a proxy that rewrites Host)',
  },
  {
    group: 'server',
    name: 'GATEHOUSE_DATA_DIR',
    fallback: './data',
    meaning: 'the SQLite database, generated secrets and the audit signing key (back it up)',
  },
  { group: 'server', name: 'LOG_LEVEL', fallback: 'info', meaning: 'debug, info, warn or error' },
  {
    group: 'server',
    name: 'LOG_FORMAT',
    fallback: 'json',
    meaning: 'json (one JSON line per event, on stderr) or pretty (for a terminal)',
  },
  {
    group: 'live',
    name: 'WORKOS_IDENTITY_API_KEY',
    fallback: '$WORKOS_API_KEY',
    meaning: 'live mode: the key (sk_…) of the WorkOS environment your staff sign in to',
    secret: true,
  },
  {
    group: 'live',
    name: 'WORKOS_IDENTITY_CLIENT_ID',
    fallback: '$WORKOS_CLIENT_ID',
    meaning: 'live mode: its AuthKit client id (client_…)',
  },
  {
    group: 'live',
    name: 'GATEHOUSE_TEAMS',
    fallback: '(none)',
    meaning: 'live mode: organization ids (org_…) of the identity environment admitted as teams at start',
  },
  {
    group: 'live',
    name: 'WORKOS_API_KEY',
    fallback: '(none: local mode)',
    meaning: 'the first admitted team’s managed sandbox (also the identity key when that is unset)',
    secret: true,
  },
  {
    group: 'live',
    name: 'WORKOS_CLIENT_ID',
    fallback: '(none)',
    meaning: 'AuthKit client id when WORKOS_IDENTITY_CLIENT_ID is unset',
  },
  {
    group: 'live',
    name: 'WORKOS_PRODUCTION_API_KEY',
    fallback: '(none)',
    meaning: 'the first admitted team’s managed production (other teams link theirs in Settings)',
    secret: true,
  },
  {
    group: 'live',
    name: 'WORKOS_API_URL',
    fallback: 'https://api.workos.com',
    meaning: 'another WorkOS API origin (a proxy, or `gatehouse emulator` for a rehearsal)',
  },
  {
    group: 'live',
    name: 'WORKOS_ISSUER',
    fallback: '(the API origin, and <origin>/user_management/<client id>)',
    meaning: 'accepted `iss` of AuthKit access tokens, comma-separated (a custom auth domain)',
  },
  {
    group: 'operations',
    name: 'DATABASE_URL',
    fallback: '(unset: SQLite, gatehouse.db in the data dir)',
    meaning:
      'postgres://user:password@host:5432/database: store everything in PostgreSQL, so several replicas can share it (needs WORKOS_COOKIE_PASSWORD and GATEHOUSE_AUDIT_SIGNING_KEY)',
    secret: true,
  },
  {
    group: 'operations',
    name: 'GATEHOUSE_AUDIT_SIGNING_KEY',
    fallback: '(generated: audit-ed25519.key in the data dir)',
    meaning:
      'the Ed25519 private key (PKCS#8 PEM, or its base64 on one line) that signs the audit trail; required with DATABASE_URL, the same on every replica',
    secret: true,
  },
  {
    group: 'operations',
    name: 'WORKOS_COOKIE_PASSWORD',
    fallback: '(generated: cookie.secret in the data dir)',
    meaning: '≥ 32 characters; seals stored AuthKit tokens and signs CSRF tokens',
    secret: true,
  },
  {
    group: 'operations',
    name: 'METRICS_TOKEN',
    fallback: '(none: loopback callers only)',
    meaning: 'bearer token (≥ 16 characters) for GET /metrics and /readyz details',
    secret: true,
  },
  {
    group: 'operations',
    name: 'TRUSTED_PROXIES',
    fallback: '(none: X-Forwarded-For ignored)',
    meaning: 'your reverse proxies’ addresses or CIDR ranges, so rate limits count the real client',
  },
  {
    group: 'operations',
    name: 'GATEHOUSE_AUDIT_WITNESS',
    fallback: '(none)',
    meaning: 'absolute path of a file on another volume that every signed audit head is appended to',
  },
  {
    group: 'operations',
    name: 'GATEHOUSE_AUDIT_KEY_REPLACES',
    fallback: '(unset)',
    meaning:
      'the id of an audit key that is lost for good: start with a new key anyway, the trail recording the replacement (README "Losing the audit key")',
    // An id, but masked: a key pasted there by mistake must not be printed.
    secret: true,
  },
  {
    group: 'operations',
    name: 'GATEHOUSE_DEMO_PUBLIC',
    fallback: '(unset)',
    meaning: '1: let local mode’s demo (no real sign-in) listen beyond loopback on purpose',
  },
  {
    group: 'operations',
    name: 'GATEHOUSE_EMBEDDED_RATE_LIMITS',
    fallback: 'workos',
    meaning:
      'local mode and `gatehouse emulator`: the embedded WorkOS’s rate limits per key: workos (WorkOS’s documented ones), off (benchmarks), or <requests>/<seconds>s',
  },
  {
    group: 'operations',
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    fallback: '(none: traces off)',
    meaning:
      'an OpenTelemetry collector’s OTLP/HTTP URL (e.g. http://localhost:4318): one span per tool call, its gates as events, WorkOS requests as child spans, sent to <URL>/v1/traces',
  },
  {
    group: 'operations',
    name: 'OTEL_EXPORTER_OTLP_HEADERS',
    fallback: '(none)',
    meaning: 'headers for the collector, key=value comma-separated, values percent-encoded (an API key)',
    secret: true,
  },
  {
    group: 'operations',
    name: 'OTEL_SERVICE_NAME',
    fallback: 'gatehouse',
    meaning: 'the traces’ service.name',
  },
];

const GROUP_TITLES: Record<Variable['group'], string> = {
  server: 'Server',
  live: 'Live mode (WorkOS); without a WorkOS API key Gatehouse runs in local mode',
  operations: 'Operations',
};

/** `--help` fits a terminal this wide. */
const HELP_WIDTH = 104;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The variables as `--help` lists them: name, default, meaning, grouped. */
export function describeVariables(): string {
  const width = Math.max(...VARIABLES.map((v) => v.name.length));
  const out: string[] = [];
  for (const group of Object.keys(GROUP_TITLES) as Variable['group'][]) {
    out.push(`  ${GROUP_TITLES[group]}:`);
    for (const v of VARIABLES.filter((x) => x.group === group)) {
      const lines = wrap(`${v.meaning}. Default: ${v.fallback}`, HELP_WIDTH - width - 6);
      lines.forEach((line, i) => {
        out.push(`    ${(i === 0 ? v.name : '').padEnd(width)}  ${line}`);
      });
    }
  }
  return out.join('\n');
}

/**
 * A secret as `config check` shows it: a WorkOS key keeps its kind (`sk_test_`, `sk_live_`) and
 * last four characters, as the Settings page does; anything else only its length.
 */
export function maskSecret(value: string): string {
  const kind = /^(sk_(?:test|live)_|sk_)/.exec(value)?.[1];
  if (kind && value.length >= kind.length + 12) return `${kind}…${value.slice(-4)} (masked)`;
  return `******** (${value.length} characters, masked)`;
}

/** GATEHOUSE_* names Gatehouse does not read: almost always a typo of one it does. */
export function unknownVariables(env: Env): string[] {
  // GATEHOUSE_DOMAIN is the reference compose.yaml's (Caddy's site address, and PUBLIC_URL's host):
  // its .env reaches every replica whole.
  const known = new Set([...VARIABLES.map((v) => v.name), 'GATEHOUSE_DOMAIN']);
  return Object.keys(env)
    .filter((k) => k.startsWith('GATEHOUSE_') && !known.has(k) && optional(env, k) !== undefined)
    .sort();
}
