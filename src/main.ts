#!/usr/bin/env bun
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATABASE_FILE, startGatehouse } from './app/start.ts';
import { auditExport, auditVerify, CliUsageError } from './cli/audit.ts';
import { banner } from './cli/banner.ts';
import { HELP } from './cli/help.ts';
import { ConfigError, loadConfig } from './config/index.ts';
import { openDatabase } from './db/client.ts';
import { applyMigrations } from './db/migrate.ts';

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
  const running = await startGatehouse(cfg);
  process.stdout.write(`${banner(cfg, running.ctx.seededAccounts)}\n`);
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
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, environment: { type: 'string', default: 'sandbox' } },
    strict: true,
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--port must be a port number, got '${values.port}'`, 2);
  if (values.environment !== 'sandbox' && values.environment !== 'production') {
    fail(`--environment must be sandbox or production, got '${values.environment}'`, 2);
  }
  const { startEmbeddedWorkOS, SEEDED_ACCOUNTS } = await import('./emulator/index.ts');
  const e = await startEmbeddedWorkOS(values.environment, { port });
  process.stdout.write(
    [
      `Embedded WorkOS (${e.environment}) at ${e.url}`,
      `  API key:   ${e.apiKey}   (emulator-only key)`,
      `  Client id: ${e.clientId}`,
      `  Issuer:    ${e.tokenIssuer}   (the iss of its access tokens: WORKOS_ISSUER for live mode)`,
      `  Accounts:  ${SEEDED_ACCOUNTS.map((a) => a.email).join(', ')}`,
      '',
    ].join('\n'),
  );
  const stop = async () => {
    await e.close();
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

function audit(args: string[]) {
  const [sub, ...rest] = args;
  const out = (s: string) => void process.stdout.write(s);
  try {
    if (sub === 'verify') process.exit(auditVerify(config(), rest, out));
    if (sub === 'export') process.exit(auditExport(config(), rest, out));
  } catch (e) {
    if (
      e instanceof CliUsageError ||
      (e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      fail(e.message, 2);
    }
    throw e;
  }
  fail(`Unknown audit command '${sub ?? ''}'.\n\n${HELP.audit}`, 2);
}

async function main(argv: string[]) {
  const [command = 'help', ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h'))
    return void process.stdout.write(`${HELP[command] ?? HELP.main}\n`);
  switch (command) {
    case 'serve':
      return serve();
    case 'emulator':
      return emulator(rest);
    case 'migrate':
      return migrate();
    case 'audit':
      return audit(rest);
    case 'help':
    case '--help':
    case '-h':
      return void process.stdout.write(`${HELP[rest[0] ?? 'main'] ?? HELP.main}\n`);
    default:
      fail(`Unknown command '${command}'.\n\n${HELP.main}`, 2);
  }
}

await main(process.argv.slice(2)).catch((e: unknown) => {
  fail(`gatehouse: ${e instanceof Error ? e.message : String(e)}`);
});
