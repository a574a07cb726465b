/**
 * A large, valid, signed audit trail written fast, for bench/audit.ts and bench/audit-pages.ts
 * (verify, export and the console's pages over a million entries). A figure, never a test.
 */
import type { Database } from 'bun:sqlite';
import { type ChainedFields, entryHash, GENESIS_HASH } from '../src/audit/chain.ts';
import { type AuditKey, signHash } from '../src/audit/keys.ts';

const TOOLS = [
  'list_workos_organizations',
  'list_users',
  'whoami',
  'get_organization_details',
  'list_workos_events',
];
const OUTCOMES = ['allowed', 'allowed', 'allowed', 'allowed', 'denied', 'failed'] as const;
const EVENTS = ['tool.call', 'tool.call', 'tool.call', 'tool.call', 'tool.call', 'grant.requested'] as const;

export interface SeedOptions {
  teams: string[];
  users: string[];
  /** The actor email of each of `users` (none when absent). */
  emails?: string[];
  /** Entries per signed batch (1: every entry signed, as before group commit). */
  batch: number;
  /** Time of the first entry; entries are spread `stepMs` apart. */
  startAt: number;
  stepMs: number;
}

/**
 * Appends `n` valid, signed entries quickly: one transaction per 10,000, hashes chained from the
 * trail's last entry, the last entry of every `batch` signed (as group commit does).
 */
export function seedTrail(sqlite: Database, key: AuditKey, n: number, o: SeedOptions): void {
  const insert = sqlite.prepare(
    `INSERT INTO audit_entries (id, at, event, team_id, user_id, actor_email, client_id, family_id, session_id, tool,
      environment, outcome, reason, args, latency_ms, details, prev_hash, hash, signature)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let prev =
    sqlite.query<{ hash: string }, []>('SELECT hash FROM audit_entries ORDER BY seq DESC LIMIT 1').get()
      ?.hash ?? GENESIS_HASH;
  const run = Math.random().toString(36).slice(2, 8);
  const chunk = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const outcome = OUTCOMES[i % OUTCOMES.length]!;
      const f: ChainedFields = {
        id: `aud_seed${run}${i.toString(36).padStart(10, '0')}`,
        at: o.startAt + i * o.stepMs,
        event: EVENTS[i % EVENTS.length]!,
        teamId: o.teams[i % o.teams.length]!,
        userId: o.users[(i >> 3) % o.users.length]!,
        actorEmail: o.emails?.[(i >> 3) % o.users.length] ?? null,
        clientId: `cl_seed${i % 17}`,
        familyId: `fam_seed${i % 97}`,
        sessionId: `sess_seed${i % 1009}`,
        tool: TOOLS[i % TOOLS.length]!,
        environment: 'sandbox',
        outcome,
        reason: outcome === 'denied' ? 'write_disabled' : outcome === 'failed' ? 'upstream_error' : null,
        args: `{"limit":${i % 50}}`,
        latencyMs: 1 + (i % 40),
        details: null,
      };
      const hash = entryHash(f, prev);
      const last = (i + 1) % o.batch === 0 || i === n - 1;
      insert.run(
        f.id,
        f.at,
        f.event,
        f.teamId,
        f.userId,
        f.actorEmail,
        f.clientId,
        f.familyId,
        f.sessionId,
        f.tool,
        f.environment,
        f.outcome,
        f.reason,
        f.args,
        f.latencyMs,
        f.details,
        prev,
        hash,
        last ? signHash(key, hash) : null,
      );
      prev = hash;
    }
  });
  for (let i = 0; i < n; i += 10_000) chunk(i, Math.min(n, i + 10_000));
}
