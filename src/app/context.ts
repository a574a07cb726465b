import type { AuthKit } from '../auth/authkit.ts';
import type { BrowserSessions } from '../auth/browser-sessions.ts';
import type { LoginFlows } from '../auth/login-flows.ts';
import type { Config } from '../config/index.ts';
import type { Sealer } from '../crypto/seal.ts';
import type { Db } from '../db/client.ts';
import type { Csrf } from '../http/csrf.ts';
import type { Logger } from '../log/logger.ts';
import type { TeamsService } from '../teams/service.ts';
import type { UsersService } from '../users/service.ts';
import type { WorkOSGateway } from '../workos/gateway.ts';
import type { Clock } from './clock.ts';

export interface SeededAccount {
  email: string;
  name: string;
  role: string;
  teams: string[];
}

/** Everything a request handler may need, built once at start (see start.ts). */
export interface AppContext {
  config: Config;
  log: Logger;
  clock: Clock;
  db: Db;
  sealer: Sealer;
  csrf: Csrf;
  workos: WorkOSGateway;
  authkit: AuthKit;
  teams: TeamsService;
  users: UsersService;
  browserSessions: BrowserSessions;
  loginFlows: LoginFlows;
  /** Origins console forms may be redirected to (AuthKit), for the CSP `form-action`. */
  formActionOrigins: string[];
  /** Local mode: the demo accounts offered on the sign-in page. */
  seededAccounts: SeededAccount[];
}
