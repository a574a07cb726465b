#!/usr/bin/env bun
import { join } from 'node:path';
import { CliUsageError, parseOptions } from './cli/args.ts';
import { auditExport, auditVerify, writeAllSync, writeStdoutSync } from './cli/audit.ts';
import { BACKUP_HELP, backupCommand } from './cli/backup.ts';
import { configCheck } from './cli/config-check.ts';
import { healthcheck } from './cli/healthcheck.ts';
import { HELP, VERSION } from './cli/help.ts';
import { RESTORE_HELP, restoreCommand } from './cli/restore.ts';
import { StartupError, serve as startServer } from './cli/serve.ts';
import { TEAMS_HELP, teamsCommand } from './cli/teams.ts';
import { quote } from './config/checks.ts';
import { embeddedRateLimitsFrom } from './config/embedded-rate-limits.ts';
import { ConfigError, loadConfig } from './config/index.ts';
import { unknownVariables } from './config/variables.ts';
import { DATABASE_FILE } from './db/client.ts';
import { applyMigrations } from './db/migrate.ts';
import { openConfiguredDatabase } from './db/open.ts';

function fail(message: string, code = 1): never {
  // Written whole before the exit: an asynchronous write to a pipe stops at 64 KiB.
  writeAllSync(2, `${message}\n`);
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

/**
 * Writes to stdout before going on: process.stdout.write reported a full disk only after the
 * command had exited 0. Output that cannot be written fails the command (exit 1) with the reason;
 * a reader that stopped reading (`| head`) ends it quietly, as SIGPIPE ends other programs (not
 * all was delivered, so not 0; the reader chose it, so no message). It throws, so the command's
 * own clean-up (closing the database, moving the signed head) still runs before the exit.
 */
class StdoutFailure extends Error {
  constructor(readonly reason: unknown) {
    super(`cannot write to standard output: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

function out(t: string): void {
  try {
    writeStdoutSync(t);
  } catch (e) {
    throw new StdoutFailure(e);
  }
}

function exitOnStdoutFailure(e: unknown): void {
  if (!(e instanceof StdoutFailure)) return;
  if ((e.reason as NodeJS.ErrnoException).code === 'EPIPE') process.exit(1);
  fail(`gatehouse: ${e.message}`);
}

/**
 * The server's banner: written without waiting, and never the reason a running server stops (a
 * banner larger than a pipe nobody reads would otherwise hold the start, signals included).
 */
function banner(t: string): void {
  process.stdout.write(t, () => undefined);
}
const err = (t: string) => void process.stderr.write(t);

async function serve() {
  // config check lists them too; a server started with a misspelt name would quietly use the default.
  const unknown = unknownVariables(process.env);
  if (unknown.length > 0)
    err(
      `Warning: ${unknown.map((n) => quote(n)).join(', ')} ${unknown.length === 1 ? 'is not a Gatehouse variable' : 'are not Gatehouse variables'} (a typo?): ignored. gatehouse config check lists the ones it reads.\n`,
    );
  try {
    process.stdout.on('error', () => undefined);
    await startServer(config(), banner);
  } catch (e) {
    if (e instanceof StartupError) fail(e.message, 2);
    throw e;
  }
}

async function emulator(args: string[]) {
  let values: { port?: string; json?: boolean; environment?: string };
  try {
    ({ values } = parseOptions({
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
  out(values.json ? `${JSON.stringify(description)}\n` : `${formatEmulatorDescription(description)}\n`);
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
  const path = cfg.database ? cfg.database.display : join(cfg.dataDir, DATABASE_FILE);
  try {
    const db = openConfiguredDatabase(cfg);
    try {
      const { applied, backup } = applyMigrations(db);
      if (backup) out(`Copied the database to ${backup} before migrating (migrations are forward-only).\n`);
      out(`Database ${path}: ${applied} migration(s) applied, schema up to date.\n`);
    } finally {
      db.$client.close();
    }
  } catch (e) {
    // DATABASE_URL found wrong when used (unreachable, a newer schema): exit 2, as `serve` says it.
    failOnUsage(e);
  }
}

/** A usage mistake (bad arguments, unknown subcommand) exits 2 with its message; anything else is a bug. */
function failOnUsage(e: unknown): never {
  exitOnStdoutFailure(e);
  // A configuration found wrong only when used (DATABASE_URL naming a missing database) is exit 2,
  // as at start: exit 1 means "checked, and broken" for `audit verify`.
  if (e instanceof ConfigError) fail(e.message, 2);
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
    process.exit(await teamsCommand(config(), args, out));
  } catch (e) {
    failOnUsage(e);
  }
}

async function backup(args: string[]) {
  try {
    process.exit(
      await backupCommand(config(), args, {
        say: args.includes('-') ? err : out,
        refuse: err,
        stdout: (bytes) =>
          Bun.write(Bun.stdout, bytes).then(
            () => undefined,
            (e) => {
              throw new StdoutFailure(e);
            },
          ),
      }),
    );
  } catch (e) {
    failOnUsage(e);
  }
}

async function restore(args: string[]) {
  try {
    process.exit(await restoreCommand(config(), args, out, err));
  } catch (e) {
    failOnUsage(e);
  }
}

async function configCommand(args: string[]) {
  const [sub, ...rest] = args;
  if (sub !== 'check' || rest.length > 0)
    fail(`Unknown config command '${args.join(' ')}'.\n\n${HELP.config}`, 2);
  process.exit(await configCheck(process.env, out));
}

async function main(argv: string[]) {
  const [command = 'help', ...rest] = argv;
  const help: Record<string, string> = {
    ...HELP,
    teams: TEAMS_HELP,
    backup: BACKUP_HELP,
    restore: RESTORE_HELP,
    help: HELP.main!,
  };
  // Own pages only: `help toString` is no command either.
  const page = (topic: string) => {
    // `--help --version`, `--version --help`: the version's page, as `help version`.
    const name = ['--version', '-v', '-V'].includes(topic) ? 'version' : topic;
    return Object.hasOwn(help, name) ? help[name] : undefined;
  };
  // The binary starts with JIT tier-up thresholds raised for serving until agents call
  // (src/app/lazy.ts restores them); every other command runs with the normal policy.
  if (command !== 'serve') Bun.unsafe.setJITPolicy?.(1);
  const isHelpFlag = (a: string) => a === '--help' || a === '-h';
  if (rest.some(isHelpFlag) && command !== 'help' && !isHelpFlag(command)) {
    const text = page(command);
    if (text === undefined)
      fail(`Unknown command ${quote(command)}. Run gatehouse --help for the commands.`, 2);
    return void out(`${text}\n`);
  }
  // Commands configured only by the environment: an argument would be silently ignored.
  if (['serve', 'migrate', 'version', '--version', '-v', '-V'].includes(command) && rest.length > 0)
    fail(
      `'gatehouse ${command}' takes no arguments, got ${quote(rest.join(' '))}. It is configured by environment variables (PORT, GATEHOUSE_DATA_DIR…): run gatehouse --help.`,
      2,
    );
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
    case 'backup':
      return backup(rest);
    case 'restore':
      return restore(rest);
    case 'config':
      return configCommand(rest);
    case 'healthcheck':
      return process.exit(await healthcheck(config(), rest, out, err));
    case 'version':
    case '--version':
    case '-v':
    case '-V':
      return void out(`gatehouse ${VERSION}\n`);
    case 'help':
    case '--help':
    case '-h': {
      // `help audit --help` asks the same as `help audit`.
      const topics = rest.filter((a) => !isHelpFlag(a));
      const topic = topics[0] ?? 'main';
      if (topics.length > 1)
        fail(`gatehouse help takes one command, got '${topics.join(' ').slice(0, 200)}'.`, 2);
      const text = page(topic);
      if (text === undefined) {
        const commands = Object.keys(help).filter((k) => k !== 'main');
        fail(
          `No help for '${topic.slice(0, 200)}': it is not a command. The commands: ${commands.join(', ')}.`,
          2,
        );
      }
      return void out(`${text}\n`);
    }
    default:
      fail(`Unknown command ${quote(command)}. Run gatehouse --help for the commands.`, 2);
  }
}

void main(process.argv.slice(2)).catch((e: unknown) => {
  exitOnStdoutFailure(e);
  fail(`gatehouse: ${e instanceof Error ? e.message : String(e)}`);
});
