/**
 * OpenTelemetry's standard variables, as Gatehouse reads them (docs/architecture.md "Operating
 * it"): traces are off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. Pure: no OpenTelemetry package
 * is imported here, so a deployment without traces never loads one.
 *
 * The variables keep the meaning the OpenTelemetry specification gives them
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/): the endpoint is the collector's
 * base URL, traces go to `<endpoint>/v1/traces` over OTLP/HTTP; the headers are `key=value` pairs,
 * comma-separated, values percent-encoded.
 */

/** The validated tracing configuration; undefined in Config when traces are off. */
import { displayUrl, portZeroProblem } from '../config/checks.ts';
export interface TelemetryConfig {
  /** Where spans are POSTed: the endpoint's path plus `/v1/traces`. */
  tracesUrl: string;
  /** OTEL_SERVICE_NAME, default "gatehouse": the `service.name` of every span. */
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_HEADERS, decoded (an API key for a hosted collector, typically). */
  headers: Record<string, string>;
}

export const OTEL_ENDPOINT_VAR = 'OTEL_EXPORTER_OTLP_ENDPOINT';
export const OTEL_HEADERS_VAR = 'OTEL_EXPORTER_OTLP_HEADERS';
export const OTEL_SERVICE_NAME_VAR = 'OTEL_SERVICE_NAME';
export const DEFAULT_SERVICE_NAME = 'gatehouse';

type Env = Record<string, string | undefined>;

const read = (env: Env, name: string) => {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
};

/** The traces URL of an OTLP/HTTP endpoint, or the problem with it (naming the variable). */
export function tracesUrlOf(raw: string): { url: string } | { problem: string } {
  const named = `${OTEL_ENDPOINT_VAR} must be the http(s) URL of an OTLP/HTTP collector (e.g. http://localhost:4318)`;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { problem: `${named}, got '${displayUrl(raw)}'` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return { problem: `${named}, got '${displayUrl(raw)}'` };
  if (u.username || u.password)
    return {
      problem: `${OTEL_ENDPOINT_VAR} must not contain credentials: put them in ${OTEL_HEADERS_VAR} (e.g. authorization=Basic%20…)`,
    };
  if (u.search || u.hash)
    return { problem: `${OTEL_ENDPOINT_VAR} must not have a query or fragment, got '${displayUrl(raw)}'` };
  const port0 = portZeroProblem(OTEL_ENDPOINT_VAR, u, raw);
  if (port0) return { problem: port0 };
  const base = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
  return { url: `${u.origin}${base}v1/traces` };
}

/** HTTP header names are RFC 9110 tokens. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * OTEL_EXPORTER_OTLP_HEADERS decoded, or the problem. The values are secrets (a collector's API
 * key): a problem names the entry by its position and key, never its value.
 */
export function headersOf(raw: string): { headers: Record<string, string> } | { problem: string } {
  const headers: Record<string, string> = {};
  const entries = raw.split(',').map((e) => e.trim());
  for (const [i, entry] of entries.entries()) {
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq).trim() : '';
    if (!HEADER_NAME.test(key))
      return {
        problem: `${OTEL_HEADERS_VAR} must be comma-separated key=value pairs; entry ${i + 1} is not (value not shown: it may be secret)`,
      };
    let value: string;
    try {
      value = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch {
      return { problem: `${OTEL_HEADERS_VAR}: the value of '${key}' is not valid percent-encoding` };
    }
    if (/[\r\n\0]/.test(value))
      return { problem: `${OTEL_HEADERS_VAR}: the value of '${key}' contains a line break` };
    headers[key] = value;
  }
  return { headers };
}

/**
 * The tracing configuration from the environment: undefined (off, the default) without an
 * endpoint. Problems are pushed to `problems`, each naming its variable, as loadConfig's are.
 */
export function telemetryFrom(env: Env, problems: string[]): TelemetryConfig | undefined {
  const endpoint = read(env, OTEL_ENDPOINT_VAR);
  const headersRaw = read(env, OTEL_HEADERS_VAR);
  const serviceName = read(env, OTEL_SERVICE_NAME_VAR) ?? DEFAULT_SERVICE_NAME;
  if (serviceName.length > 255)
    problems.push(`${OTEL_SERVICE_NAME_VAR} must be at most 255 characters, got ${serviceName.length}`);
  if (endpoint === undefined) {
    if (headersRaw !== undefined)
      problems.push(
        `${OTEL_HEADERS_VAR} is set but ${OTEL_ENDPOINT_VAR} is not: traces are off unless the endpoint is set`,
      );
    return undefined;
  }
  const url = tracesUrlOf(endpoint);
  if ('problem' in url) problems.push(url.problem);
  const headers = headersRaw === undefined ? { headers: {} } : headersOf(headersRaw);
  if ('problem' in headers) problems.push(headers.problem);
  if ('problem' in url || 'problem' in headers) return undefined;
  return { tracesUrl: url.url, serviceName, headers: headers.headers };
}
