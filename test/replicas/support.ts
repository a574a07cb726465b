/**
 * Two real Gatehouse replicas on one PostgreSQL database (issue 15, docs/postgresql.md), as the
 * reference topology runs them: the same DATABASE_URL and the same shared secrets on both, both
 * in live mode against ONE `gatehouse emulator` process (so both see the same WorkOS), and one
 * public origin. Not a test file.
 *
 * The public origin: a proxy gives every replica the same PUBLIC_URL. Here there is no proxy; both
 * replicas take A's URL as PUBLIC_URL (tokens are bound to `${A}/mcp`, AuthKit's callback lands on
 * A) and each also answers for its own port (ALLOWED_HOSTS), so a test picks the replica a request
 * goes to by the port it sends it to. A browser keeps cookies per host name, not per port: the
 * browser used here (ReplicaBrowser) shares one cookie jar between the two replicas' ports, as one
 * browser behind the proxy would.
 */
import { afterAll, beforeAll, expect } from 'bun:test';
import { generateKeyPairSync } from 'node:crypto';
import type { EmulatorDescription } from '../../src/emulator/describe.ts';
import { baseEnv, gatehouse, type RunResult } from '../cli/run.ts';
import { type EmulatorProcess, spawnEmulator } from '../support/emulator-process.ts';
import { CookieClient, hiddenInput } from '../support/http.ts';
import { obtainTokens, registerClient } from '../support/oauth.ts';
import { freshPostgres, onPostgres, withSql } from '../support/pg.ts';
import { freePort } from '../support/server.ts';
import { type GatehouseProcess, spawnGatehouse } from '../support/subprocess.ts';

export { onPostgres };

export const TEAM = 'Gatehouse Demo Team';

export interface Pair {
  /** Replica A: its URL is the public one (PUBLIC_URL of both). */
  a: GatehouseProcess;
  b: GatehouseProcess;
  /** PUBLIC_URL of both replicas (A's URL): tokens are bound to `${publicUrl}/mcp`. */
  publicUrl: string;
  /** The database both use, and the environment a CLI command needs to reach it. */
  databaseUrl: string;
  env: Record<string, string>;
  emulator: EmulatorDescription;
  /** A browser whose cookie jar both replicas share (see the file's comment). */
  browser(): ReplicaBrowser;
  /** Starts replica B again (after a kill) on the same port, database and secrets. */
  restartB(): Promise<GatehouseProcess>;
}

/**
 * Starts the emulator and the two replicas before the file's tests, stops them after. On SQLite
 * (no DATABASE_URL) it does nothing: the file's describe is skipped.
 */
export function usePair(): Pair {
  const pair = {} as Pair;
  let emulator: EmulatorProcess | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (!onPostgres) return;
    // Nothing of the test's own environment (DATABASE_URL included), and without WorkOS's own
    // rate limits: the load tests would measure 429s.
    emulator = await spawnEmulator(baseEnv({ GATEHOUSE_EMBEDDED_RATE_LIMITS: 'off' }));
    pair.emulator = emulator.described;
    const db = await freshPostgres();
    drop = db.drop;
    const demo = pair.emulator.teams.find((t) => t.seedKey === 'gatehouse-demo-team')!;
    const portA = freePort();
    const portB = freePort();
    pair.publicUrl = `http://localhost:${portA}`;
    pair.databaseUrl = db.url;
    pair.env = {
      ...pair.emulator.env,
      // The first admitted team's managed sandbox, as the deployment-level key (live mode).
      WORKOS_API_KEY: demo.sandbox.apiKey,
      DATABASE_URL: db.url,
      WORKOS_COOKIE_PASSWORD: 'replicas-share-this-cookie-password-0123456789abcdef',
      GATEHOUSE_AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'der' })
        .toString('base64'),
      PUBLIC_URL: pair.publicUrl,
      ALLOWED_HOSTS: `localhost:${portA},localhost:${portB}`,
    };
    const replicaPorts = new Set([String(portA), String(portB)]);
    pair.browser = () => new ReplicaBrowser(replicaPorts);
    pair.restartB = async () => {
      pair.b = await spawnGatehouse({ env: pair.env, port: portB });
      return pair.b;
    };
    [pair.a, pair.b] = await Promise.all([
      spawnGatehouse({ env: pair.env, port: portA }),
      spawnGatehouse({ env: pair.env, port: portB }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([pair.a?.stop(), pair.b?.stop()]);
    await emulator?.stop();
    await drop?.();
  });
  return pair;
}

