/**
 * `gatehouse config check`: the configuration `serve` would run with, as an operator reads it —
 * every variable (secrets masked), the mode and why, the effective values, the data dir's state,
 * and every problem at once. Starts nothing and writes nothing.
 */

import { Database } from 'bun:sqlite';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { migrations } from '../../db/migrations/index.ts';
import { migrations as pgMigrations } from '../../db/migrations-pg/index.ts';
import { dataDirAuditKey } from '../audit/keys.ts';
import { signingKeyProblem } from '../audit/signing-key.ts';
import { displayUrl, type Env, optional, quote } from '../config/checks.ts';
import type { DatabaseConfig } from '../config/database.ts';
import { type Config, ConfigError, loadConfig } from '../config/index.ts';
import { hostProblem, hostShapeProblem } from '../config/listen.ts';
import { maskSecret, unknownVariables, VARIABLES } from '../config/variables.ts';
import { secretFileProblem } from '../crypto/secret-files.ts';
import type { Db } from '../db/client.ts';
import { DATABASE_FILE } from '../db/client.ts';
import { foreignTables } from '../db/migrate.ts';
import { openPostgres } from '../db/pg/open.ts';
import { describeDatabase, NEWEST_KNOWN_MIGRATION_AT } from './backup.ts';
import { VERSION } from './help.ts';
import { serverRunning } from './server-lock.ts';

/** Why the mode is what it is, from the raw environment (also when the configuration is invalid). */
export function describeMode(env: Env): string {
  const identity = optional(env, 'WORKOS_IDENTITY_API_KEY')
    ? 'WORKOS_IDENTITY_API_KEY'
    : optional(env, 'WORKOS_API_KEY')
      ? 'WORKOS_API_KEY'
      : undefined;
  return identity
    ? `live (${identity} is set: people sign in with WorkOS AuthKit; agents act on each team's linked WorkOS environments)`
    : 'local (no WorkOS API key: an embedded, seeded WorkOS; demo sign-in; loopback only unless GATEHOUSE_DEMO_PUBLIC=1)';
}

function variableLines(env: Env): string[] {
  const width = Math.max(...VARIABLES.map((v) => v.name.length));
  return VARIABLES.map((v) => {
    const raw = optional(env, v.name);
    const shown =
      raw === undefined
        ? `(unset) → ${v.fallback}`
        : v.secret
          ? maskSecret(raw)
          : raw.includes('://')
            ? displayUrl(raw)
            : raw;
    // As quote() shows values: a long one cut, control characters (a terminal escape) escaped.
    return `  ${v.name.padEnd(width)}  ${quote(shown).slice(1, -1)}`;
  });
}

function effectiveLines(config: Config): string[] {
  const lines = [
    `  Console:        ${config.publicUrl}`,
    `  MCP endpoint:   ${config.publicUrl}/mcp`,
    `  Listens on:     ${config.host}:${config.port}`,
    `  Allowed hosts:  ${config.allowedHosts.join(', ')}`,
    `  Cookies:        ${config.secureCookies ? 'Secure, __Host- prefix (https)' : 'not Secure (http on loopback)'}`,
    `  Data dir:       ${resolve(config.dataDir)}`,
  ];
  if (config.mode === 'live' && config.workos) {
    const w = config.workos;
    lines.push(
      `  Identity:       ${w.identityShared ? 'the same environment as a managed one (one key for both; the banner warns)' : 'its own environment'}, client ${w.clientId}`,
      `  WorkOS API:     ${w.apiUrl ? `${w.apiUrl.https ? 'https' : 'http'}://${w.apiUrl.hostname}${w.apiUrl.port ? `:${w.apiUrl.port}` : ''}` : 'https://api.workos.com'}`,
      `  Teams at start: ${config.admitTeams.length > 0 ? config.admitTeams.join(', ') : '(none from GATEHOUSE_TEAMS: the database must already admit one)'}`,
      `  First team's:   sandbox ${w.apiKey ? 'WORKOS_API_KEY' : 'not configured'}, production ${w.productionApiKey ? 'WORKOS_PRODUCTION_API_KEY' : 'not configured (production is unavailable until a team admin links a key)'}`,
    );
  }
  if (config.auditWitness) lines.push(`  Audit witness:  ${config.auditWitness}`);
  if (config.trustedProxies.length > 0)
    lines.push(`  Proxies:        ${config.trustedProxies.length} range(s) trusted for X-Forwarded-For`);
  return lines;
}

