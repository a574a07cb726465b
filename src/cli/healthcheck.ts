/**
 * `gatehouse healthcheck [/readyz | /healthz]`: GET /readyz (or /healthz) of the server this environment configures, over loopback,
 * with PUBLIC_URL's host as `Host` (the server answers only for it). The container image's
 * HEALTHCHECK: it has no shell or curl.
 */
import type { Config } from '../config/index.ts';

/** How long the whole check may take. */
export const HEALTHCHECK_TIMEOUT_MS = 5_000;

/** Where to reach a server bound to `host` from this machine: a wildcard bind answers on loopback. */
export function localTarget(host: string, port: number): string {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === '0.0.0.0' || h === '') return `http://127.0.0.1:${port}`;
  if (h === '::') return `http://[::1]:${port}`;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/** The paths it may ask: readiness (the default) or liveness. */
export const HEALTH_PATHS = ['/readyz', '/healthz'] as const;

export async function healthcheck(
  config: Config,
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const path = args[0] ?? '/readyz';
  if (args.length > 1 || !(HEALTH_PATHS as readonly string[]).includes(path)) {
    err(`gatehouse healthcheck asks ${HEALTH_PATHS.join(' or ')}, got '${args.join(' ')}'.\n`);
    return 2;
  }
  const url = `${localTarget(config.host, config.port)}${path}`;
  try {
    const res = await fetch(url, {
      headers: { host: new URL(config.publicUrl).host, accept: 'application/json' },
      signal: AbortSignal.timeout(HEALTHCHECK_TIMEOUT_MS),
      redirect: 'manual',
    });
    const body = await res.text();
    if (res.status === 200) {
      out(`ready: ${url} answered 200\n`);
      return 0;
    }
    err(`not ready: ${url} answered ${res.status}: ${body.slice(0, 500)}\n`);
    return 1;
  } catch (e) {
    err(`not ready: ${url} did not answer (${e instanceof Error ? e.message : String(e)})\n`);
    return 1;
  }
}
