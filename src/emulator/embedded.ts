/**
 * One embedded WorkOS environment: WorkOS's own emulator (`workos/emulate`), seeded, behind the
 * fixture front (front.ts) that adds what the emulator lacks.
 */
import { randomBytes } from 'node:crypto';
import type { Environment } from '../../db/schema/enums.ts';
import { DEFAULT_EMBEDDED_RATE_LIMITS, type EmbeddedRateLimits } from '../config/embedded-rate-limits.ts';
import {
  EMBEDDED_SPECS,
  type EmbeddedName,
  type EmbeddedNameOrAlias,
  resolveEmbeddedName,
} from './environments.ts';
import { emptyFixtureState, type PipeConnectionRecord } from './fixtures/state.ts';
import { createTokenSigner } from './fixtures/token-signer.ts';
import { type Front, startFront } from './front.ts';
import { type InternalKeyOptions, InternalKeyPool } from './internal-keys.ts';
import { RateLimiter, rateRulesFor } from './rate-limits.ts';
import { populateFixtureState } from './seed/materialize.ts';
import { seedThroughApi, toEmulatorSeed } from './seed-emulator.ts';
import { Upstream } from './upstream.ts';

export interface EmbeddedWorkOS {
  /** The canonical name: identity, demo-sandbox, demo-production, labs-sandbox, labs-production. */
  name: EmbeddedName;
  /** WorkOS's environment kind; the identity environment counts as a sandbox. */
  environment: Environment;
  /** Base URL the SDK targets: the fixture front. */
  url: string;
  host: string;
  port: number;
  /** The key to present as `Authorization: Bearer …`. */
  apiKey: string;
  clientId: string;
  /**
   * The `iss` claim of access tokens the emulator signs: its own origin, not the front's
   * (the emulator fixes it when it starts). Their JWKS is served at `${url}/sso/jwks/${clientId}`;
   * on the identity environment it also lists the front's key (impersonated sessions).
   */
  tokenIssuer: string;
  /** The Pipes connected accounts this environment vends tokens for (read by local mode's demo providers). */
  pipes: ReadonlyMap<string, PipeConnectionRecord>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Port of the fixture front; default 0 = a free port. */
  port?: number;
  /** Where unexpected failures of the embedded WorkOS are reported (default: a JSON line on stderr). */
  onError?: (message: string, fields: Record<string, unknown>) => void;
  /**
   * How the front rate-limits its key (GATEHOUSE_EMBEDDED_RATE_LIMITS): WorkOS's documented
   * limits by default, `off` for benchmarks. The emulator's own limit never shows through.
   */
  rateLimits?: EmbeddedRateLimits;
  /**
   * The front's own keys on the emulator (internal-keys.ts): how many at start (default 4), and
   * the pool's limits. Only tests change them, to reach the emulator's own limit on purpose.
   */
  internalKeys?: { initial?: number } & Pick<InternalKeyOptions, 'budget' | 'maxKeys'>;
}

/** Internal keys registered with the emulator at start; the pool adds more under load. */
const INITIAL_INTERNAL_KEYS = 4;

/** The runtime's own Request and Response, captured before any emulator can replace them. */
const NATIVE_WEB_GLOBALS = { Request: globalThis.Request, Response: globalThis.Response } as const;

/**
 * @hono/node-server, under the emulator, swaps the global Request and Response for its own
 * lightweight classes when it starts serving. Bun.serve and Elysia in the same process would
 * then be handed objects Bun rejects ("Expected a Response object"), so the natives go back
 * right after the emulator starts; Hono works with them unchanged.
 */
function restoreWebGlobals(): void {
  for (const name of ['Request', 'Response'] as const) {
    if (globalThis[name] !== NATIVE_WEB_GLOBALS[name]) {
      Object.defineProperty(globalThis, name, {
        value: NATIVE_WEB_GLOBALS[name],
        writable: true,
        configurable: true,
      });
    }
  }
}

function defaultOnError(message: string, fields: Record<string, unknown>): void {
  const error =
    fields.error instanceof Error ? { name: fields.error.name, message: fields.error.message } : fields.error;
  process.stderr.write(
    `${JSON.stringify({ t: new Date().toISOString(), level: 'error', msg: message, ...fields, error })}\n`,
  );
}

/**
 * Starts one environment's embedded WorkOS: the emulator on a free port, seeded, and the
 * fixture front on 127.0.0.1. The emulator listens on every interface (it takes no host
 * option), so it only accepts random per-start keys that never leave this process; clients
 * reach it through the front with `apiKey`. `sandbox` and `production` name the Demo team's.
 */
export async function startEmbeddedWorkOS(
  nameOrAlias: EmbeddedNameOrAlias,
  options: StartOptions = {},
): Promise<EmbeddedWorkOS> {
  const spec = EMBEDDED_SPECS[resolveEmbeddedName(nameOrAlias)];
  const signer = spec.authKit ? await createTokenSigner() : undefined;
  // Lazy: a live deployment never loads the emulator.
  const { createEmulator } = await import('workos/emulate');
  const { apiKey, seed } = spec;
  const internalKeys = Array.from(
    { length: options.internalKeys?.initial ?? INITIAL_INTERNAL_KEYS },
    () => `sk_test_internal_${randomBytes(24).toString('hex')}`,
  );
  const keyEnvironment = spec.environment === 'production' ? 'production' : 'test';
  // The emulator keeps this very object as its key table and reads it on every request, so a
  // key added to it later is accepted from then on (internal-keys.ts).
  const emulatorKeys: Record<string, { environment: string }> = Object.fromEntries(
    internalKeys.map((k) => [k, { environment: keyEnvironment }]),
  );
  const emulatorSeed = toEmulatorSeed(seed, emulatorKeys);
  const emulator = await createEmulator({ port: 0, seed: emulatorSeed }).finally(restoreWebGlobals);
  const { initial: _, ...poolOptions } = options.internalKeys ?? {};
  const pool = new InternalKeyPool(
    (key) => {
      emulatorKeys[key] = { environment: keyEnvironment };
    },
    internalKeys,
    poolOptions,
  );
  let front: Front | undefined;
  try {
    // Started on port 0, the emulator writes `http://localhost:0` into some URLs.
    const upstream = new Upstream(`http://127.0.0.1:${emulator.port}`, pool, apiKey, [
      'http://localhost:0',
      emulator.url,
      `http://127.0.0.1:${emulator.port}`,
    ]);
    const state = emptyFixtureState();
    front = startFront({
      port: options.port ?? 0,
      apiKey,
      upstream,
      state,
      ...(signer && { signer }),
      onError: options.onError ?? defaultOnError,
      limiter: new RateLimiter(rateRulesFor(options.rateLimits ?? DEFAULT_EMBEDDED_RATE_LIMITS)),
    });
    const ids = await seedThroughApi(upstream, seed);
    populateFixtureState(state, seed, ids, Date.now(), front.url);
    const started = front;
    let closed: Promise<void> | undefined;
    return {
      name: spec.name,
      environment: spec.environment,
      url: started.url,
      host: started.host,
      port: started.port,
      apiKey,
      clientId: spec.clientId,
      tokenIssuer: emulator.url,
      pipes: state.pipes,
      close: () => {
        closed ??= Promise.all([started.stop(), emulator.close()]).then(() => undefined);
        return closed;
      },
    };
  } catch (error) {
    await Promise.allSettled([front?.stop(), emulator.close()]);
    throw error;
  }
}
