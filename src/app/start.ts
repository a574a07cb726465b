import type { Server } from 'bun';
import { AgentGrants } from '../approvals/agent.ts';
import { approvalsRoutes } from '../approvals/console.ts';
import { HumanGrants } from '../approvals/human.ts';
import { GrantStore } from '../approvals/store.ts';
import { AuditHeadWriter } from '../audit/head.ts';
import { type AuditKey, signHash } from '../audit/keys.ts';
import { AuditService } from '../audit/service.ts';
import { declarationLeftSet, signingKeyFor } from '../audit/signing-key.ts';
import { AuthKit } from '../auth/authkit.ts';
import { BrowserSessions } from '../auth/browser-sessions.ts';
import { consoleAuthority } from '../auth/console-session.ts';
import { LoginFlows } from '../auth/login-flows.ts';
import { VERSION } from '../cli/help.ts';
import { MEMBERSHIP_SWEEP_MS, SHUTDOWN_GRACE_MS } from '../config/constants.ts';
import { refuseHostMapInLiveMode } from '../config/host-map.ts';
import type { Config } from '../config/index.ts';
import { auditRoutes } from '../console/audit.ts';
import { connectionsRoutes } from '../console/connections.ts';
import { dashboardRoutes } from '../console/dashboard.ts';
import { environmentsRoutes } from '../console/environments.ts';
import { settingsRoutes } from '../console/settings.ts';
import { Sealer } from '../crypto/seal.ts';
import { loadOrCreateSecret, sharedSecret } from '../crypto/secret-files.ts';
import { pgClientOf } from '../db/dialect.ts';
import { openMigratedDatabase } from '../db/open.ts';
import { relayEvents } from '../db/pg/relay.ts';
import { buildApp, type RouteModule } from '../http/app.ts';
import { Csrf } from '../http/csrf.ts';
import { metricsHandler } from '../http/metrics.ts';
import { createDispatcher, listen, type RawHandler } from '../http/server.ts';
import { systemClock } from '../kernel/clock.ts';
import { EventBus } from '../kernel/events.ts';
import { createLogger } from '../log/logger.ts';
import type { McpEndpoint } from '../mcp/endpoint.ts';
import { McpSessionRows } from '../mcp/session-rows.ts';
import { MetricsRecorder } from '../metrics/recorder.ts';
import type { MetadataFetcher } from '../oauth/clients/metadata-document.ts';
import { ClientsService } from '../oauth/clients/service.ts';
import { MAX_METADATA_BYTES } from '../oauth/clients/validate-metadata.ts';
import { CodesService } from '../oauth/codes.ts';
import { ConsentsService } from '../oauth/consents.ts';
import { OAuthRateLimits, registrationLimiter } from '../oauth/endpoints/limits.ts';
import { mcpResource } from '../oauth/metadata.ts';
import { PrincipalResolver } from '../oauth/principal.ts';
import { oauthRoutes } from '../oauth/routes.ts';
import { TokensService } from '../oauth/tokens.ts';
import { createOutbound, guardedFetch } from '../outbound/index.ts';
import { ConfirmationsService } from '../policy/confirmations.ts';
import { AdmissionError, admitConfiguredTeams, admitTeam } from '../teams/admission.ts';
import { TeamEnvironments } from '../teams/environments.ts';
import { KillSwitch } from '../teams/kill-switch.ts';
import { TeamsService } from '../teams/service.ts';
import { SettingsService } from '../teams/settings.ts';
import { StaffDirectory } from '../teams/staff.ts';
import { startTelemetry } from '../telemetry/index.ts';
import type { ToolRegistry } from '../tools/registry.ts';
import { MembershipResolver, workosMembershipReader } from '../users/membership-resolver.ts';
import { RoleChanges } from '../users/role-changes.ts';
import { UsersService } from '../users/service.ts';
import type { AppContext } from './context.ts';
import { lazyMcpEndpoint, loadQuestionCodec, loadToolRegistry } from './lazy.ts';
import { liveWorkOS } from './live-mode.ts';
import { admitSeeded, startLocalWorkOS } from './local-mode.ts';
import type { RunningGatehouse, StartOptions } from './start-types.ts';

