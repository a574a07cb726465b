import { liveWorkOS } from '../app/live-mode.ts';
import { HumanGrants } from '../approvals/human.ts';
import { GrantStore } from '../approvals/store.ts';
import { AuditHeadWriter } from '../audit/head.ts';
import { signHash } from '../audit/keys.ts';
import { AuditService } from '../audit/service.ts';
import { declarationLeftSet, signingKeyFor } from '../audit/signing-key.ts';
import { type Config, ORGANIZATION_ID } from '../config/index.ts';
import { pgClientOf } from '../db/dialect.ts';
import { applyMigrations } from '../db/migrate.ts';
import { openConfiguredDatabase } from '../db/open.ts';
import { relayEvents } from '../db/pg/relay.ts';
import { isAppError } from '../errors/app-error.ts';
import { systemClock } from '../kernel/clock.ts';
import { EventBus } from '../kernel/events.ts';
import { createLogger } from '../log/logger.ts';
import { McpSessionRows } from '../mcp/session-rows.ts';
import { CodesService } from '../oauth/codes.ts';
import { ConsentsService } from '../oauth/consents.ts';
import { TokensService } from '../oauth/tokens.ts';
import { admitTeam, removeTeam } from '../teams/admission.ts';
import { KillSwitch } from '../teams/kill-switch.ts';
import { TeamsService } from '../teams/service.ts';
import { CliUsageError, parseOptions } from './args.ts';

export const TEAMS_HELP = `Usage: gatehouse teams list
       gatehouse teams admit <org_id> [--name <name>]
       gatehouse teams remove <org_id>

Only organizations the operator admits are Gatehouse teams (see README "Live mode"). Anyone whose
memberships include no admitted team is refused at sign-in, and tools never treat a team's own
organization as a customer.

list    The admitted teams: organization id, name, when and how each was admitted.
admit   Admits a WorkOS organization of the identity environment (live mode checks it exists there
        and takes its name from WorkOS). Idempotent. GATEHOUSE_TEAMS admits its ids at every start.
remove  Pulls the team's kill switch (every token, code, consent and grant revoked; audited), then
        forgets the team: its settings, members, linked environments, tokens and grants are
        deleted. The audit trail keeps its entries. A running server refuses the team's tokens
        at once; its open MCP streams close within a minute. An id still listed in
        GATEHOUSE_TEAMS is admitted again at the next start: remove it there too.`;

/** The operator, as the audit trail names CLI changes. */
const OPERATOR = { userId: 'operator', email: 'operator (gatehouse teams)' };

/** `gatehouse teams list|admit|remove`; returns the exit code. */
export async function teamsCommand(
  config: Config,
  args: string[],
  out: (s: string) => void,
): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseOptions({
    args: rest,
    options: { name: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (sub !== 'list' && sub !== 'admit' && sub !== 'remove')
    throw new CliUsageError(`Unknown teams command '${sub ?? ''}'.\n\n${TEAMS_HELP}`);
  const organizationId = positionals[0];
  if (positionals.length > (sub === 'list' ? 0 : 1))
    throw new CliUsageError(
      `gatehouse teams ${sub} takes ${sub === 'list' ? 'no arguments' : 'one organization id (run it once per team)'}, got '${positionals.join(' ').slice(0, 200)}'.`,
    );
  // A name is shown in the console, the banner and the logs: no control characters (ANSI escapes).
  const control = (c: string) =>
    c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f);
  if (values.name !== undefined && (values.name.trim() === '' || [...values.name].some(control)))
    throw new CliUsageError('--name must be a non-empty name without control characters.');
  if (sub !== 'list' && (!organizationId || !ORGANIZATION_ID.test(organizationId)))
    throw new CliUsageError(
      `gatehouse teams ${sub} needs a WorkOS organization id (org_…), got '${organizationId ?? ''}'.`,
    );

  const db = openConfiguredDatabase(config);
  applyMigrations(db);
  const clock = systemClock;
  const auditKey = signingKeyFor(config, db.$client);
  const leftSet = declarationLeftSet(config, auditKey, db.$client);
  if (leftSet) process.stderr.write(`Warning: ${leftSet}\n`);
  const audit = new AuditService(db, clock, (hash) => signHash(auditKey, hash), auditKey);
  audit.recordKeyReplacement(config.auditKeyReplaces);
  const teams = new TeamsService(db, clock);
  // Nothing listens in this process: a running server refuses revoked tokens from the database.
  const events = new EventBus();
  // On PostgreSQL the running replicas hear what this command does (the kill switch of a removed
  // team closes their sessions and streams), as they hear each other (docs/postgresql.md).
  const pg = pgClientOf(db);
  if (pg) relayEvents(events, pg, createLogger('error'));
  const tokens = new TokensService(db, clock, audit, events);
  // The CLI appends to the trail too, so it moves the signed head forward as the server does.
  const head = new AuditHeadWriter(db.$client, auditKey, config.dataDir, () => clock.now(), {
    witness: config.auditWitness,
    upkeep: () => audit.settlePages(),
  });
  try {
    if (sub === 'list') {
      const admitted = teams.admitted();
      if (admitted.length === 0) out('No admitted teams. Admit one with: gatehouse teams admit org_…\n');
      for (const t of admitted) {
        const at = new Date(t.admittedAt ?? 0).toISOString();
        out(`${t.organizationId}  ${t.name}  (admitted ${at} by ${t.admittedBy ?? 'unknown'})\n`);
      }
      return 0;
    }
    if (sub === 'admit') {
      let name = values.name?.trim() || organizationId!;
      if (config.mode === 'live' && config.workos) {
        const identity = liveWorkOS(config.workos).identity.client;
        try {
          name = values.name?.trim() || (await identity.organizations.getOrganization(organizationId!)).name;
        } catch (e) {
          throw new CliUsageError(
            `The identity environment has no organization ${organizationId} (${e instanceof Error ? e.message : String(e)}); nothing was admitted.`,
          );
        }
      } else {
        out(
          'Note: local mode admits its seeded staff teams by itself; organization ids change at every start.\n',
        );
      }
      const team = admitTeam({ db, teams, audit }, { organizationId: organizationId!, name }, 'cli');
      out(`Admitted ${team.name} (${team.organizationId}).\n`);
      return 0;
    }
    const store = new GrantStore(db, clock, audit, events);
    const grants = { store, human: new HumanGrants(store, clock, (id) => teams.settings(id).authorityTtlMs) };
    const killSwitch = new KillSwitch({
      db,
      clock,
      audit,
      consents: new ConsentsService(db, clock, audit),
      codes: new CodesService(db, clock, audit, tokens),
      events,
      tokens,
      grants,
      sessions: new McpSessionRows(db, clock),
    });
    try {
      const team = removeTeam({ db, teams, audit, killSwitch }, organizationId!, OPERATOR);
      out(`Removed ${team.name} (${team.organizationId}): kill switch pulled, team forgotten.\n`);
      if (config.admitTeams.includes(organizationId!))
        out('Warning: GATEHOUSE_TEAMS still lists it; it is admitted again at the next start.\n');
      return 0;
    } catch (e) {
      if (isAppError(e)) throw new CliUsageError(e.message);
      throw e;
    }
  } finally {
    head.flush();
    tokens.close();
    db.$client.close();
  }
}
