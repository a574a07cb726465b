#!/usr/bin/env bun
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startGatehouse } from './app/start.ts';
import { auditExport, auditVerify, CliUsageError } from './cli/audit.ts';
import { banner } from './cli/banner.ts';
import { HELP } from './cli/help.ts';
import { TEAMS_HELP, teamsCommand } from './cli/teams.ts';
import { embeddedRateLimitsFrom } from './config/embedded-rate-limits.ts';
import { ConfigError, loadConfig } from './config/index.ts';
import { DATABASE_FILE, openDatabase } from './db/client.ts';
import { applyMigrations } from './db/migrate.ts';
import { AdmissionError } from './teams/admission.ts';

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function config() {
  try {
    return loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 2);
    throw e;
  }
}

async function serve() {
  const cfg = config();
  const running = await startGatehouse(cfg).catch((e: unknown) => {
    if (e instanceof AdmissionError) fail(e.message, 2);
    throw e;
  });
  const { teams, environments } = running.ctx;
  process.stdout.write(
    `${banner(cfg, running.ctx.seededAccounts, {
      teams: teams.admitted().map((t) => `${t.name} (${t.organizationId})`),
      identityShared: environments.identityShared().map((s) => `${s.teamName}'s ${s.environment}`),
      deploymentKeysUnowned: environments.deploymentKeysUnowned(),
    })}\n`,
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.ctx.log.info('shutting down', { signal });
    await running.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function emulator(args: string[]) {
  let values: { port?: string; json?: boolean; environment?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { port: { type: 'string' }, json: { type: 'boolean' }, environment: { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    fail(`${e instanceof Error ? e.message : String(e)}\n\n${HELP.emulator}`, 2);
  }
  if (values.environment !== undefined) {
    fail(
      "--environment is gone: 'gatehouse emulator' runs every environment (identity, and each team's sandbox and production) behind one URL, and the API key selects the environment.",
      2,
    );
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535)
    fail(`--port must be a port number, got '${values.port}'`, 2);
  const { startEmbeddedSuite, startKeyRouter, describeEmulator, formatEmulatorDescription } = await import(
    './emulator/index.ts'
  );
  // Only its own setting: the emulator runs beside a Gatehouse of either mode.
  const problems: string[] = [];
  const rateLimits = embeddedRateLimitsFrom(process.env, problems);
  if (problems.length > 0) fail(new ConfigError(problems).message, 2);
  const suite = await startEmbeddedSuite({ rateLimits });
  let router: Awaited<ReturnType<typeof startKeyRouter>>;
  try {
    router = startKeyRouter(suite, { port });
  } catch (e) {
    await suite.close();
    fail(`gatehouse: cannot listen on 127.0.0.1:${port}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let description: Awaited<ReturnType<typeof describeEmulator>>;
  try {
    description = await describeEmulator(suite, router.url);
  } catch (e) {
    await Promise.allSettled([router.close(), suite.close()]);
    throw e;
  }
  process.stdout.write(
    values.json ? `${JSON.stringify(description)}\n` : `${formatEmulatorDescription(description)}\n`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([router.close(), suite.close()]);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

function migrate() {
  const cfg = config();
  const db = openDatabase(join(cfg.dataDir, DATABASE_FILE));
  const { applied } = applyMigrations(db);
  db.$client.close();
  process.stdout.write(
    `Database ${join(cfg.dataDir, DATABASE_FILE)}: ${applied} migration(s) applied, schema up to date.\n`,
  );
}

/** A usage mistake (bad arguments, unknown subcommand) exits 2 with its message; anything else is a bug. */
function failOnUsage(e: unknown): never {
  if (
    e instanceof CliUsageError ||
    (e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
  ) {
    fail(e.message, 2);
  }
  throw e;
}

function audit(args: string[]) {
  const [sub, ...rest] = args;
  const out = (s: string) => void process.stdout.write(s);
  try {
    if (sub === 'verify') process.exit(auditVerify(config(), rest, out));
    if (sub === 'export') process.exit(auditExport(config(), rest, out));
  } catch (e) {
    failOnUsage(e);
  }
  fail(`Unknown audit command '${sub ?? ''}'.\n\n${HELP.audit}`, 2);
}

async function teams(args: string[]) {
  try {
    process.exit(await teamsCommand(config(), args, (t) => void process.stdout.write(t)));
  } catch (e) {
    failOnUsage(e);
  }
}

async function main(argv: string[]) {
  const [command = 'help', ...rest] = argv;
  const help: Record<string, string> = { ...HELP, teams: TEAMS_HELP };
  if (rest.includes('--help') || rest.includes('-h'))
    return void process.stdout.write(`${help[command] ?? help.main}\n`);
  switch (command) {
    case 'serve':
      return serve();
    case 'emulator':
      return emulator(rest);
    case 'migrate':
      return migrate();
    case 'audit':
      return audit(rest);
    case 'teams':
      return teams(rest);
    case 'help':
    case '--help':
    case '-h':
      return void process.stdout.write(`${help[rest[0] ?? 'main'] ?? help.main}\n`);
    default:
      fail(`Unknown command '${command}'.\n\n${HELP.main}`, 2);
  }
}

await main(process.argv.slice(2)).catch((e: unknown) => {
  fail(`gatehouse: ${e instanceof Error ? e.message : String(e)}`);
});