export type { RunningGatehouse, StartOptions, TestHooks } from './start-types.ts';

/**
 * Starts Gatehouse: database (migrated), WorkOS (embedded or live), services, HTTP server.
 * Everything a test or the CLI needs to stop it again is returned.
 */
export async function startGatehouse(config: Config, options: StartOptions = {}): Promise<RunningGatehouse> {
  refuseHostMapInLiveMode(config.mode, options.testHooks?.outboundHostMap);
  const log = options.logger ?? createLogger(config.logLevel, undefined, config.logFormat);
  const clock = options.clock ?? systemClock;
  const db = openMigratedDatabase(config, log);

  // The data dir's secrets and key, each refused when damaged or not the trail's: before anything
  // else starts, and with the database closed again.
  let secret: string;
  let auditKey: AuditKey;
  try {
    auditKey = signingKeyFor(config, db.$client);
    secret = config.cookiePassword ?? loadOrCreateSecret(config.dataDir, 'cookie');
  } catch (e) {
    db.$client.close();
    throw e;
  }
  const sealer = new Sealer(secret);
  const local = config.mode === 'local' ? await startLocalWorkOS(log, config.embeddedRateLimits) : undefined;
  const workos = local?.gateway ?? liveWorkOS(config.workos!, config.admitTeams);

  // Entries are signed (Ed25519, 26–39 µs a signature): each appendTx entry, and a tool-call batch's last
  // (group commit, see AuditService.record); bench/README.md has the measurements.
  const leftSet = declarationLeftSet(config, auditKey, db.$client);
  if (leftSet) log.warn(leftSet);
  const audit = new AuditService(db, clock, (hash) => signHash(auditKey, hash), auditKey);
  audit.recordKeyReplacement(config.auditKeyReplaces);
  const auditHead = new AuditHeadWriter(db.$client, auditKey, config.dataDir, () => clock.now(), {
    witness: config.auditWitness,
    log,
    upkeep: () => audit.settlePages(),
  });
  auditHead.start();
  const teams = new TeamsService(db, clock);
  const users = new UsersService(db, clock);
  const admission = { db, teams, audit };
  try {
    await admitTeams();
  } catch (e) {
    // A start that fails here leaves nothing running: no head timer, no connection.
    await workos.close();
    auditHead.close();
    db.$client.close();
    throw e;
  }
  async function admitTeams(): Promise<void> {
    if (local) {
      await admitSeeded(workos, users, (org) => admitTeam(admission, org, 'seed'));
      return;
    }
    await admitConfiguredTeams({ ...admission, identity: workos.identity.client, log }, config.admitTeams);
    if (teams.admitted().length === 0)
      throw new AdmissionError(
        'Live mode needs at least one admitted team: set GATEHOUSE_TEAMS=org_… (the WorkOS organization your staff sign in to, in the identity environment), or run `gatehouse teams admit org_…`.',
      );
  }
  const events = new EventBus();
  // Several replicas on one PostgreSQL: each one's events reach the others (docs/postgresql.md).
  const environments = new TeamEnvironments({
    db,
    clock,
    audit,
    events,
    sealer: new Sealer(sharedSecret(config, 'environments')),
    gateway: workos,
    teams,
    staff: new StaffDirectory({ teams, identity: workos.identity.client, clock, log }),
  });

  const authkit = new AuthKit(
    workos.identity.client,
    workos.identity.clientId,
    `${config.publicUrl}/callback`,
    local?.tokenIssuer ?? config.workos!.issuers,
  );
  const resource = mcpResource(config);
  const tokens = new TokensService(db, clock, audit, events, log);
  const mcpSessionRows = new McpSessionRows(db, clock);
  // MCP sessions live in memory: rows left open by a previous process are over. Here, at start,
  // before this process has a session of its own (the endpoint loads at the first MCP request).
  mcpSessionRows.closeLeftOpen('server restarted');
  const hooks = options.testHooks ?? {};
  if (hooks.fetchClientMetadata)
    log.warn('TEST HOOK ACTIVE: client metadata documents are served by the test, not fetched');
  const fetchClientMetadata: MetadataFetcher =
    hooks.fetchClientMetadata ??
    ((url) =>
      guardedFetch(url, {
        method: 'GET',
        headers: { accept: 'application/json' },
        timeoutMs: 5_000,
        maxResponseBytes: MAX_METADATA_BYTES,
      }));
  const grantStore = new GrantStore(db, clock, audit, events);
  const grants = {
    store: grantStore,
    agent: new AgentGrants(grantStore, clock),
    human: new HumanGrants(grantStore, clock, (teamId) => teams.settings(teamId).authorityTtlMs),
  };
  const consents = new ConsentsService(db, clock, audit);
  const codes = new CodesService(db, clock, audit, tokens);
  // One source of a human's current role in a team, for MCP tokens and console sessions alike.
  const membership = new MembershipResolver({
    clock,
    read: workosMembershipReader(() => workos.identity.client),
    log,
    users,
    onRoleChanged: (teamId, userId) => events.emit('member.role_changed', { teamId, userId }),
  });
  // Tool-call traces: the no-op Telemetry unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const telemetry = await startTelemetry(config.telemetry, { log, version: VERSION });
  // Read (or created) now, as every data-dir file is; the codec itself is built on first use.
  const requestStateSecret = sharedSecret(config, 'request-state');
  let questions: ReturnType<typeof loadQuestionCodec> | undefined;
  let tools: ToolRegistry | undefined;
  const ctx: AppContext = {
    config,
    log,
    telemetry,
    clock,
    db,
    sealer,
    csrf: new Csrf(sealer, config.secureCookies),
    workos,
    authkit,
    formActionOrigins: [authkit.origin],
    events,
    audit,
    auditKey,
    auditHead,
    metrics: new MetricsRecorder(db, clock, log),
    confirmations: new ConfirmationsService(db, clock, audit),
    get questions() {
      questions ??= loadQuestionCodec(requestStateSecret);
      return questions;
    },
    grants,
    outbound: createOutbound({
      live: config.mode === 'live',
      demoHostMap: local?.demoProviders.hostMap,
      testHostMap: hooks.outboundHostMap,
      log,
    }),
    demoProviders: local ? { hosts: local.demoProviders.hosts } : undefined,
    killSwitch: new KillSwitch({
      db,
      clock,
      audit,
      events,
      tokens,
      consents,
      codes,
      grants,
      sessions: mcpSessionRows,
    }),
    get tools() {
      tools ??= loadToolRegistry();
      return tools;
    },
    oauth: {
      clients: new ClientsService(db, clock, fetchClientMetadata, audit, log),
      consents,
      tokens,
      codes,
      principals: new PrincipalResolver({ db, clock, tokens, membership, resource }),
      resource,
      registrationLimiter: registrationLimiter(clock),
      rateLimits: new OAuthRateLimits(clock),
    },
    teams,
    environments,
    settings: new SettingsService(db, clock, audit, events),
    users,
    membership,
    mcpSessionRows,
    roleChanges: new RoleChanges({
      teams,
      users,
      events,
      log,
      invalidate: (workosUserId) => membership.invalidate(workosUserId),
    }),
    browserSessions: new BrowserSessions(db, clock, sealer, audit, { membership }),
    loginFlows: new LoginFlows(db, clock, sealer),
    seededAccounts: local?.accounts ?? [],
  };

  // Loaded at the first MCP request (./lazy.ts): until then no session or stream exists to tell.
  const lazyMcp = lazyMcpEndpoint(ctx);
  const mcp = lazyMcp.endpoint;
  // Event handlers run outside any request: a failure is logged, never a rejection that would end the process.
  const logged = (what: string) => (e: unknown) =>
    log.error(what, { error: e instanceof Error ? e.message : String(e) });
  const refresh = (filter: { teamId?: string; userId?: string }) => {
    mcp.notifyToolsChanged();
    lazyMcp
      .loaded()
      ?.sessions.refreshVisibility(filter, (familyId) => ctx.oauth.principals.forFamily(familyId))
      .catch(logged('tool visibility refresh failed'));
  };
  events.on('team.settings_changed', ({ teamId }) => refresh({ teamId }));
  // Same tool names, another WorkOS environment behind them: every session of the team hears of it.
  events.on('team.environments_changed', ({ teamId }) => {
    mcp.notifyToolsChanged();
    lazyMcp.loaded()?.sessions.notify({ teamId }).catch(logged('tools/list_changed notice failed'));
  });
  events.on('member.role_changed', ({ teamId, userId }) => refresh({ teamId, userId }));
  // Several replicas on one PostgreSQL: each one's events reach the others (docs/postgresql.md).
  // A role another replica saw change in WorkOS drops this replica's cached role first.
  const pg = pgClientOf(db);
  if (pg)
    relayEvents(events, pg, log, (event, payload) => {
      if (event !== 'member.role_changed') return;
      const user = users.get((payload as { userId: string }).userId);
      if (user?.workosUserId) membership.invalidate(user.workosUserId);
    });
  // A grant decided, revoked, used or expired: the requesting authorization's sessions hear of it.
  events.on('grants.changed', ({ grantId }) => {
    const g = grants.store.get(grantId);
    const notice = g && lazyMcp.loaded()?.sessions.notify({ familyId: g.familyId });
    notice?.catch(logged('tools/list_changed notice failed'));
  });
  // A role changed in WorkOS itself (its dashboard, another tool) reaches idle sessions too: the
  // roles behind open sessions are re-read now and then, and a change sends tools/list_changed.
  const sweep = startMembershipSweep(ctx, lazyMcp.loaded, options.membershipSweepMs ?? MEMBERSHIP_SWEEP_MS);

  const modules: RouteModule[] = [
    consoleAuthority,
    oauthRoutes,
    connectionsRoutes,
    approvalsRoutes,
    settingsRoutes,
    environmentsRoutes,
    auditRoutes,
    dashboardRoutes,
  ];
  const raw: Record<string, RawHandler> = {
    '/mcp': mcp.handler,
    '/metrics': metricsHandler(ctx, () => lazyMcp.loaded()?.sessions.size ?? 0),
  };
  const app = buildApp(ctx, modules);
  const dispatch = createDispatcher(ctx, app, { raw });
  // Counts every answer for gatehouse_http_requests_total.
  const counted = Object.assign(
    async (request: Request, s: Server<unknown>) => {
      const res = await dispatch(request, s);
      ctx.metrics.recordHttp(request.method, res.status);
      return res;
    },
    { inFlight: dispatch.inFlight },
  );
  let server: ReturnType<typeof listen>;
  try {
    server = listen(ctx, counted);
  } catch (e) {
    // The port could not be bound: release everything started so far, then say why.
    clearInterval(sweep);
    await mcp.close();
    ctx.metrics.close();
    tokens.close();
    await workos.close();
    auditHead.close();
    db.$client.close();
    await telemetry.shutdown();
    throw e;
  }

  let stopped = false;
  return {
    url: config.publicUrl,
    port: server.port ?? config.port,
    ctx,
    server,
    mcp,
    requestsInFlight: dispatch.inFlight,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Stop accepting, end MCP sessions and their streams, let in-flight requests finish
      // (bounded), then close whatever is left (idle keep-alive connections).
      void server.stop(false);
      clearInterval(sweep);
      await mcp.close();
      const deadline = Date.now() + SHUTDOWN_GRACE_MS;
      while (dispatch.inFlight() > 0 && Date.now() < deadline) await Bun.sleep(10);
      await server.stop(true);
      ctx.metrics.close();
      tokens.close();
      await workos.close();
      // Entries of calls that ended during the grace period are written before the head is.
      audit.flush();
      auditHead.close();
      db.$client.close();
      // Last, as it may wait on a slow collector (bounded): every call, so every span, has ended.
      await telemetry.shutdown();
    },
  };
}

function startMembershipSweep(ctx: AppContext, loaded: () => McpEndpoint | undefined, everyMs: number) {
  let running = false;
  const timer = setInterval(async () => {
    const mcp = loaded();
    if (running || !mcp || mcp.sessions.size === 0) return;
    running = true;
    try {
      ctx.oauth.principals.invalidate();
      await mcp.sessions.refreshVisibility({}, (familyId) => ctx.oauth.principals.forFamily(familyId));
    } catch (e) {
      ctx.log.warn('membership sweep failed', { error: e instanceof Error ? e.message : String(e) });
    } finally {
      running = false;
    }
  }, everyMs);
  timer.unref?.();
  return timer;
}
