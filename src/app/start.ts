import { join } from 'node:path';
import type { Server } from 'bun';
import { AuthKit } from '../auth/authkit.ts';
import { BrowserSessions } from '../auth/browser-sessions.ts';
import { LoginFlows } from '../auth/login-flows.ts';
import { SHUTDOWN_GRACE_MS } from '../config/constants.ts';
import type { Config } from '../config/index.ts';
import { Sealer } from '../crypto/seal.ts';
import { openDatabase } from '../db/client.ts';
import { applyMigrations } from '../db/migrate.ts';
import { buildApp, type RouteModule } from '../http/app.ts';
import { Csrf } from '../http/csrf.ts';
import { createDispatcher, listen, type RawHandler } from '../http/server.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { TeamsService } from '../teams/service.ts';
import { UsersService } from '../users/service.ts';
import { type Clock, systemClock } from './clock.ts';
import type { AppContext } from './context.ts';
import { liveWorkOS } from './live-mode.ts';
import { relinkSeeded, startLocalWorkOS } from './local-mode.ts';
import { loadOrCreateSecret } from './secrets.ts';

export interface StartOptions {
  logger?: Logger;
  clock?: Clock;
}

export interface RunningGatehouse {
  url: string;
  port: number;
  ctx: AppContext;
  server: Server<unknown>;
  stop(): Promise<void>;
}

export const DATABASE_FILE = 'gatehouse.db';

/**
 * Starts Gatehouse: database (migrated), WorkOS (embedded or live), services, HTTP server.
 * Everything a test or the CLI needs to stop it again is returned.
 */
export async function startGatehouse(config: Config, options: StartOptions = {}): Promise<RunningGatehouse> {
  const log = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const db = openDatabase(join(config.dataDir, DATABASE_FILE));
  const { applied } = applyMigrations(db);
  if (applied > 0) log.info('database migrated', { applied });

  const secret = config.cookiePassword ?? loadOrCreateSecret(config.dataDir, 'cookie');
  const sealer = new Sealer(secret);
  const local = config.mode === 'local' ? await startLocalWorkOS(log) : undefined;
  const workos = local?.gateway ?? liveWorkOS(config.workos!);

  const teams = new TeamsService(db, clock);
  const users = new UsersService(db, clock);
  if (local) await relinkSeeded(workos, teams, users);

  const authkit = new AuthKit(
    workos.identity.client,
    workos.identity.clientId,
    `${config.publicUrl}/callback`,
    local?.tokenIssuer,
  );
  const ctx: AppContext = {
    config,
    log,
    clock,
    db,
    sealer,
    csrf: new Csrf(sealer, config.secureCookies),
    workos,
    authkit,
    formActionOrigins: [authkit.origin],
    teams,
    users,
    browserSessions: new BrowserSessions(db, clock, sealer),
    loginFlows: new LoginFlows(db, clock, sealer),
    seededAccounts: local?.accounts ?? [],
  };

  const modules: RouteModule[] = [];
  const raw: Record<string, RawHandler> = {};
  const app = buildApp(ctx, modules);
  const server = listen(ctx, createDispatcher(ctx, app, { raw }));

  let stopped = false;
  return {
    url: config.publicUrl,
    port: server.port ?? config.port,
    ctx,
    server,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Let in-flight requests finish, then cut what is left (long-lived streams).
      await Promise.race([server.stop(false), Bun.sleep(SHUTDOWN_GRACE_MS)]);
      await server.stop(true);
      await workos.close();
      db.$client.close();
    },
  };
}
