import type { Server } from '@modelcontextprotocol/server';
import {
  AUTHORITY_RECHECK_INTERVAL_MS,
  MAX_LISTEN_STREAMS,
  MAX_LISTEN_STREAMS_PER_USER,
} from '../config/constants.ts';
import type { Clock } from '../kernel/clock.ts';
import type { EventBus } from '../kernel/events.ts';
import type { Principal } from '../oauth/principal.ts';
import type { McpSessionState } from '../tools/types.ts';
import { isRevoked, type LiveOwner, type RevocationScope } from './owner.ts';
import { Quota, type QuotaSlot } from './quota.ts';
import { RunningCalls } from './running-calls.ts';
import type { McpSessionRows } from './session-rows.ts';
import { McpSessions, SESSION_SWEEP_INTERVAL_MS } from './sessions.ts';
import { StreamRegistry } from './streams.ts';
import { IDLE, type SessionEnd } from './waiting-calls.ts';

export interface LiveMcpDeps {
  clock: Clock;
  events: EventBus;
  rows: McpSessionRows;
  /** The team's session idle TTL, read at every sweep (a settings change applies at once). */
  idleTtlMs(teamId: string): number;
  buildServer(session: McpSessionState): Server;
  visibleToolNames(p: Principal, s: McpSessionState): string[];
  /**
   * The authority epoch (src/db/epoch.ts): it moves with every committed change that authorizes
   * a call, whichever process made it.
   */
  authorityEpoch(): number;
  /** Whether a live owner's authority stands: its token family unrevoked, its team admitted. */
  stands(owner: LiveOwner): boolean;
}

/**
 * The end of what `recheck` finds withdrawn: another process (the CLI on the same SQLite file)
 * revoked it, so no event of this process said so.
 */
export const WITHDRAWN: SessionEnd = {
  kind: 'revoked',
  recorded: 'authority withdrawn (token family revoked or team removed), seen in the database',
};

/**
 * Everything live behind /mcp — 2025-era sessions, the sessionless path's SSE streams and its
 * running calls — and the one place that ends them when their authority goes: token families
 * revoked, the team's kill switch pulled (or the team removed, which pulls it), a session idle.
 */
export class LiveMcp {
  readonly sessions: McpSessions;
  private readonly streams = new StreamRegistry();
  private readonly calls = new RunningCalls();
  /** `subscriptions/listen` streams held per person (2025-era GET streams: one per session). */
  private readonly listens = new Quota(MAX_LISTEN_STREAMS_PER_USER, MAX_LISTEN_STREAMS);
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly rechecker: ReturnType<typeof setInterval>;
  /** The authority epoch the last recheck saw (none yet: the first recheck looks). */
  private checkedEpoch = Number.NaN;
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly deps: LiveMcpDeps) {
    this.sessions = new McpSessions(deps);
    // Sessions live in memory: rows left open by a previous process are over.
    deps.rows.closeLeftOpen('server restarted');
    this.unsubscribe = [
      deps.events.on('families.revoked', ({ familyIds, reason }) =>
        this.revoke({ familyIds }, { kind: 'revoked', recorded: `token revoked: ${reason}` }),
      ),
      deps.events.on('team.killed', ({ teamId }) =>
        this.revoke({ teamId }, { kind: 'revoked', recorded: 'kill switch' }),
      ),
    ];
    this.timer = setInterval(() => this.sweep(), SESSION_SWEEP_INTERVAL_MS);
    this.timer.unref?.();
    this.rechecker = setInterval(() => {
      try {
        this.recheck();
      } catch {
        // The database did not answer (PostgreSQL down): the epoch stays unchecked, and the next
        // tick asks again. Requests meanwhile are refused at the door (503) as usual.
      }
    }, AUTHORITY_RECHECK_INTERVAL_MS);
    this.rechecker.unref?.();
  }

  /**
   * The revocation handler: closes the sessions and streams and answers the running calls that
   * belong to the scope (a running call answers with the challenge its token now gets).
   * `why.recorded` is recorded on each closed session's row.
   */
  revoke(scope: RevocationScope, why: SessionEnd): void {
    const match = (owner: LiveOwner) => isRevoked(scope, owner);
    this.sessions.closeWhere(match, why);
    this.streams.closeWhere(match);
    this.calls.revokeWhere(match);
  }

  /**
   * Ends what lost its authority without an event saying so here. A revocation, the kill switch
   * or a team's removal made in this process (or, on PostgreSQL, in another replica: relayed by
   * NOTIFY) ends sessions and streams at once through its event. One made by another process on
   * the same SQLite file — `gatehouse teams remove` beside the running server — moves only the
   * authority epoch: every request after it is refused (the caches follow the epoch), but a
   * stream already open carries no request. So once a second, when the epoch has moved, each
   * live owner is asked again whether its authority stands, and what no longer stands ends as a
   * revocation would have ended it. Returns how many sessions, streams and calls it ended.
   */
  recheck(): number {
    const epoch = this.deps.authorityEpoch();
    if (Object.is(epoch, this.checkedEpoch)) return 0;
    const verdicts = new Map<string, boolean>();
    const withdrawn = (owner: LiveOwner) => {
      const key = `${owner.familyId}\0${owner.teamId}`;
      let gone = verdicts.get(key);
      if (gone === undefined) {
        gone = !this.deps.stands(owner);
        verdicts.set(key, gone);
      }
      return gone;
    };
    // A read that fails throws before the epoch counts as checked: the next tick asks again.
    const ended =
      this.sessions.closeWhere(withdrawn, WITHDRAWN) +
      this.streams.closeWhere(withdrawn) +
      this.calls.revokeWhere(withdrawn);
    this.checkedEpoch = epoch;
    return ended;
  }

  /** Closes sessions idle longer than their team's session idle TTL. */
  sweep(): void {
    const idle = this.sessions.idle(this.deps.clock.now(), (teamId) => this.deps.idleTtlMs(teamId));
    if (idle.length > 0) this.revoke({ sessionIds: idle }, IDLE);
  }

  /**
   * A place for one more `subscriptions/listen` stream of `userId`, or the refusal (the person's
   * quota, or the server's); pass the slot to answer(), which gives it back when the stream ends.
   */
  reserveListen(userId: string): QuotaSlot {
    return this.listens.acquire(userId);
  }

  /**
   * Runs a sessionless request for its owner: its answer (an SSE answer tracked as a stream), or
   * undefined when the owner was revoked before it came. `release` runs once the answer's stream
   * ends (at once when there is none).
   */
  async answer(
    owner: LiveOwner,
    run: () => Promise<Response>,
    release: () => void = () => {},
  ): Promise<Response | undefined> {
    let res: Response | undefined;
    try {
      res = await this.calls.race(owner, run);
    } catch (e) {
      release();
      throw e;
    }
    if (!res) {
      release();
      return undefined;
    }
    return this.streams.track(res, owner, release);
  }

  /** Shutting down: every stream and session ends (running calls finish on their own). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.rechecker);
    for (const off of this.unsubscribe) off();
    this.streams.closeWhere(() => true);
    await this.sessions.closeAll({ kind: 'shutdown', recorded: 'server shutting down' });
  }
}
