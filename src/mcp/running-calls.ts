import type { LiveOwner } from './owner.ts';

interface Running extends LiveOwner {
  revoke(): void;
}

/**
 * Sessionless requests still running (a tool call awaiting WorkOS): a revocation or the kill
 * switch answers them at once, as closing a session does for 2025-era requests — a result that
 * arrives after the revocation is never delivered. Owned by LiveMcp.
 */
export class RunningCalls {
  private readonly live = new Set<Running>();

  get size(): number {
    return this.live.size;
  }

  /**
   * Starts `run` and returns its answer, or undefined when the owner is revoked first (the late
   * answer is then dropped).
   */
  async race(owner: LiveOwner, run: () => Promise<Response>): Promise<Response | undefined> {
    let entry!: Running;
    const revoked = new Promise<undefined>((resolve) => {
      entry = { familyId: owner.familyId, teamId: owner.teamId, revoke: () => resolve(undefined) };
    });
    this.live.add(entry);
    try {
      const answer = run();
      const res = await Promise.race([answer, revoked]);
      if (res) return res;
      void answer.then((late) => late.body?.cancel()).catch(() => {});
      return undefined;
    } finally {
      this.live.delete(entry);
    }
  }

  /** Whose each running call is. */
  owners(): LiveOwner[] {
    return [...this.live];
  }

  revokeWhere(match: (owner: LiveOwner) => boolean): number {
    let n = 0;
    for (const r of [...this.live]) {
      if (match(r)) {
        r.revoke();
        n++;
      }
    }
    return n;
  }
}
