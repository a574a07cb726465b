import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EXPORT_FORMATS, type ExportFormat, exportEntries, parseSince } from '../audit/export.ts';
import { HEAD_FILE, readHead } from '../audit/head.ts';
import { loadAuditPublicKey, PUBLIC_KEY_FILE } from '../audit/keys.ts';
import { describeResult, verifyChain } from '../audit/verify.ts';
import { snapshotWitness } from '../audit/witness.ts';
import type { Config } from '../config/index.ts';
import { DATABASE_FILE, openDatabase } from '../db/client.ts';

export class CliUsageError extends Error {}

function open(config: Config) {
  const path = join(config.dataDir, DATABASE_FILE);
  if (!existsSync(path))
    throw new CliUsageError(`No Gatehouse database at ${path} (GATEHOUSE_DATA_DIR=${config.dataDir}).`);
  return openDatabase(path);
}

/**
 * `gatehouse audit verify [--public-key <pem>] [--head <json>] [--witness <file>]`: exit 0 when
 * intact, 1 at the first bad entry (its out-of-line record included), when entries were cut off
 * the end (the signed head says how far it went), or when the witness (GATEHOUSE_AUDIT_WITNESS
 * unless --witness is given) saw a head the trail or the head file no longer reaches: a rollback.
 */
export function auditVerify(config: Config, args: string[], out: (s: string) => void): number {
  const { values } = parseArgs({
    args,
    options: { 'public-key': { type: 'string' }, head: { type: 'string' }, witness: { type: 'string' } },
    strict: true,
  });
  const keyPath = values['public-key'] ?? join(config.dataDir, PUBLIC_KEY_FILE);
  if (!existsSync(keyPath)) throw new CliUsageError(`No audit public key at ${keyPath}.`);
  const db = open(config);
  try {
    // The witness, then the head, before the chain: entries and heads written meanwhile only
    // make the chain longer than what the head and the witness vouch for.
    const witnessPath = values.witness ?? config.auditWitness;
    const witness = witnessPath === undefined ? undefined : snapshotWitness(witnessPath);
    const head = readHead(values.head ?? join(config.dataDir, HEAD_FILE));
    const result = verifyChain(db.$client, loadAuditPublicKey(keyPath), head, witness);
    out(`${describeResult(result)}\n`);
    return result.ok ? 0 : 1;
  } finally {
    db.$client.close();
  }
}

/** `gatehouse audit export [--since <iso|30m|24h|7d>] [--until <iso>] [--format jsonl|csv]` to stdout. */
export function auditExport(
  config: Config,
  args: string[],
  out: (s: string) => void,
  now = Date.now(),
): number {
  const { values } = parseArgs({
    args,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      format: { type: 'string', default: 'jsonl' },
    },
    strict: true,
  });
  const format = values.format as ExportFormat;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new CliUsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got '${values.format}'`);
  }
  const since = values.since === undefined ? undefined : parseSince(values.since, now);
  if (values.since !== undefined && since === undefined) {
    throw new CliUsageError(
      `--since must be an ISO date (2026-11-01, 2026-11-01T12:00:00Z) or a duration (30m, 24h, 7d), got '${values.since}'`,
    );
  }
  const until = values.until === undefined ? undefined : parseSince(values.until, now);
  if (values.until !== undefined && until === undefined)
    throw new CliUsageError(`--until must be an ISO date, got '${values.until}'`);
  const db = open(config);
  try {
    for (const line of exportEntries(db.$client, format, { since, until })) out(line);
    return 0;
  } finally {
    db.$client.close();
  }
}
