import type { Server } from '@modelcontextprotocol/server';
import {
  AUTHORITY_RECHECK_INTERVAL_MS,
  MAX_LISTEN_STREAMS,
  MAX_LISTEN_STREAMS_PER_USER,
} from '../config/constants.ts';
import type { Clock } from '../kernel/clock.ts';
import type { EventBus } from '../kernel/events.ts';
import type { Logger } from '../log/logger.ts';
import type { Principal } from '../oauth/principal.ts';
import type { McpSessionState } from '../tools/types.ts';
import { isRevoked, type LiveOwner, ownerKey, type RevocationScope } from './owner.ts';
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
   * A number that moves when another process may have changed what authorizes a call: SQLite's
   * `PRAGMA data_version`, PostgreSQL's notification count (src/db/epoch.ts `foreignCommitsOf`).
   */
  foreignCommits(): number;
  /**
   * Of these owners, the keys (`ownerKey`) whose authority stands: the token family unrevoked and
   * the team admitted, read from the database.
   */
  standing(owners: readonly LiveOwner[]): ReadonlySet<string>;
  log: Logger;
}

/**
 * The end of what `recheck` finds withdrawn with no event here: another process revoked it (the
 * CLI on the same SQLite file), or it registered just after the revocation's event.
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
  /** `foreignCommits()` as the last recheck saw it (none yet: the first recheck looks at all). */
  private checkedCommits = Number.NaN;
  /** Owners registered since the last recheck, by `ownerKey`: each is checked once (`recheck`). */
  private fresh = new Map<string, LiveOwner>();
  /** Whether the last recheck failed (its failure is logged once, and its recovery). */
  private failing = false;
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly deps: LiveMcpDeps) {
    this.sessions = new McpSessions({ ...deps, opened: (owner) => this.registered(owner) });
    this.unsubscribe = [
      deps.events.on('families.revoked', ({ familyIds, reason }) =>
        this.revoke({ familyIds }, { kind: 'revoked', recorded: `token revoked: ${reason}` }),
      ),
      deps.events.on('team.killed', ({ teamId }) =>
        this.revoke({ teamId }, { kind: 'revoked', recorded: 'kill switch' }),
      ),
    ];
    this.timer = setInterval(() => this.tick(true), SESSION_SWEEP_INTERVAL_MS);
    this.timer.unref?.();
    this.rechecker = setInterval(() => this.tick(false), AUTHORITY_RECHECK_INTERVAL_MS);
    this.rechecker.unref?.();
  }

  /**
   * What the timers run: the recheck (and, every idle sweep, the sweep before it: the idle TTLs
   * are read from the database too). Logs what it ended, its first failure and its recovery;
   * never throws, as an exception out of a timer would take the server down.
   */
  tick(all: boolean): void {
    // The sweep and the recheck in tries of their own: one that keeps failing does not stop the other.
    let failure: unknown;
    if (all) {
      try {
        this.sweep();
      } catch (e) {
        failure = e;
      }
    }
    try {
      const ended = this.recheck({ all });
      if (ended > 0) this.deps.log.info('live mcp ended: authority withdrawn', { ended });
    } catch (e) {
      // The database did not answer: nothing counts as checked, and the next tick asks again.
      failure ??= e;
    }
    if (failure === undefined) {
      if (this.failing) this.deps.log.info('live mcp sweep and recheck work again');
      this.failing = false;
      return;
    }
    if (!this.failing)
      this.deps.log.error('live mcp sweep or recheck failed', { error: (failure as Error).message });
    this.failing = true;
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
   * Ends what lost its authority without an event saying so here (docs/architecture.md, the
   * kill switch). A revocation, the kill switch or a team's removal made in this process (or, on
   * PostgreSQL, in any process: relayed by NOTIFY) ends sessions and streams at once through its
   * event. Three cases have no event:
   * - another process committed (`gatehouse teams remove` beside the server on the same SQLite
   *   file, a hand-written UPDATE, a replica whose relayed event was lost): every request after
   *   it is refused, but an open stream makes no request. When `foreignCommits` has moved, every
   *   live owner is asked;
   * - an owner that passed the door just before a revocation and registered just after its
   *   event (or after the recheck that saw the other process's commit): each owner registered
   *   since the last recheck and still live is asked once;
   * - whatever else slipped by (a notification lost with PostgreSQL's LISTEN connection): every
   *   idle sweep asks about every live owner (`all`).
   * What no longer stands ends as a revocation would have ended it. One batched read of the
   * owners' families; returns how many sessions, streams and calls it ended.
   */
  recheck(options: { all?: boolean } = {}): number {
    const commits = this.deps.foreignCommits();
    const all = options.all === true || !Object.is(commits, this.checkedCommits);
    if (!all && this.fresh.size === 0) return 0;
    const live = [...this.sessions.owners(), ...this.streams.owners(), ...this.calls.owners()];
    const taken = this.fresh;
    this.fresh = new Map();
    // Fresh owners that are no longer live (a call answered in JSON) have nothing left to end.
    const candidates = all ? live : live.filter((o) => taken.has(ownerKey(o)));
    let gone: Set<string>;
    try {
      const standing = candidates.length > 0 ? this.deps.standing(candidates) : new Set<string>();
      gone = new Set(candidates.map(ownerKey).filter((k) => !standing.has(k)));
    } catch (e) {
      // Nothing counts as checked: the same owners are asked again at the next tick.
      for (const [k, o] of taken) if (!this.fresh.has(k)) this.fresh.set(k, o);
      throw e;
    }
    this.checkedCommits = commits;
    if (gone.size === 0) return 0;
    const withdrawn = (owner: LiveOwner) => gone.has(ownerKey(owner));
    return (
      this.sessions.closeWhere(withdrawn, WITHDRAWN) +
      this.streams.closeWhere(withdrawn) +
      this.calls.revokeWhere(withdrawn)
    );
  }

  /** A new session, stream or running call: checked once at the next recheck. */
  private registered(owner: LiveOwner): void {
    this.fresh.set(ownerKey(owner), owner);
  }

  /**
   * Closes sessions idle longer than their team's session idle TTL, after writing the closes of
   * ended sessions whose rows could not be written then.
   */
  sweep(): void {
    this.sessions.closeUnclosedRows();
    const idle = this.sessions.idle(this.deps.clock.now());
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
    this.registered(owner);
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
    const tracked = this.streams.track(res, owner, release);
    // A stream is new since its call was registered: a revocation in between missed it.
    if (tracked !== res) this.registered(owner);
    return tracked;
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
