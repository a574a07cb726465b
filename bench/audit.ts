import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateAuditKey, signHash } from '../src/audit/keys.ts';
import { AuditService } from '../src/audit/service.ts';
import { openDatabase } from '../src/db/client.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { systemClock } from '../src/kernel/clock.ts';

const ENTRIES = 5_000;

/**
 * Audit entries per second, sustained: each append is its own transaction (as in production),
 * with the hash chain, with and without the Ed25519 signature, on a WAL database in a temp dir.
 */
export async function measureAudit() {
  const run = (signed: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-audit-'));
    const db = openDatabase(join(dir, 'gatehouse.db'));
    applyMigrations(db);
    const key = loadOrCreateAuditKey(dir);
    const audit = new AuditService(db, systemClock, signed ? (h) => signHash(key, h) : undefined);
    const started = performance.now();
    for (let i = 0; i < ENTRIES; i++) {
      audit.append({
        event: 'tool.call',
        outcome: 'allowed',
        teamId: 'team_bench',
        userId: 'usr_bench',
        tool: 'list_workos_organizations',
        environment: 'sandbox',
        args: { limit: 5, i },
        latencyMs: 3,
      });
    }
    const seconds = (performance.now() - started) / 1000;
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
    return Math.round(ENTRIES / seconds);
  };
  const signed = run(true);
  const unsigned = run(false);
  return {
    entries: ENTRIES,
    signed_entries_per_s: signed,
    unsigned_entries_per_s: unsigned,
    signing_cost_us_per_entry: Math.round((1 / signed - 1 / unsigned) * 1e6 * 10) / 10,
  };
}
