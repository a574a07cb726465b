import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AccessLevel } from '../../db/schema/enums.ts';
import type { Clock } from '../app/clock.ts';
import type { EventBus } from '../app/events.ts';
import type { Db, Tx } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { AppError } from '../errors/app-error.ts';
import type { Approver, Grant, GrantsService } from './grants.ts';

const MAX_NOTES = 2000;

/** Whether this human may approve or deny the grant, and why not. */
export function approvalRefusal(g: Grant, a: Approver, requireDifferent: boolean): string | undefined {
  if (a.teamId !== g.teamId) return 'This request belongs to another team.';
  const canApproveOthers = a.permissions.includes('approvals:approve');
  if (requireDifferent) {
    if (a.userId === g.userId) return 'Your team requires someone other than the requester to approve.';
    if (!canApproveOthers) return 'Approving needs the approvals:approve permission.';
    return undefined;
  }
  if (a.userId === g.userId || canApproveOthers) return undefined;
  return 'Only the requester or someone with the approvals:approve permission can decide this request.';
}

/**
 * Human decisions on grants (DESIGN §4): approve (optionally narrowing a broad request; its TTL
 * starts now), deny, revoke early, and the kill switch's revoke-all. Each is one transaction with
 * its audit entry; a decided request cannot be decided again.
 */
