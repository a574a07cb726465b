import type { Elysia } from 'elysia';
import { ConfirmationAnswered } from '../../views/components/confirmation-card.tsx';
import type { AppContext } from '../app/context.ts';
import { refuseImpersonated, requireTeamSession } from '../auth/console-session.ts';
import { isAppError } from '../errors/app-error.ts';
import { page } from '../http/app.ts';
import { readForm } from '../http/forms.ts';
import { fragmentResponse, redirectResponse } from '../http/responses.ts';

/**
 * POST /approvals/confirmations/:id/confirm and …/decline — field `_csrf`. The human the agent
 * acts for answers a confirmation their team requires from a person (docs/architecture.md, "The
 * MCP surface and the policy pipeline", destructive gate). A plain form goes back to
 * /approvals; htmx gets the card's replacement, or the refusal in its place.
 */
function answer(decision: 'confirmed' | 'declined') {
  return async (ctx: AppContext, request: Request, params: Record<string, string>): Promise<Response> => {
    const s = requireTeamSession(ctx, request);
    if (s instanceof Response) return s;
    const id = params.id ?? '';
    const htmx = request.headers.get('hx-request') === 'true';
    const run = async () => {
      const form = await readForm(request);
      ctx.csrf.verify(request, form.get('_csrf'), s);
      refuseImpersonated(s, 'confirm a deletion');
      return ctx.confirmations.person.decide(
        id,
        { teamId: s.teamId!, userId: s.userId, email: s.email },
        decision,
      );
    };
    if (!htmx) {
      await run();
      return redirectResponse(`/approvals?done=${decision}`);
    }
    try {
      const c = await run();
      return fragmentResponse(ConfirmationAnswered({ c, decision }) as string);
    } catch (e) {
      // A malformed id gets the plain error page; a real card shows why nothing happened.
      if (!isAppError(e) || !/^[0-9a-f]{64}$/.test(id) || e.code === 'unauthenticated') throw e;
      return fragmentResponse(ConfirmationAnswered({ c: { id }, error: e.message }) as string, {
        status: e.status,
      });
    }
  };
}

export function confirmationRoutes(app: Elysia, ctx: AppContext): void {
  app
    .post('/approvals/confirmations/:id/confirm', page(ctx, answer('confirmed')))
    .post('/approvals/confirmations/:id/decline', page(ctx, answer('declined')));
}
