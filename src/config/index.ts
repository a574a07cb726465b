import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { z } from 'zod';
import { type TelemetryConfig, telemetryFrom } from '../telemetry/config.ts';
import {
  demoExposure,
  type Env,
  isLoopbackHost,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
  optional,
  portSchema,
  quote,
  trustedProxiesFrom,
  urlSchema,
  witnessProblem,
} from './checks.ts';
import type { Cidr } from './cidr.ts';
import { DEFAULT_DATA_DIR, DEFAULT_PORT } from './constants.ts';
import { dataDirProblems } from './data-dir.ts';
import { auditSigningKeyFrom, type DatabaseConfig, databaseFrom, sharedSecretProblems } from './database.ts';
import {
  EMBEDDED_RATE_LIMITS_VAR,
  type EmbeddedRateLimits,
  embeddedRateLimitsFrom,
} from './embedded-rate-limits.ts';
import { hostShapeProblem } from './listen.ts';

export type Mode = 'local' | 'live';
export type { LogLevel } from './checks.ts';

export interface LiveWorkOS {
  /**
   * The identity environment humans sign in to (AuthKit): WORKOS_IDENTITY_API_KEY, or
   * WORKOS_API_KEY when no separate identity environment is configured (then the identity and the
   * first team's sandbox are one environment, which the banner and /readyz say).
   */
  identityApiKey: string;
  /** The AuthKit client id of the identity environment (WORKOS_IDENTITY_CLIENT_ID or WORKOS_CLIENT_ID). */
  clientId: string;
  /** WORKOS_API_KEY: the first admitted team's sandbox environment, when set. */
  apiKey: string | undefined;
  /** WORKOS_PRODUCTION_API_KEY: the first admitted team's production environment, when set. */
  productionApiKey: string | undefined;
  /** The identity environment is also a managed environment (same key). */
  identityShared: boolean;
  /** WORKOS_API_URL: another WorkOS API origin (a proxy, or `gatehouse emulator`); default api.workos.com. */
  apiUrl: { hostname: string; port: number | undefined; https: boolean } | undefined;
  /**
   * Accepted `iss` of AuthKit access tokens (WORKOS_ISSUER, comma-separated). Default: the API
   * origin and `<origin>/user_management/<client id>`, the two forms WorkOS issues.
   */
  issuers: string[];
}

/** The one validated configuration object, built once at start (src/README.md). */
export interface Config {
  port: number;
  host: string;
  /** Origin clients and browsers use to reach Gatehouse, without a trailing slash. */
  publicUrl: string;
  /** Host header values accepted (DNS-rebinding protection). */
  allowedHosts: string[];
  dataDir: string;
  logLevel: LogLevel;
  /** LOG_FORMAT: `json` lines (default) or `pretty`. */
  logFormat: LogFormat;
  /** Cookies get `Secure` and the `__Host-` prefix when served over https. */
  secureCookies: boolean;
  mode: Mode;
  /** Present in live mode only. */
  workos: LiveWorkOS | undefined;
  /** Unset: a random secret is generated once and kept in the data dir. */
  cookiePassword: string | undefined;
  /** Bearer token for GET /metrics; unset means loopback callers only. */
  metricsToken: string | undefined;
  /**
   * GATEHOUSE_TEAMS: WorkOS organization ids (of the identity environment) admitted as teams at
   * start, in order; the first owns the deployment-level keys. `gatehouse teams` manages more.
   */
  admitTeams: string[];
  /**
   * TRUSTED_PROXIES: reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For names the
   * client for per-address rate limits. Empty: the header is ignored and the TCP peer counts.
   */
  trustedProxies: Cidr[];
  /**
   * GATEHOUSE_DEMO_PUBLIC=1: local mode (demo sign-in, no real authentication) deliberately
   * reachable beyond loopback; the banner and every page say so. Never set in live mode.
   */
  demoPublic: boolean;
  /**
   * GATEHOUSE_AUDIT_WITNESS: a file outside the data dir (on another volume) that every signed
   * audit head is appended to, so `gatehouse audit verify` can tell a rollback of the database
   * and its head to an older copy. Unset: no witness.
   */
  auditWitness: string | undefined;
  /**
   * GATEHOUSE_AUDIT_KEY_REPLACES: the id (16 hex digits, as `audit verify` and the refusal name
   * it) of the key the trail was signed with, lost for good. With it a start signs with another
   * key and records the replacement in the trail (src/audit/keys.ts signingKeyFor); without it
   * such a start is refused.
   */
  auditKeyReplaces: string | undefined;
  /** GATEHOUSE_EMBEDDED_RATE_LIMITS: the embedded WorkOS's rate limits (local mode only). */
  embeddedRateLimits: EmbeddedRateLimits;
  /** OTEL_EXPORTER_OTLP_ENDPOINT (and its companions): tool-call traces; undefined means off. */
  telemetry: TelemetryConfig | undefined;
  /** DATABASE_URL: PostgreSQL (docs/postgresql.md); undefined means SQLite in the data dir. */
  database: DatabaseConfig | undefined;
  /** GATEHOUSE_AUDIT_SIGNING_KEY; undefined means the key file in the data dir (created once). */
  auditSigningKey: KeyObject | undefined;
}

