import type { AccessLevel } from '../../db/schema/enums.ts';
import type { Tx } from '../db/client.ts';
import { AppError } from '../errors/app-error.ts';
import type { Clock } from '../kernel/clock.ts';
import { type Approver, type DecisionRules, mayApprove, mayDeny, mayRevoke, type Permit } from './permits.ts';
import type { Grant, GrantStore } from './store.ts';

const MAX_NOTES = 2000;

/** A refusal of the permits as the human gets it: a decided grant is a conflict, anything else forbidden. */
function enforce(permit: Permit): void {
  if (permit.allowed) return;
  const conflict = permit.reason === 'not_pending' || permit.reason === 'not_active';
  throw new AppError(conflict ? 'conflict' : 'forbidden', permit.message);
}

/**
 * The human's side of grants (docs/architecture.md "Human in the loop (Pipes)"): approve (optionally narrowing a broad request; its TTL
 * starts now), deny, revoke early, and the kill switch's revoke-all. Who may do what is the
 * permits' (the console shows the same answers); each transition is one transaction with its
 * audit entry, and a decided request cannot be decided again.
 */
export class HumanGrants {
  constructor(
    private readonly store: GrantStore,
    private readonly clock: Clock,
    private readonly ttlOf: (teamId: string) => number,
  ) {}

  /**
   * Approves a pending request. A broad grant may be narrowed (fewer providers, read instead of
   * write); its TTL starts now. Single use: a decided request cannot be decided again.
   */
  approve(
    id: string,
    a: Approver,
    input: DecisionRules & { providers?: string[]; level?: AccessLevel; notes?: string },
  ): Grant {
    const { store } = this;
    const now = this.clock.now();
    const g = store.get(id);
    if (!g) throw new AppError('not_found', 'No such request.');
    enforce(mayApprove(g, a, input));
    const notes = input.notes?.trim() || null;
    if (notes && notes.length > MAX_NOTES)
      throw new AppError('invalid_input', `Notes must be at most ${MAX_NOTES} characters.`);
    let providers = g.providers;
    let level = g.level;
    if (g.kind === 'broad') {
      providers = input.providers ?? g.providers;
      if (providers.length === 0)
        throw new AppError('invalid_input', 'Choose at least one provider, or deny the request.');
      const extra = providers.filter((p) => !g.providers.includes(p));
      if (extra.length)
        throw new AppError(
          'invalid_input',
          `Only requested providers can be granted (not ${extra.join(', ')}).`,
        );
      level = input.level ?? g.level;
      if (g.level === 'read' && level === 'write')
        throw new AppError('invalid_input', 'A read request cannot be approved as write.');
    }
    const who = { userId: a.userId, teamId: g.teamId, email: a.email };
    const updated = store.transaction((tx) => {
      const row = store.transitionTx(tx, id, 'pending', {
        status: 'approved',
        approverUserId: a.userId,
        notes,
        providers,
        level,
        decidedAt: now,
        expiresAt: now + this.ttlOf(g.teamId),
      });
      if (!row) throw new AppError('conflict', 'This request was already decided.');
      if (row.kind === 'broad') {
        // Per authorization, each provider is covered by one active broad grant: the newest
        // approval takes over the providers it names from older grants (which keep the rest), so
        // revoking it in the console really ends the agent's authority over those providers.
        for (const o of store.approvedBroadOfFamilyTx(tx, row.familyId, id)) {
          const taken = o.providers.filter((p) => providers.includes(p));
          if (taken.length === 0) continue;
          const kept = o.providers.filter((p) => !providers.includes(p));
          if (kept.length === 0) {
            store.transitionTx(tx, o.id, 'approved', {
              status: 'superseded',
              supersededBy: id,
              revokedAt: now,
            });
            store.recordTx(tx, 'grant.superseded', who, o.id, { superseded_by: id });
          } else {
            store.transitionTx(tx, o.id, 'approved', { providers: kept });
            store.recordTx(tx, 'grant.narrowed', who, o.id, {
              superseded_by: id,
              providers_taken: taken,
              providers_kept: kept,
            });
          }
        }
      }
      store.recordTx(tx, 'grant.approved', who, id, {
        requester: g.userId,
        providers,
        level,
        notes,
        expires_at: new Date(row.expiresAt!).toISOString(),
      });
      return row;
    });
    store.changed(g.teamId, id);
    return updated;
  }

  /** Denies a pending request (the requester may always withdraw their own). */
  deny(id: string, a: Approver, input: DecisionRules & { reason?: string }): Grant {
    const { store } = this;
    const now = this.clock.now();
    const g = store.get(id);
    if (!g) throw new AppError('not_found', 'No such request.');
    enforce(mayDeny(g, a, input));
    const reason = input.reason?.trim().slice(0, MAX_NOTES) || 'Denied without a reason.';
    const updated = store.transaction((tx) => {
      const row = store.transitionTx(tx, id, 'pending', {
        status: 'denied',
        approverUserId: a.userId,
        denyReason: reason,
        decidedAt: now,
      });
      if (!row) throw new AppError('conflict', 'This request was already decided.');
      store.recordTx(tx, 'grant.denied', { userId: a.userId, teamId: g.teamId, email: a.email }, id, {
        requester: g.userId,
        reason,
      });
      return row;
    });
    store.changed(g.teamId, id);
    return updated;
  }

  /** Ends an approved grant early; the agent learns it on its next call. */
  revoke(id: string, by: Approver): Grant {
    const { store } = this;
    const now = this.clock.now();
    const g = store.get(id);
    // Another team's grant does not exist for this human.
    if (!g || g.teamId !== by.teamId) throw new AppError('not_found', 'No such grant.');
    enforce(mayRevoke(g, by));
    const updated = store.transaction((tx) => {
      const row = store.transitionTx(tx, id, 'approved', {
        status: 'revoked',
        revokedAt: now,
        revokedBy: by.userId,
      });
      if (!row) throw new AppError('conflict', 'This grant is no longer active.');
      store.recordTx(tx, 'grant.revoked', { userId: by.userId, teamId: g.teamId, email: by.email }, id, {
        requester: g.userId,
      });
      return row;
    });
    store.changed(g.teamId, id);
    return updated;
  }

  /**
   * Revokes every pending and active grant of a team (kill switch), inside the caller's
   * transaction; the caller's audit entry records it.
   */
  revokeTeamTx(tx: Tx, teamId: string, by: { userId: string; email: string }): number {
    return this.store.revokeOpenOfTeamTx(tx, teamId, by.userId, this.clock.now());
  }
}