/**
 * A cookie-keeping client that, like a browser, keys the replicas' cookies by host name only:
 * `localhost:<A>` and `localhost:<B>` are one site (one origin behind a proxy).
 */
export class ReplicaBrowser extends CookieClient {
  constructor(private readonly replicaPorts: ReadonlySet<string>) {
    super();
  }

  override cookies(url: string): Map<string, string> {
    const u = new URL(url);
    return super.cookies(this.replicaPorts.has(u.port) ? `http://${u.hostname}:0/` : url);
  }
}

/**
 * Signs `email` in through replica `base` in live mode: /login → AuthKit (the emulator) →
 * /callback (on PUBLIC_URL, replica A) → the team picker when the person is in several teams.
 */
export async function signInVia(
  base: string,
  email: string,
  browser: CookieClient,
  team = TEAM,
): Promise<CookieClient> {
  const login = await browser.fetch(`${base}/login?login_hint=${encodeURIComponent(email)}`);
  expect(login.status).toBe(303);
  const { res, url } = await browser.follow(login, `${base}/login`);
  if (new URL(url).pathname === '/teams') {
    const page = await res.text();
    const option = [
      ...page.matchAll(/name="organization_id" value="([^"]+)"[^>]*>\s*<span class="name">([^<]+)<\/span>/g),
    ].find((o) => o[2] === team);
    if (!option) throw new Error(`${email} is not offered ${team}`);
    // The picker came from A; the choice goes to `base` (the cookie and the CSRF token are shared).
    const chosen = await browser.post(`${base}/teams/select`, {
      _csrf: hiddenInput(page, '_csrf')!,
      organization_id: option[1]!,
      return_to: '/',
    });
    expect(chosen.status).toBe(303);
  } else {
    await res.arrayBuffer();
    expect(new URL(url).pathname).toBe('/');
  }
  return browser;
}

/** Real OAuth on replica A for a seeded human (a fresh registered client): tokens and client id. */
export async function agentTokens(
  pair: Pair,
  email: string,
  team = TEAM,
): Promise<{ access_token: string; refresh_token: string; client_id: string }> {
  const browser = await signInVia(pair.a.url, email, pair.browser(), team);
  const client = await registerClient(pair.a.url);
  const tokens = await obtainTokens(pair.a.url, browser, client);
  return { ...tokens, client_id: client.client_id };
}

/** The CSRF token of a signed-in browser, read from a console page of replica `base`. */
export async function csrfOn(browser: CookieClient, base: string, path = '/approvals'): Promise<string> {
  const res = await browser.fetch(`${base}${path}`);
  expect(res.status).toBe(200);
  const token = hiddenInput(await res.text(), '_csrf');
  expect(token).toBeTruthy();
  return token!;
}

/** A Gatehouse CLI command against the pair's database (e.g. `audit verify`). */
export function cli(pair: Pair, ...args: string[]): Promise<RunResult> {
  return gatehouse(args, { env: { ...pair.env, GATEHOUSE_DATA_DIR: pair.a.dataDir } });
}

/** Runs `fn` with a connection to the pair's database (to read the audit trail and the rows). */
export function query<T>(pair: Pair, fn: (sql: Bun.SQL) => Promise<T>): Promise<T> {
  return withSql(fn, pair.databaseUrl);
}

export { mcpPost, openRawSession, openStream, PROTOCOL_2025 } from '../support/raw-mcp.ts';

/** The id of the waiting "deletions need a person" confirmation whose card names `text`. */
export function waitingFor(html: string, text: string): string | undefined {
  return [...html.matchAll(/data-confirmation="([0-9a-f]{64})"/g)]
    .map((m) => m[1]!)
    .find((id) => {
      const start = html.indexOf(`data-confirmation="${id}"`);
      return html.slice(start, html.indexOf('</section>', start)).includes(text);
    });
}
