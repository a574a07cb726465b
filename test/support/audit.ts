/** The audit trail as a test reads it back. */
import type { Database } from 'bun:sqlite';
import { desc, eq } from 'drizzle-orm';
import { canonical } from '../../src/audit/chain.ts';
import { sha256 } from '../../src/crypto/random.ts';
import { schema } from '../../src/db/client.ts';
import type { TestGatehouse } from './server.ts';

/** The newest audit entry of a tool, by the trail's own order (seq; ids of one millisecond sort by chance). */
export function lastAuditEntry(gh: TestGatehouse, tool: string) {
  return gh.ctx.db
    .select()
    .from(schema.auditEntries)
    .where(eq(schema.auditEntries.tool, tool))
    .orderBy(desc(schema.auditEntries.seq))
    .limit(1)
    .all()[0];
}

/** Rewrites entries from `seq` on with recomputed hashes, as someone without the key could. */
export function recomputeFrom(db: Database, seq: number, change: (row: Record<string, unknown>) => void) {
  const all = db
    .query<Record<string, unknown>, []>(
      `SELECT seq, id, at, event, team_id AS teamId, user_id AS userId, actor_email AS actorEmail,
        client_id AS clientId, family_id AS familyId, session_id AS sessionId, tool, environment, outcome,
        reason, args, latency_ms AS latencyMs, details, prev_hash AS prevHash FROM audit_entries ORDER BY seq`,
    )
    .all();
  let prev = all.find((r) => r.seq === seq)!.prevHash as string;
  for (const row of all.filter((r) => (r.seq as number) >= seq)) {
    if (row.seq === seq) change(row);
    const hash = sha256(canonical(row as never, prev));
    db.run('UPDATE audit_entries SET reason = ?, prev_hash = ?, hash = ? WHERE seq = ?', [
      row.reason as string | null,
      prev,
      hash,
      row.seq as number,
    ]);
    prev = hash;
  }
}
