import type { Server } from '@modelcontextprotocol/server';
import type { Clock } from '../kernel/clock.ts';
import type { EventBus } from '../kernel/events.ts';
import type { Principal } from '../oauth/principal.ts';
import type { McpSessionState } from '../tools/types.ts';
import { isRevoked, type LiveOwner, type RevocationScope } from './owner.ts';
import { RunningCalls } from './running-calls.ts';
import type { McpSessionRows } from './session-rows.ts';
import { McpSessions } from './sessions.ts';
import { StreamRegistry } from './streams.ts';

/** How often idle sessions are swept. */
const SWEEP_INTERVAL_MS = 30_000;

export interface LiveMcpDeps {
  clock: Clock;
  events: EventBus;
  rows: McpSessionRows;
  /** The team's session idle TTL, read at every sweep (a settings change applies at once). */
  idleTtlMs(teamId: string): number;
  buildServer(session: McpSessionState): Server;
  visibleToolNames(p: Principal, s: McpSessionState): string[];
}

/**
 * Everything live behind /mcp — 2025-era sessions, the sessionless path's SSE streams and its
 * running calls — and the one place that ends them when their authority goes: token families
 * revoked, the team's kill switch pulled (or the team removed, which pulls it), a session idle.
 */
export class LiveMcp {
  readonly sessions: McpSessions;
  private readonly streams = new StreamRegistry();
  private readonly calls = new RunningCalls();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly deps: LiveMcpDeps) {
    this.sessions = new McpSessions(deps);
    // Sessions live in memory: rows left open by a previous process are over.
    deps.rows.closeLeftOpen('server restarted');
    this.unsubscribe = [
      deps.events.on('families.revoked', ({ familyIds, reason }) =>
        this.revoke({ familyIds }, `token revoked: ${reason}`),
      ),
      deps.events.on('team.killed', ({ teamId }) => this.revoke({ teamId }, 'kill switch')),
    ];
    this.timer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref?.();
  }

  /**
   * The revocation handler: closes the sessions and streams and answers the running calls that
   * belong to the scope (a running call answers with the challenge its token now gets).
   * `reason` is recorded on each closed session's row.
   */
  revoke(scope: RevocationScope, reason: string): void {
    const match = (owner: LiveOwner) => isRevoked(scope, owner);
    this.sessions.closeWhere(match, reason);
    this.streams.closeWhere(match);
    this.calls.revokeWhere(match);
  }

  /** Closes sessions idle longer than their team's session idle TTL. */
  sweep(): void {
    const idle = this.sessions.idle(this.deps.clock.now(), (teamId) => this.deps.idleTtlMs(teamId));
    if (idle.length > 0) this.revoke({ sessionIds: idle }, 'idle timeout');
  }

  /**
   * Runs a sessionless request for its owner: its answer (an SSE answer tracked as a stream), or
   * undefined when the owner was revoked before it came.
   */
  async answer(owner: LiveOwner, run: () => Promise<Response>): Promise<Response | undefined> {
    const res = await this.calls.race(owner, run);
    return res && this.streams.track(res, owner);
  }

  /** Shutting down: every stream and session ends (running calls finish on their own). */
  async close(reason: string): Promise<void> {
    clearInterval(this.timer);
    for (const off of this.unsubscribe) off();
    this.streams.closeWhere(() => true);
    await this.sessions.closeAll(reason);
  }
}
