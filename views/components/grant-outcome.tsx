/** @jsxImportSource @kitajs/html */
import type { GrantView } from '../../src/approvals/console-service.ts';
import { duration, when } from './time.ts';

/** What happened to a decided grant. */
export function Outcome({ v }: { v: GrantView }) {
  return (
    <>
      {v.approverEmail ? (
        <>
          <dt>{v.status === 'denied' ? 'Denied by' : 'Approved by'}</dt>
          <dd data-testid="approver" safe>
            {`${v.approverEmail} at ${when(v.decidedAt)}`}
          </dd>
        </>
      ) : (
        ''
      )}
      {v.notes ? (
        <>
          <dt>Notes for the agent</dt>
          <dd data-testid="notes" safe>
            {v.notes}
          </dd>
        </>
      ) : (
        ''
      )}
      {v.status === 'denied' ? (
        <>
          <dt>Reason for denial</dt>
          <dd data-testid="deny-reason" safe>
            {v.denyReason ?? ''}
          </dd>
        </>
      ) : (
        ''
      )}
      {v.status === 'approved' ? (
        <>
          <dt>Time left</dt>
          <dd data-testid="time-left" safe>
            {v.kind === 'broad'
              ? `${duration(v.secondsLeft)} (until ${when(v.expiresAt)})`
              : `usable once, within ${duration(v.secondsLeft)}`}
          </dd>
        </>
      ) : (
        ''
      )}
      {v.status === 'consumed' ? (
        <>
          <dt>Used</dt>
          <dd safe>{when(v.consumedAt)}</dd>
        </>
      ) : (
        ''
      )}
      {v.status === 'revoked' ? (
        <>
          <dt>Revoked</dt>
          <dd data-testid="revoked-by" safe>
            {`${when(v.revokedAt)}${v.revokedByEmail ? ` by ${v.revokedByEmail}` : ''}`}
          </dd>
        </>
      ) : (
        ''
      )}
    </>
  );
}