export class GrantDecisions {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      events: EventBus;
      ttlOf: (teamId: string) => number;
      grants: GrantsService;
    },
  ) {}

  /**
   * Approves a pending request. A broad grant may be narrowed (fewer providers, read instead of
   * write); its TTL starts now. Single use: a decided request cannot be decided again.
   */
  approve(
    id: string,
    a: Approver,
    input: { requireDifferent: boolean; providers?: string[]; level?: AccessLevel; notes?: string },
  ): Grant {
    const now = this.deps.clock.now();
    const g = this.decidable(id, a, input.requireDifferent);
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
    const updated = this.deps.db.transaction((tx) => {
      const row = tx
        .update(schema.grants)
        .set({
          status: 'approved',
          approverUserId: a.userId,
          notes,
          providers,
          level,
          decidedAt: now,
          expiresAt: now + this.deps.ttlOf(g.teamId),
        })
        .where(and(eq(schema.grants.id, id), eq(schema.grants.status, 'pending')))
        .returning()
        .get();
      if (!row) throw new AppError('conflict', 'This request was already decided.');
      if (row.kind === 'broad') {
        // Per authorization, each provider is covered by one active broad grant: the newest
        // approval takes over the providers it names from older grants (which keep the rest), so
        // revoking it in the console really ends the agent's authority over those providers.
        const older = tx
          .select()
          .from(schema.grants)
          .where(
            and(
              eq(schema.grants.kind, 'broad'),
              eq(schema.grants.status, 'approved'),
              eq(schema.grants.familyId, row.familyId),
              sql`${schema.grants.id} <> ${id}`,
            ),
          )
          .all();
        const who = { userId: a.userId, teamId: g.teamId, email: a.email };
        for (const o of older) {
          const taken = o.providers.filter((p) => providers.includes(p));
          if (taken.length === 0) continue;
          const kept = o.providers.filter((p) => !providers.includes(p));
          if (kept.length === 0) {
            tx.update(schema.grants)
              .set({ status: 'superseded', supersededBy: id, revokedAt: now })
              .where(and(eq(schema.grants.id, o.id), eq(schema.grants.status, 'approved')))
              .run();
            this.deps.grants.recordTx(tx, 'grant.superseded', who, o.id, { superseded_by: id });
          } else {
            tx.update(schema.grants)
              .set({ providers: kept })
              .where(and(eq(schema.grants.id, o.id), eq(schema.grants.status, 'approved')))
              .run();
            this.deps.grants.recordTx(tx, 'grant.narrowed', who, o.id, {
              superseded_by: id,
              providers_taken: taken,
              providers_kept: kept,
            });
          }
        }
      }
      this.deps.grants.recordTx(
        tx,
        'grant.approved',
        { userId: a.userId, teamId: g.teamId, email: a.email },
        id,
        {
          requester: g.userId,
          providers,
          level,
          notes,
          expires_at: new Date(row.expiresAt!).toISOString(),
        },
      );
      return row;
    });
    this.deps.events.emit('grants.changed', { teamId: g.teamId, grantId: id });
    return updated;
  }

  deny(id: string, a: Approver, input: { requireDifferent: boolean; reason?: string }): Grant {
    const now = this.deps.clock.now();
    const g = this.deps.grants.get(id);
    if (!g) throw new AppError('not_found', 'No such request.');
    // The requester may always withdraw their own request.
    if (a.userId !== g.userId || a.teamId !== g.teamId) {
      const refusal = approvalRefusal(g, a, input.requireDifferent);
      if (refusal) throw new AppError('forbidden', refusal);
    }
    if (g.status !== 'pending') throw new AppError('conflict', `This request is already ${g.status}.`);
    const reason = input.reason?.trim().slice(0, MAX_NOTES) || 'Denied without a reason.';
    const updated = this.deps.db.transaction((tx) => {
      const row = tx
        .update(schema.grants)
        .set({ status: 'denied', approverUserId: a.userId, denyReason: reason, decidedAt: now })
        .where(and(eq(schema.grants.id, id), eq(schema.grants.status, 'pending')))
        .returning()
        .get();
      if (!row) throw new AppError('conflict', 'This request was already decided.');
      this.deps.grants.recordTx(
        tx,
        'grant.denied',
        { userId: a.userId, teamId: g.teamId, email: a.email },
        id,
        {
          requester: g.userId,
          reason,
        },
      );
      return row;
    });
    this.deps.events.emit('grants.changed', { teamId: g.teamId, grantId: id });
    return updated;
  }

  /** Ends an approved grant early; the agent learns it on its next call. */
  revoke(id: string, by: Approver): Grant {
    const now = this.deps.clock.now();
    const g = this.deps.grants.get(id);
    if (!g || g.teamId !== by.teamId) throw new AppError('not_found', 'No such grant.');
    const allowed =
      by.userId === g.userId ||
      by.permissions.includes('approvals:approve') ||
      by.permissions.includes('gatehouse:admin');
    if (!allowed) throw new AppError('forbidden', 'Only the requester or an approver can revoke this grant.');
    if (g.status !== 'approved') throw new AppError('conflict', `This grant is ${g.status}, not active.`);
    const updated = this.deps.db.transaction((tx) => {
      const row = tx
        .update(schema.grants)
        .set({ status: 'revoked', revokedAt: now, revokedBy: by.userId })
        .where(and(eq(schema.grants.id, id), eq(schema.grants.status, 'approved')))
        .returning()
        .get();
      if (!row) throw new AppError('conflict', 'This grant is no longer active.');
      this.deps.grants.recordTx(
        tx,
        'grant.revoked',
        { userId: by.userId, teamId: g.teamId, email: by.email },
        id,
        {
          requester: g.userId,
        },
      );
      return row;
    });
    this.deps.events.emit('grants.changed', { teamId: g.teamId, grantId: id });
    return updated;
  }

  /** Revokes every pending and active grant of a team (kill switch), inside the caller's transaction. */
  revokeTeamTx(tx: Tx, teamId: string, by: { userId: string; email: string }): number {
    const now = this.deps.clock.now();
    const rows = tx
      .update(schema.grants)
      .set({ status: 'revoked', revokedAt: now, revokedBy: by.userId })
      .where(and(eq(schema.grants.teamId, teamId), inArray(schema.grants.status, ['pending', 'approved'])))
      .returning({ id: schema.grants.id })
      .all();
    return rows.length;
  }

  private decidable(id: string, a: Approver, requireDifferent: boolean): Grant {
    const g = this.deps.grants.get(id);
    if (!g) throw new AppError('not_found', 'No such request.');
    const refusal = approvalRefusal(g, a, requireDifferent);
    if (refusal) throw new AppError('forbidden', refusal);
    if (g.status !== 'pending') throw new AppError('conflict', `This request is already ${g.status}.`);
    return g;
  }
}
