import type { AgentGrants } from '../approvals/agent.ts';
import type { HumanGrants } from '../approvals/human.ts';
import type { DemoProviders } from '../approvals/providers/demo.ts';
import type { GrantStore } from '../approvals/store.ts';
import type { AuditHeadWriter } from '../audit/head.ts';
import type { AuditKey } from '../audit/keys.ts';
import type { AuditService } from '../audit/service.ts';
import type { AuthKit } from '../auth/authkit.ts';
import type { BrowserSessions } from '../auth/browser-sessions.ts';
import type { LoginFlows } from '../auth/login-flows.ts';
import type { Config } from '../config/index.ts';
import type { Sealer } from '../crypto/seal.ts';
import type { Db } from '../db/client.ts';
import type { Csrf } from '../http/csrf.ts';
import type { RateLimiter } from '../http/rate-limit.ts';
import type { Clock } from '../kernel/clock.ts';
import type { EventBus } from '../kernel/events.ts';
import type { Logger } from '../log/logger.ts';
import type { QuestionCodec } from '../mcp/questions.ts';
import type { McpSessionRows } from '../mcp/session-rows.ts';
import type { MetricsRecorder } from '../metrics/recorder.ts';
import type { ClientsService } from '../oauth/clients/service.ts';
import type { CodesService } from '../oauth/codes.ts';
import type { ConsentsService } from '../oauth/consents.ts';
import type { OAuthRateLimits } from '../oauth/endpoints/limits.ts';
import type { PrincipalResolver } from '../oauth/principal.ts';
import type { TokensService } from '../oauth/tokens.ts';
import type { Outbound } from '../outbound/index.ts';
import type { ConfirmationsService } from '../policy/confirmations.ts';
import type { TeamEnvironments } from '../teams/environments.ts';
import type { KillSwitch } from '../teams/kill-switch.ts';
import type { TeamsService } from '../teams/service.ts';
import type { SettingsService } from '../teams/settings.ts';
import type { Telemetry } from '../telemetry/index.ts';
import type { ToolRegistry } from '../tools/registry.ts';
import type { MembershipResolver } from '../users/membership-resolver.ts';
import type { RoleChanges } from '../users/role-changes.ts';
import type { UsersService } from '../users/service.ts';
import type { WorkOSGateway } from '../workos/gateway.ts';

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
  /** Tool-call traces (OpenTelemetry), a no-op unless OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  telemetry: Telemetry;
  clock: Clock;
  db: Db;
  sealer: Sealer;
  csrf: Csrf;
  workos: WorkOSGateway;
  authkit: AuthKit;
  teams: TeamsService;
  /** Each team's own managed WorkOS environments: the only source of a tool's WorkOS client. */
  environments: TeamEnvironments;
  settings: SettingsService;
  killSwitch: KillSwitch;
  users: UsersService;
  /** A human's current role and permissions in a team (cached, coalesced): MCP and the console both ask it. */
  membership: MembershipResolver;
  /** The `mcp_sessions` rows (the live sessions themselves are the MCP endpoint's). */
  mcpSessionRows: McpSessionRows;
  /** What follows a role changed through a tool: cached roles dropped, sessions re-list tools. */
  roleChanges: RoleChanges;
  browserSessions: BrowserSessions;
  loginFlows: LoginFlows;
  /** The OAuth 2.1 authorization server and the resource server's token resolution. */
  oauth: {
    clients: ClientsService;
    consents: ConsentsService;
    tokens: TokensService;
    codes: CodesService;
    principals: PrincipalResolver;
    /** The MCP endpoint URL every token is bound to (RFC 8707). */
    resource: string;
    /** POST /register per address. */
    registrationLimiter: RateLimiter;
    /** POST /token and /authorize per client_id and per address. */
    rateLimits: OAuthRateLimits;
  };
  events: EventBus;
  audit: AuditService;
  /** The Ed25519 key signing the audit chain (the console's Verify button uses its public half). */
  auditKey: AuditKey;
  /** Keeps the signed head of the audit trail (outside the database) up to date. */
  auditHead: AuditHeadWriter;
  metrics: MetricsRecorder;
  confirmations: ConfirmationsService;
  /** Seals the state of a question asked to a 2026-07-28 client (HMAC, bound to the caller). */
  questions: QuestionCodec;
  /** Authority grants (docs/architecture.md "Human in the loop (Pipes)"): the table, the agent's side (ask, use) and the human's (decide). */
  grants: { store: GrantStore; agent: AgentGrants; human: HumanGrants };
  /** Guarded outbound HTTP for provider APIs (host map: local mode's demo providers, or a test's fakes). */
  outbound: Outbound;
  /** Local mode: the providers answered by Gatehouse's embedded demo APIs; undefined in live mode. */
  demoProviders: DemoProviders | undefined;
  tools: ToolRegistry;
  /** Origins console forms may be redirected to (AuthKit), for the CSP `form-action`. */
  formActionOrigins: string[];
  /** Local mode: the demo accounts offered on the sign-in page. */
  seededAccounts: SeededAccount[];
}
