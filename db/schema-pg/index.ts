/**
 * The PostgreSQL tables, derived at import time from the SQLite tables of db/schema
 * (db/schema-pg/derive.ts; docs/postgresql.md, "Schema: one description, two dialects"). Each is
 * exported under the same name as its SQLite table. drizzle-kit reads this file for the
 * PostgreSQL migrations (drizzle.pg.config.ts → db/migrations-pg); never edit a table here: edit
 * db/schema and run `bun run db:generate` and `bun run db:generate:pg`.
 */
import { is } from 'drizzle-orm';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as sqlite from '../schema/index.ts';
import { derivePgTable } from './derive.ts';

// Referenced tables first is not needed (foreign keys resolve when drizzle reads them), but every
// table of db/schema must be listed: the check below throws at import time otherwise.
export const teams = derivePgTable(sqlite.teams);
export const teamEnvironments = derivePgTable(sqlite.teamEnvironments);
export const teamSettings = derivePgTable(sqlite.teamSettings);
export const users = derivePgTable(sqlite.users);
export const teamMembers = derivePgTable(sqlite.teamMembers);
export const browserSessions = derivePgTable(sqlite.browserSessions);
export const loginFlows = derivePgTable(sqlite.loginFlows);
export const oauthClients = derivePgTable(sqlite.oauthClients);
export const oauthConsents = derivePgTable(sqlite.oauthConsents);
export const oauthConsentForms = derivePgTable(sqlite.oauthConsentForms);
export const oauthCodes = derivePgTable(sqlite.oauthCodes);
export const tokenFamilies = derivePgTable(sqlite.tokenFamilies);
export const tokens = derivePgTable(sqlite.tokens);
export const mcpSessions = derivePgTable(sqlite.mcpSessions);
export const confirmations = derivePgTable(sqlite.confirmations);
export const grants = derivePgTable(sqlite.grants);
export const auditEntries = derivePgTable(sqlite.auditEntries);
export const auditPages = derivePgTable(sqlite.auditPages);
export const auditRecords = derivePgTable(sqlite.auditRecords);
export const auditHeads = derivePgTable(sqlite.auditHeads);
export const metricRollups = derivePgTable(sqlite.metricRollups);
export const cacheEpoch = derivePgTable(sqlite.cacheEpoch);

const listed: Record<string, unknown> = {
  teams,
  teamEnvironments,
  teamSettings,
  users,
  teamMembers,
  browserSessions,
  loginFlows,
  oauthClients,
  oauthConsents,
  oauthConsentForms,
  oauthCodes,
  tokenFamilies,
  tokens,
  mcpSessions,
  confirmations,
  grants,
  auditEntries,
  auditPages,
  auditRecords,
  auditHeads,
  metricRollups,
  cacheEpoch,
};

/** The SQLite tables of db/schema by export name: what the list above must cover exactly. */
export const sqliteTables: Record<string, SQLiteTable> = Object.fromEntries(
  (Object.entries(sqlite) as [string, unknown][]).filter((entry): entry is [string, SQLiteTable] =>
    is(entry[1], SQLiteTable),
  ),
);

const missing = Object.keys(sqliteTables).filter((k) => !(k in listed));
const extra = Object.keys(listed).filter((k) => !(k in sqliteTables));
if (missing.length || extra.length) {
  throw new Error(
    `db/schema-pg/index.ts must derive every table of db/schema under its name: missing ${missing.join(', ') || 'none'}; not in db/schema ${extra.join(', ') || 'none'}`,
  );
}