/** A WorkOS organization id as WorkOS writes them (`org_` and an id). */
export const ORGANIZATION_ID = /^org_[0-9A-Za-z]{10,64}$/;

/** Whether `h` is a host[:port] as a Host header carries it (RFC 9110 §7.2). */
function hostHeaderShaped(h: string): boolean {
  try {
    const u = new URL(`http://${h}/`);
    return u.pathname === '/' && u.port !== '0' && !h.endsWith(':') && u.hostname !== '';
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export { isLoopbackHost } from './checks.ts';
export type { EmbeddedRateLimits } from './embedded-rate-limits.ts';

/**
 * Builds the configuration from the environment. Throws a ConfigError naming every variable
 * that is wrong and why; nothing else in the code reads `process.env`.
 */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const take = <T>(name: string, schema: z.ZodType<T>, fallback: T): T => {
    const raw = optional(env, name);
    if (raw === undefined) return fallback;
    const r = schema.safeParse(raw);
    if (r.success) return r.data;
    problems.push(r.error.issues[0]?.message ?? `${name} is invalid`);
    return fallback;
  };

  const port = take('PORT', portSchema('PORT'), DEFAULT_PORT);
  const host = take(
    'HOST',
    z
      .string()
      .regex(/^[A-Za-z0-9.:[\]-]+$/, {
        error: (i) => `HOST must be a hostname or IP address, got ${quote(i.input)}`,
      })
      .refine((h) => hostShapeProblem(h) === undefined, {
        error: (i) => `HOST ${hostShapeProblem(String(i.input))}, got ${quote(i.input)}`,
      }),
    'localhost',
  );
  const publicUrlRaw = take('PUBLIC_URL', urlSchema('PUBLIC_URL'), `http://localhost:${port}`);
  const publicUrl = new URL(publicUrlRaw).origin;
  const dataDir = take('GATEHOUSE_DATA_DIR', z.string().min(1), DEFAULT_DATA_DIR);
  // With DATABASE_URL the data dir may hold nothing of Gatehouse's: only SQLite's first start is
  // told by it (dataDirProblems).
  problems.push(
    ...dataDirProblems(dataDir, { firstStartCheck: optional(env, 'DATABASE_URL') === undefined }),
  );
  const logLevel = take(
    'LOG_LEVEL',
    z.enum(LOG_LEVELS, {
      error: (i) => `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${quote(i.input)}`,
    }),
    'info',
  );
  const logFormat = take(
    'LOG_FORMAT',
    z.enum(LOG_FORMATS, {
      error: (i) => `LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, got ${quote(i.input)}`,
    }),
    'json',
  );
  const extraHosts = take(
    'ALLOWED_HOSTS',
    z
      .string()
      .transform((s) => s.split(',').map((h) => h.trim().toLowerCase()))
      .refine((hs) => hs.every((h) => /^[a-z0-9.[\]:-]+$/.test(h)), {
        error: (i) => `ALLOWED_HOSTS must be a comma-separated list of host[:port], got ${quote(i.input)}`,
      })
      // Each as a Host header could carry it: a port 1–65535, an IPv6 address in brackets. Another
      // entry (`localhost:99999`, `h:8788:9`) could never match a request.
      .superRefine((hs, ctx) => {
        const bad = hs.filter((h) => !hostHeaderShaped(h));
        if (bad.length > 0)
          ctx.addIssue({
            code: 'custom',
            message: `ALLOWED_HOSTS entries must each be a host[:port] a Host header can carry (a port 1–65535, an IPv6 address in brackets like [::1]:8788), got ${bad.map((h) => quote(h)).join(', ')}`,
          });
      }),
    [] as string[],
  );

  const apiKey = optional(env, 'WORKOS_API_KEY');
  const identityKeyRaw = optional(env, 'WORKOS_IDENTITY_API_KEY');
  const identityClientId = optional(env, 'WORKOS_IDENTITY_CLIENT_ID');
  const clientId = identityClientId ?? optional(env, 'WORKOS_CLIENT_ID');
  const productionApiKey = optional(env, 'WORKOS_PRODUCTION_API_KEY');
  const apiUrlRaw = take('WORKOS_API_URL', urlSchema('WORKOS_API_URL'), undefined as string | undefined);
  const identityApiKey = identityKeyRaw ?? apiKey;
  const mode: Mode = identityApiKey ? 'live' : 'local';
  // Letters, digits and `_` after the prefix, as WorkOS writes them: a line break or a space
  // pasted with the key would only fail later, in every request's Authorization header.
  const secretKey = (name: string, value: string | undefined) => {
    if (value && !value.startsWith('sk_'))
      problems.push(`${name} must be a WorkOS secret key starting with 'sk_'`);
    else if (value && !/^sk_[A-Za-z0-9_]+$/.test(value))
      problems.push(
        `${name} must be a WorkOS secret key: 'sk_' then letters, digits and '_' only (no space, line break or other character; was something pasted with it?)`,
      );
  };
  secretKey('WORKOS_API_KEY', apiKey);
  secretKey('WORKOS_IDENTITY_API_KEY', identityKeyRaw);
  secretKey('WORKOS_PRODUCTION_API_KEY', productionApiKey);
  if (mode === 'live' && !clientId)
    problems.push(
      'WORKOS_IDENTITY_CLIENT_ID (or WORKOS_CLIENT_ID) is required in live mode: the AuthKit client id of the environment your team signs in to',
    );
  if (clientId && !/^client_[A-Za-z0-9_]+$/.test(clientId))
    problems.push(
      `${identityClientId ? 'WORKOS_IDENTITY_CLIENT_ID' : 'WORKOS_CLIENT_ID'} must be 'client_' then letters, digits and '_' only, got ${quote(clientId)}`,
    );
  if (mode === 'local' && productionApiKey)
    problems.push(
      'WORKOS_PRODUCTION_API_KEY is set but WORKOS_API_KEY is not: set both for live mode, or neither',
    );
  if (mode === 'local' && clientId)
    problems.push(
      `${identityClientId ? 'WORKOS_IDENTITY_CLIENT_ID' : 'WORKOS_CLIENT_ID'} is set (${quote(clientId)}) but no WorkOS API key is: set WORKOS_IDENTITY_API_KEY (or WORKOS_API_KEY) for live mode, or unset it for local mode instead of starting the local demo silently`,
    );
  if (apiUrlRaw && mode === 'local')
    problems.push('WORKOS_API_URL is set but WORKOS_API_KEY is not: it only applies in live mode');
  const admitTeams = take(
    'GATEHOUSE_TEAMS',
    z
      .string()
      .transform((s) => [
        ...new Set(
          s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        ),
      ])
      .superRefine((xs, ctx) => {
        const bad = xs.filter((x) => !ORGANIZATION_ID.test(x));
        if (bad.length > 0)
          ctx.addIssue({
            code: 'custom',
            message: `GATEHOUSE_TEAMS must be a comma-separated list of WorkOS organization ids (org_…); not one: ${bad.map(quote).join(', ')}`,
          });
      }),
    [] as string[],
  );
  const apiUrl = apiUrlRaw
    ? (() => {
        const u = new URL(apiUrlRaw);
        return {
          hostname: u.hostname.replace(/^\[|\]$/g, ''),
          port: u.port ? Number(u.port) : undefined,
          https: u.protocol === 'https:',
        };
      })()
    : undefined;

  const issuersRaw = take(
    'WORKOS_ISSUER',
    z
      .string()
      .transform((s) => s.split(',').map((x) => x.trim()))
      .refine((xs) => xs.every((x) => /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(x)), {
        error: (i) => `WORKOS_ISSUER must be a comma-separated list of http(s) URLs, got ${quote(i.input)}`,
      }),
    undefined as string[] | undefined,
  );
  if (issuersRaw && mode === 'local')
    problems.push('WORKOS_ISSUER is set but WORKOS_API_KEY is not: it only applies in live mode');
  const apiOrigin = apiUrlRaw ? new URL(apiUrlRaw).origin : 'https://api.workos.com';
  const issuers = issuersRaw ?? [apiOrigin, `${apiOrigin}/user_management/${clientId ?? ''}`];

  const cookiePassword = optional(env, 'WORKOS_COOKIE_PASSWORD');
  if (cookiePassword !== undefined && cookiePassword.length < 32)
    problems.push(`WORKOS_COOKIE_PASSWORD must be at least 32 characters, got ${cookiePassword.length}`);

  const metricsToken = optional(env, 'METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16)
    problems.push(`METRICS_TOKEN must be at least 16 characters, got ${metricsToken.length}`);

  const auditKeyReplaces = optional(env, 'GATEHOUSE_AUDIT_KEY_REPLACES');
  if (auditKeyReplaces !== undefined && !/^[0-9a-f]{16}$/.test(auditKeyReplaces))
    problems.push(
      `GATEHOUSE_AUDIT_KEY_REPLACES must be the lost key's id, 16 hex digits as the refusal names it, got ${auditKeyReplaces.length} characters (not shown: a key pasted there by mistake would be)`,
    );
  const auditWitness = optional(env, 'GATEHOUSE_AUDIT_WITNESS');
  const witnessError = auditWitness === undefined ? undefined : witnessProblem(auditWitness, dataDir);
  if (witnessError) problems.push(witnessError);

  const trustedProxies = trustedProxiesFrom(optional(env, 'TRUSTED_PROXIES'), problems);
  const demoPublic = take(
    'GATEHOUSE_DEMO_PUBLIC',
    z.enum(['0', '1'], {
      error: (i) => `GATEHOUSE_DEMO_PUBLIC must be 1 (or unset), got ${quote(i.input)}`,
    }),
    '0',
  );
  if (mode === 'live' && demoPublic === '1')
    problems.push(
      'GATEHOUSE_DEMO_PUBLIC is set but a WorkOS API key is too: it only applies to local mode’s demo sign-in',
    );
  if (mode === 'local' && demoPublic !== '1') problems.push(...demoExposure(host, publicUrl, extraHosts));

  const embeddedRateLimits = embeddedRateLimitsFrom(env, problems);
  if (mode === 'live' && optional(env, EMBEDDED_RATE_LIMITS_VAR) !== undefined)
    problems.push(
      `${EMBEDDED_RATE_LIMITS_VAR} is set but a WorkOS API key is too: it only applies to the embedded WorkOS (local mode, \`gatehouse emulator\`)`,
    );

  const telemetry = telemetryFrom(env, problems);
  const database = databaseFrom(optional(env, 'DATABASE_URL'), problems);
  const auditSigningKey = auditSigningKeyFrom(optional(env, 'GATEHOUSE_AUDIT_SIGNING_KEY'), problems);
  problems.push(...sharedSecretProblems(database, { cookiePassword, auditSigningKey }));

  if (problems.length > 0) throw new ConfigError(problems);

  const pub = new URL(publicUrl);
  const allowedHosts = new Set([pub.host.toLowerCase(), ...extraHosts]);
  if (isLoopbackHost(pub.hostname)) {
    // Loopback literals cannot be rebound by DNS, so they are equivalent to PUBLIC_URL's host.
    const p = pub.port ? `:${pub.port}` : '';
    for (const h of ['localhost', '127.0.0.1', '[::1]']) allowedHosts.add(`${h}${p}`);
  }

  return {
    port,
    host,
    publicUrl,
    allowedHosts: [...allowedHosts],
    dataDir,
    logLevel,
    logFormat,
    secureCookies: pub.protocol === 'https:',
    mode,
    workos:
      mode === 'live'
        ? {
            identityApiKey: identityApiKey!,
            clientId: clientId!,
            apiKey,
            productionApiKey,
            identityShared: identityApiKey === apiKey || identityApiKey === productionApiKey,
            apiUrl,
            issuers,
          }
        : undefined,
    cookiePassword,
    metricsToken,
    admitTeams,
    trustedProxies,
    demoPublic: mode === 'local' && demoPublic === '1',
    auditWitness: auditWitness === undefined ? undefined : resolve(auditWitness),
    auditKeyReplaces,
    embeddedRateLimits,
    telemetry,
    database,
    auditSigningKey,
  };
}
