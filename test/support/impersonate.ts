import { expect } from 'bun:test';
import type { RunningGatehouse } from '../../src/app/start.ts';

/**
 * The embedded WorkOS's stand-in for the dashboard's "Impersonate user" button: `email`'s next
 * sign-in becomes an impersonation by `impersonator`.
 */
export async function impersonate(
  gh: RunningGatehouse,
  email: string,
  impersonator = 'support@workos-dashboard.test',
  reason = 'Debugging a support ticket',
): Promise<void> {
  const res = await fetch(`${gh.ctx.workos.embeddedUrls.identity}/x/gatehouse/impersonations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gh.ctx.workos.identity.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email, impersonator_email: impersonator, reason }),
  });
  expect(res.status).toBe(201);
}
