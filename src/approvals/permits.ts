import type { Permission } from '../../db/schema/enums.ts';
import type { Grant } from './store.ts';

/** Who decides: a signed-in human in the console. */
export interface Approver {
  userId: string;
  teamId: string;
  email: string;
  permissions: readonly Permission[];
}

/** The team's rule for decisions: whether someone other than the requester must approve. */
export interface DecisionRules {
  requireDifferent: boolean;
}

/** Why a human may not take an action on a grant. */
export type PermitRefusal =
  | 'other_team'
  /** The team requires a different approver and this human asked for it. */
  | 'own_request'
  /** The team requires a different approver and this human lacks approvals:approve. */
  | 'missing_permission'
  /** Neither the requester nor someone with the permission the action needs. */
  | 'not_requester_or_approver'
  | 'not_pending'
  | 'not_active';

export type Permit = { allowed: true } | { allowed: false; reason: PermitRefusal; message: string };

type Person = Pick<Approver, 'userId' | 'teamId' | 'permissions'>;
type Decided = Pick<Grant, 'teamId' | 'userId' | 'status'>;

const ALLOWED: Permit = { allowed: true };
const refuse = (reason: PermitRefusal, message: string): Permit => ({ allowed: false, reason, message });

/** Who may decide a request at all (approving; denying another's request). */
function mayDecide(g: Decided, who: Person, rules: DecisionRules): Permit {
  if (who.teamId !== g.teamId) return refuse('other_team', 'This request belongs to another team.');
  const canApproveOthers = who.permissions.includes('approvals:approve');
  if (rules.requireDifferent) {
    if (who.userId === g.userId)
      return refuse('own_request', 'Your team requires someone other than the requester to approve.');
    if (!canApproveOthers)
      return refuse('missing_permission', 'Approving needs the approvals:approve permission.');
    return ALLOWED;
  }
  if (who.userId === g.userId || canApproveOthers) return ALLOWED;
  return refuse(
    'not_requester_or_approver',
    'Only the requester or someone with the approvals:approve permission can decide this request.',
  );
}

function pending(g: Decided): Permit {
  return g.status === 'pending' ? ALLOWED : refuse('not_pending', `This request is already ${g.status}.`);
}

/** Whether this human may approve the request: who first, then whether it is still pending. */
export function mayApprove(g: Decided, who: Person, rules: DecisionRules): Permit {
  const decide = mayDecide(g, who, rules);
  return decide.allowed ? pending(g) : decide;
}

/** Whether this human may deny the request. The requester may always withdraw their own. */
export function mayDeny(g: Decided, who: Person, rules: DecisionRules): Permit {
  const own = who.userId === g.userId && who.teamId === g.teamId;
  const decide = own ? ALLOWED : mayDecide(g, who, rules);
  return decide.allowed ? pending(g) : decide;
}

/** Whether this human may end an approved grant early: the requester, an approver or an admin. */
export function mayRevoke(g: Decided, who: Person): Permit {
  if (who.teamId !== g.teamId) return refuse('other_team', 'This grant belongs to another team.');
  const allowed =
    who.userId === g.userId ||
    who.permissions.includes('approvals:approve') ||
    who.permissions.includes('gatehouse:admin');
  if (!allowed)
    return refuse('not_requester_or_approver', 'Only the requester or an approver can revoke this grant.');
  return g.status === 'approved' ? ALLOWED : refuse('not_active', `This grant is ${g.status}, not active.`);
}
