import { describe, expect, test } from 'bun:test';
import type { Permission } from '../../db/schema/enums.ts';
import { mayApprove, mayDeny, mayRevoke } from '../../src/approvals/permits.ts';

type Status = 'pending' | 'approved' | 'denied' | 'expired' | 'consumed' | 'revoked' | 'superseded';

const grant = (status: Status = 'pending') => ({ teamId: 'team_a', userId: 'user_req', status });
const person = (userId: string, permissions: Permission[] = [], teamId = 'team_a') => ({
  userId,
  teamId,
  permissions,
});
const requester = person('user_req');
const approver = person('user_boss', ['approvals:approve']);
const colleague = person('user_peer', ['integrations:read']);
const admin = person('user_admin', ['gatehouse:admin']);
const outsider = person('user_boss', ['approvals:approve'], 'team_b');
const LOOSE = { requireDifferent: false };
const STRICT = { requireDifferent: true };

describe('mayApprove', () => {
  test('mayApprove — the requester (loose team) and an approver (either rule) may approve a pending request', () => {
    expect(mayApprove(grant(), requester, LOOSE)).toEqual({ allowed: true });
    expect(mayApprove(grant(), approver, LOOSE)).toEqual({ allowed: true });
    expect(mayApprove(grant(), approver, STRICT)).toEqual({ allowed: true });
  });

  test('mayApprove — another team: other_team', () => {
    expect(mayApprove(grant(), outsider, LOOSE)).toEqual({
      allowed: false,
      reason: 'other_team',
      message: 'This request belongs to another team.',
    });
  });

  test('mayApprove — the requester, when the team requires a different approver: own_request', () => {
    expect(mayApprove(grant(), person('user_req', ['approvals:approve']), STRICT)).toEqual({
      allowed: false,
      reason: 'own_request',
      message: 'Your team requires someone other than the requester to approve.',
    });
  });

  test('mayApprove — someone else without approvals:approve, when a different approver is required: missing_permission', () => {
    expect(mayApprove(grant(), colleague, STRICT)).toEqual({
      allowed: false,
      reason: 'missing_permission',
      message: 'Approving needs the approvals:approve permission.',
    });
  });

  test('mayApprove — someone else without approvals:approve (admin included): not_requester_or_approver', () => {
    for (const who of [colleague, admin])
      expect(mayApprove(grant(), who, LOOSE)).toEqual({
        allowed: false,
        reason: 'not_requester_or_approver',
        message:
          'Only the requester or someone with the approvals:approve permission can decide this request.',
      });
  });

  test('mayApprove — a request no longer pending: not_pending, naming its state', () => {
    for (const status of ['approved', 'denied', 'expired', 'consumed', 'revoked', 'superseded'] as const)
      expect(mayApprove(grant(status), approver, LOOSE)).toEqual({
        allowed: false,
        reason: 'not_pending',
        message: `This request is already ${status}.`,
      });
  });

  test('mayApprove — who is judged before state: an outsider on a decided request gets other_team', () => {
    expect(mayApprove(grant('approved'), outsider, LOOSE)).toMatchObject({ reason: 'other_team' });
    expect(mayApprove(grant('approved'), colleague, STRICT)).toMatchObject({ reason: 'missing_permission' });
  });
});

describe('mayDeny', () => {
  test('mayDeny — the requester may always withdraw, even when a different approver is required', () => {
    expect(mayDeny(grant(), requester, STRICT)).toEqual({ allowed: true });
    expect(mayDeny(grant(), requester, LOOSE)).toEqual({ allowed: true });
    expect(mayDeny(grant(), approver, STRICT)).toEqual({ allowed: true });
  });

  test('mayDeny — another team (even the same user id): other_team', () => {
    expect(mayDeny(grant(), person('user_req', [], 'team_b'), LOOSE)).toMatchObject({
      allowed: false,
      reason: 'other_team',
    });
    expect(mayDeny(grant(), outsider, LOOSE)).toMatchObject({ allowed: false, reason: 'other_team' });
  });

  test('mayDeny — someone else without approvals:approve, when a different approver is required: missing_permission', () => {
    expect(mayDeny(grant(), colleague, STRICT)).toEqual({
      allowed: false,
      reason: 'missing_permission',
      message: 'Approving needs the approvals:approve permission.',
    });
  });

  test('mayDeny — someone else without approvals:approve: not_requester_or_approver', () => {
    expect(mayDeny(grant(), colleague, LOOSE)).toEqual({
      allowed: false,
      reason: 'not_requester_or_approver',
      message: 'Only the requester or someone with the approvals:approve permission can decide this request.',
    });
  });

  test('mayDeny — a request no longer pending, even one’s own: not_pending', () => {
    expect(mayDeny(grant('denied'), requester, LOOSE)).toEqual({
      allowed: false,
      reason: 'not_pending',
      message: 'This request is already denied.',
    });
    expect(mayDeny(grant('superseded'), approver, STRICT)).toMatchObject({ reason: 'not_pending' });
  });
});

describe('mayRevoke', () => {
  test('mayRevoke — the requester, an approver and an admin may revoke an active grant', () => {
    for (const who of [requester, approver, admin])
      expect(mayRevoke(grant('approved'), who)).toEqual({ allowed: true });
  });

  test('mayRevoke — another team: other_team', () => {
    expect(mayRevoke(grant('approved'), outsider)).toEqual({
      allowed: false,
      reason: 'other_team',
      message: 'This grant belongs to another team.',
    });
  });

  test('mayRevoke — someone else without approvals:approve or gatehouse:admin: not_requester_or_approver', () => {
    expect(mayRevoke(grant('approved'), colleague)).toEqual({
      allowed: false,
      reason: 'not_requester_or_approver',
      message: 'Only the requester or an approver can revoke this grant.',
    });
  });

  test('mayRevoke — a grant not active: not_active, naming its state', () => {
    for (const status of ['pending', 'denied', 'expired', 'consumed', 'revoked', 'superseded'] as const)
      expect(mayRevoke(grant(status), approver)).toEqual({
        allowed: false,
        reason: 'not_active',
        message: `This grant is ${status}, not active.`,
      });
  });

  test('mayRevoke — who is judged before state: a colleague on a revoked grant is refused as such', () => {
    expect(mayRevoke(grant('revoked'), colleague)).toMatchObject({ reason: 'not_requester_or_approver' });
  });
});