/** The database's state, and a problem when this version cannot run it. */
function databaseState(config: Config, problems: string[]): string {
  const dataDir = config.dataDir;
  dataDirFileProblems(config, problems);
  const path = join(dataDir, DATABASE_FILE);
  if (!existsSync(path)) return 'none yet (created at first start)';
  let db: Database | undefined;
  try {
    // Not read-only: that would leave a -wal and -shm owned by this user (see backup.ts).
    db = new Database(path, { readwrite: true, create: false });
    const facts = describeDatabase(db);
    if (facts.migrationsApplied === 0 && foreignTables(db).length > 0) {
      problems.push(
        `GATEHOUSE_DATA_DIR '${dataDir}': ${DATABASE_FILE} is not a Gatehouse database (it holds tables and no Gatehouse migrations): is GATEHOUSE_DATA_DIR the server's?`,
      );
      return 'not a Gatehouse database';
    }
    // A database not migrated yet (an empty file) has no trail to compare.
    if (facts.migrationsApplied > 0) keyProblems(config, db, problems);
    if (facts.newestMigrationAt !== null && facts.newestMigrationAt > NEWEST_KNOWN_MIGRATION_AT) {
      problems.push(
        `GATEHOUSE_DATA_DIR '${dataDir}' holds a database migrated by a newer Gatehouse: migrations are forward-only, so this version refuses it`,
      );
      return `${facts.migrationsApplied} migrations applied, newer than this version`;
    }
    const pending = migrations.filter(
      (m) => facts.newestMigrationAt === null || m.when > facts.newestMigrationAt,
    ).length;
    return `${facts.migrationsApplied} migrations applied${pending > 0 ? `, ${pending} to apply at next start (after an automatic copy to backups/)` : ', up to date'}; ${facts.auditEntries} audit entries`;
  } catch (e) {
    problems.push(
      `GATEHOUSE_DATA_DIR '${dataDir}': ${path} cannot be read (${e instanceof Error ? e.message : String(e)})`,
    );
    return 'unreadable';
  } finally {
    db?.close();
  }
}

/**
 * What serve would refuse in the data dir's own files, read and never created: the audit key
 * pair (or GATEHOUSE_AUDIT_SIGNING_KEY) and the secrets kept there.
 */
function dataDirFileProblems(config: Config, problems: string[]): void {
  try {
    if (!config.auditSigningKey) dataDirAuditKey(config.dataDir);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }
  const kept = [...(config.cookiePassword ? [] : ['cookie']), 'environments', 'request-state'];
  for (const name of kept) {
    const problem = secretFileProblem(config.dataDir, name);
    if (problem) problems.push(problem);
  }
}

/** What a start would refuse about the key and this trail (its unreadable key is reported apart). */
function keyProblems(config: Config, sqlite: Database, problems: string[]): void {
  try {
    const problem = signingKeyProblem(config, sqlite);
    if (problem) problems.push(problem);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
  }
}

/**
 * PostgreSQL at DATABASE_URL (docs/postgresql.md): reached, and how far its migrations are.
 * Nothing is changed: migrations run at the first replica's start.
 */
function postgresState(database: DatabaseConfig, problems: string[], config: Config): string {
  let db: Db | undefined;
  try {
    db = openPostgres(database);
    const q = (text: string) => db!.$client.query(text).get() as Record<string, number | null> | null;
    const exists = q("SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS t")?.t;
    if (!exists) return `PostgreSQL ${database.display}: reached, empty (migrated at first start)`;
    const m = q('SELECT count(*) AS n, max(created_at) AS at FROM drizzle.__drizzle_migrations');
    const newest = m?.at ?? null;
    const latest = pgMigrations[pgMigrations.length - 1]!.when;
    if (newest !== null && newest > latest) {
      problems.push(
        `DATABASE_URL ${database.display} holds a database migrated by a newer Gatehouse: migrations are forward-only, so this version refuses it`,
      );
      return `PostgreSQL ${database.display}: ${m?.n} migrations applied, newer than this version`;
    }
    const pending = pgMigrations.filter((x) => newest === null || x.when > newest).length;
    keyProblems(config, db.$client, problems);
    const entries = q('SELECT count(*) AS n FROM audit_entries')?.n ?? 0;
    return `PostgreSQL ${database.display}: ${m?.n} migrations applied${pending > 0 ? `, ${pending} to apply at next start (take a pg_dump first)` : ', up to date'}; ${entries} audit entries`;
  } catch (e) {
    problems.push(
      e instanceof ConfigError
        ? e.problems.join('; ')
        : `DATABASE_URL ${database.display}: ${(e as Error).message}`,
    );
    return 'unreachable';
  } finally {
    db?.$client.close();
  }
}

/** Prints the report; returns 0 when there is no problem, 1 otherwise. */
export async function configCheck(env: Env, out: (s: string) => void): Promise<number> {
  const problems: string[] = [];
  let config: Config | undefined;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }
  const host = optional(env, 'HOST') ?? 'localhost';
  if (hostShapeProblem(host) === undefined && /^[A-Za-z0-9.:[\]-]+$/.test(host)) {
    const p = await hostProblem(host);
    if (p) problems.push(p);
  }
  const lines = [
    `Gatehouse ${VERSION} — configuration check`,
    '',
    `Mode: ${describeMode(env)}`,
    '',
    'Variables (secrets masked):',
    ...variableLines(env),
  ];
  const unknown = unknownVariables(env);
  if (unknown.length > 0) lines.push('', `Not Gatehouse variables (a typo?): ${unknown.join(', ')}`);
  if (config) {
    lines.push('', 'Effective configuration:', ...effectiveLines(config));
    lines.push(
      `  Database:       ${config.database ? postgresState(config.database, problems, config) : databaseState(config, problems)}`,
    );
    lines.push(
      `  Server:         ${serverRunning(config.dataDir) ? 'a Gatehouse server is running on this data dir' : 'none running on this data dir'}`,
    );
  }
  lines.push('');
  if (problems.length === 0) lines.push('No problems found.');
  else
    lines.push(
      `${problems.length} problem${problems.length === 1 ? '' : 's'}:`,
      ...problems.map((p) => `  - ${p}`),
    );
  out(`${lines.join('\n')}\n`);
  return problems.length === 0 ? 0 : 1;
}
