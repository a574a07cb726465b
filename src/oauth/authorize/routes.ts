import type { Permission } from '../../../db/schema/enums.ts';
import { CapabilityList, ConsentPage } from '../../../views/pages/consent.tsx';
import { ErrorPage } from '../../../views/pages/error.tsx';
import type { AppContext } from '../../app/context.ts';
import type { BrowserSession } from '../../auth/browser-sessions.ts';
import { currentSession, shellUser } from '../../auth/console-session.ts';
import { admittedTeams, enterTeam } from '../../auth/enter-team.ts';
import { randomToken } from '../../crypto/random.ts';
import { AppError, isAppError } from '../../errors/app-error.ts';
import { readForm } from '../../http/forms.ts';
import { renderPage } from '../../http/page.ts';
import { fragmentResponse, redirectResponse } from '../../http/responses.ts';
import { capPermissions } from '../scopes.ts';
import { describeCapabilities } from './capabilities.ts';
import { permissionsInTeam } from './team-permissions.ts';
import {
  type AuthorizeRequest,
  clientRedirect,
  describeAuthorizeReason,
  validateAuthorizeRequest,
} from './validate.ts';

/** How long a rendered consent form stays valid. */
const CONSENT_FORM_TTL_MS = 10 * 60 * 1000;

interface SealedConsent extends AuthorizeRequest {
  userId: string;
  exp: number;
  /** Makes the form single-use: recorded when it is first submitted. */
  nonce: string;
}

const START_AGAIN = 'Start the connection again from your client.';

/** Whether the kill switch of the team behind an organization is pulled (MCP off until re-enabled). */
function killed(ctx: AppContext, organizationId: string): boolean {
  const team = ctx.teams.admittedByOrganization(organizationId);
  return team !== undefined && ctx.teams.settings(team.id).killedAt !== null;
}

/**
 * RFC 6749 §4.1.2.1 `access_denied` for a team whose kill switch is pulled: no consent and no
 * code while it is (docs/architecture.md "Console"), recorded as a refused consent.
 */
function killedRefusal(
  ctx: AppContext,
  s: BrowserSession,
  req: Pick<AuthorizeRequest, 'clientId' | 'redirectUri' | 'state'>,
  team: { id: string | null; name: string },
  status = 302,
  more = '',
): Response {
  ctx.audit.append({
    event: 'oauth.consent',
    outcome: 'denied',
    userId: s.userId,
    teamId: team.id,
    clientId: req.clientId,
    reason: 'team_killed',
  });
  const description = `MCP access for ${team.name} is switched off by its kill switch; a team admin must turn it back on before any client can be authorized in it.${more}`;
  // Straight back only after the human answered the consent page (303), or to a client they
  // approved before (RFC 9700 §4.11.2); anyone else reads it here.
  if (status !== 303 && !ctx.oauth.consents.approvedBefore(s.userId, req.clientId))
    return untrustedError(ctx, req.redirectUri, req.state, 'access_denied', description);
  return errorRedirect(ctx, req.redirectUri, req.state, 'access_denied', description, status);
}

/**
 * Opens a consent form's sealed request: it must be sealed here, for this human, and unexpired.
 * Throws a 4xx AppError otherwise.
 */
function openConsentForm(ctx: AppContext, s: BrowserSession, sealed: string): SealedConsent {
  const opened = ctx.sealer.open(sealed);
  const req = opened ? (JSON.parse(opened) as SealedConsent) : undefined;
  if (!req || req.userId !== s.userId || typeof req.nonce !== 'string')
    throw new AppError('invalid_input', 'This consent form was not issued to you.');
  if (req.exp <= ctx.clock.now()) {
    throw new AppError('gone', 'This consent form has expired.', { hint: START_AGAIN });
  }
  return req;
}

/** What the consent page promises in a team: the human's permissions there, narrowed by the scopes. */
function capabilitiesIn(
  ctx: AppContext,
  s: BrowserSession,
  team: { organizationId: string; role: string },
  scopes: readonly string[],
): string[] {
  return describeCapabilities(capPermissions(permissionsInTeam(ctx, s, team), scopes));
}

/** Where the code goes, as shown to the human: the redirect URI's host, or a native app's scheme. */
function redirectTarget(uri: string): string {
  const u = new URL(uri);
  return u.protocol === 'http:' || u.protocol === 'https:'
    ? u.host
    : `${u.protocol}// (an app on your device)`;
}

/** The CSP source that lets the consent form's redirect reach the client. */
function formActionSource(uri: string): string {
  const u = new URL(uri);
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : u.protocol;
}

function success(ctx: AppContext, req: AuthorizeRequest, code: string, status: number): Response {
  return redirectResponse(
    clientRedirect(req.redirectUri, { code, state: req.state, iss: ctx.config.publicUrl }),
    undefined,
    status,
  );
}

function errorRedirect(
  ctx: AppContext,
  redirectUri: string,
  state: string | undefined,
  error: string,
  description: string,
  status = 302,
) {
  // RFC 9207: the issuer travels with every authorization response, errors included.
  return redirectResponse(
    clientRedirect(redirectUri, { error, error_description: description, state, iss: ctx.config.publicUrl }),
    undefined,
    status,
  );
}

/** An authorization error shown to the human, with the way back to the client as a link. */
function untrustedError(
  ctx: AppContext,
  redirectUri: string,
  state: string | undefined,
  error: string,
  description: string,
): Response {
  const back = clientRedirect(redirectUri, {
    error,
    error_description: description,
    state,
    iss: ctx.config.publicUrl,
  });
  return renderPage(
    ctx,
    ErrorPage({
      status: 400,
      title: 'That request was not valid',
      message: `This authorization request cannot be completed: ${description}`,
      hint: `Error: ${error}. The application that sent you here needs to fix its request. Gatehouse does not send you back to it by itself, as you have not approved it before.`,
      action: { href: back, label: `Return to ${redirectTarget(redirectUri)} with the error` },
    }) as string,
    { status: 400 },
  );
}

/**
 * GET /authorize (RFC 6749 §4.1.1). Unsafe errors render a page; others redirect with `error`,
 * `state` and `iss` to a client the human approved before, or show a page linking back to it. A signed-in human who already approved this client in this team gets a
 * code at once; otherwise the consent page.
 */
export async function authorize(ctx: AppContext, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const v = await validateAuthorizeRequest(url.searchParams, {
    clients: ctx.oauth.clients,
    resource: ctx.oauth.resource,
  });
  if (!v.ok) {
    const { error, description } = describeAuthorizeReason(v.reason);
    if (!v.redirectable) {
      throw new AppError('invalid_input', `This authorization request cannot be completed: ${description}`, {
        hint: `Error: ${error}. The client that sent you here needs to fix its request; nothing was sent back to it.`,
      });
    }
    // RFC 9700 §4.11.2: the error goes back at once only to a client this human approved before.
    // Anyone may register a client and its redirect URI, so for any other an error redirect is an
    // open redirect: the human reads the error and chooses whether to go back to it.
    const signedIn = currentSession(ctx, request);
    if (signedIn && ctx.oauth.consents.approvedBefore(signedIn.userId, v.clientId))
      return errorRedirect(ctx, v.redirectUri, v.state, error, description);
    return untrustedError(ctx, v.redirectUri, v.state, error, description);
  }
  const s = currentSession(ctx, request);
  const back = encodeURIComponent(`${url.pathname}${url.search}`);
  if (!s) return redirectResponse(`/login?return_to=${back}`);
  if (!s.teamId || !s.organizationId) return redirectResponse(`/teams?return_to=${back}`);
  // The console's team is the one the consent page is about: while its kill switch is pulled,
  // nothing is authorized (not another team behind the human's back either).
  if (killed(ctx, s.organizationId)) {
    const more = ' To connect in another of your teams, switch to it in the Gatehouse console first.';
    return killedRefusal(ctx, s, v.request, { id: s.teamId, name: s.teamName ?? 'your team' }, 302, more);
  }

  if (ctx.oauth.consents.covers(s.userId, s.teamId, v.client.id, v.request.scopes)) {
    const code = ctx.oauth.codes.issueCode({
      ...codeFields(v.request),
      userId: s.userId,
      teamId: s.teamId,
      impersonator: s.impersonator,
    });
    return success(ctx, v.request, code, 302);
  }

  // A team whose kill switch is pulled is no choice: nothing may be authorized in it.
  const teams = (await admittedTeams(ctx, s.workosUserId)).filter((t) => !killed(ctx, t.organizationId));
  // The team the picker starts on, and the capabilities shown for it, come from the same place:
  // the human's role in that team (the session's team unless WorkOS no longer lists it).
  const selected = teams.find((t) => t.organizationId === s.organizationId) ?? teams[0];
  const sealed: SealedConsent = {
    ...v.request,
    userId: s.userId,
    exp: ctx.clock.now() + CONSENT_FORM_TTL_MS,
    nonce: randomToken(16),
  };
  return renderPage(
    ctx,
    ConsentPage({
      user: shellUser(s),
      csrfToken: ctx.csrf.forSession(s),
      clientName: v.client.clientName,
      redirectTarget: redirectTarget(v.request.redirectUri),
      clientIdentity:
        v.client.kind === 'cimd'
          ? { kind: 'cimd', url: v.client.id }
          : { kind: 'dcr', registeredAt: new Date(v.client.createdAt).toISOString().slice(0, 10) },
      teams: teams.map((t) => ({ organizationId: t.organizationId, name: t.name, role: t.role })),
      currentOrganizationId: selected?.organizationId ?? s.organizationId,
      capabilities: selected
        ? capabilitiesIn(ctx, s, selected, v.request.scopes)
        : describeCapabilities(capPermissions(s.permissions, v.request.scopes)),
      sealedRequest: ctx.sealer.seal(JSON.stringify(sealed)),
    }) as string,
    { formActionOrigins: [formActionSource(v.request.redirectUri)] },
  );
}

function codeFields(r: AuthorizeRequest) {
  return {
    clientId: r.clientId,
    redirectUri: r.redirectUri,
    codeChallenge: r.codeChallenge,
    scopes: r.scopes,
    resource: r.resource,
  };
}

/** POST /authorize — the human's Allow or Deny on the consent page (CSRF-protected). */
export async function decide(ctx: AppContext, request: Request): Promise<Response> {
  const s = currentSession(ctx, request);
  if (!s)
    throw new AppError('unauthenticated', 'Your session has ended.', {
      hint: 'Start the connection again from your client.',
    });
  const form = await readForm(request);
  ctx.csrf.verify(request, form.get('_csrf'), s);
  const req = openConsentForm(ctx, s, form.require('request', 'The authorization request'));
  // The client may have changed since the page was shown: check it again.
  const client = await ctx.oauth.clients.resolve(req.clientId);
  if (!client.ok || !client.client.redirectUris.includes(req.redirectUri)) {
    throw new AppError('invalid_input', 'The client is no longer registered with that redirect URI.');
  }
  const decision = form.require('decision');
  if (decision !== 'allow' && decision !== 'deny')
    throw new AppError('invalid_input', 'decision must be allow or deny.');
  // Read before the form is spent, so a submission missing its team does not use it up.
  const organizationId = decision === 'allow' ? form.require('organization_id', 'A team') : '';
  // Each form is decided once, before anything else happens: a second decision would mint a
  // second code for the same authorization request, or deny after an allow. The same browser
  // posting it again (a double click: the browser drops the first answer and shows the second)
  // gets the first decision's answer again.
  if (!ctx.oauth.consents.claimForm(req.nonce, s.userId, s.idHash, req.exp)) {
    const again = await firstAnswer(ctx, req.nonce, s.idHash);
    if (again) return redirectResponse(again, undefined, 303);
    throw new AppError('conflict', 'This consent form was already used.', {
      hint: `Each consent form can be submitted once. ${START_AGAIN}`,
    });
  }
  let answer: Response;
  try {
    answer = await decideOnce(ctx, s, req, decision, organizationId);
  } catch (e) {
    ctx.oauth.consents.releaseForm(req.nonce);
    throw e;
  }
  ctx.oauth.consents.answerForm(req.nonce, ctx.sealer.seal(answer.headers.get('location')!));
  return answer;
}

async function decideOnce(
  ctx: AppContext,
  s: NonNullable<ReturnType<typeof currentSession>>,
  req: SealedConsent,
  decision: 'allow' | 'deny',
  organizationId: string,
): Promise<Response> {
  if (decision === 'deny') {
    ctx.audit.append({
      event: 'oauth.consent',
      outcome: 'denied',
      userId: s.userId,
      teamId: s.teamId,
      clientId: req.clientId,
      reason: 'the user denied access',
    });
    return errorRedirect(ctx, req.redirectUri, req.state, 'access_denied', 'The user denied access.', 303);
  }
  const chosen = ctx.teams.admittedByOrganization(organizationId);
  if (chosen && killed(ctx, organizationId))
    return killedRefusal(ctx, s, req, { id: chosen.id, name: chosen.name }, 303);
  const team = await teamFor(ctx, s, organizationId);
  // The kill switch may have been pulled while the team was entered (WorkOS was awaited).
  if (ctx.teams.settings(team.teamId).killedAt !== null)
    return killedRefusal(ctx, s, req, { id: team.teamId, name: chosen?.name ?? 'this team' }, 303);
  ctx.oauth.consents.grant(s.userId, team.teamId, req.clientId, req.scopes, { impersonator: s.impersonator });
  const code = ctx.oauth.codes.issueCode({
    ...codeFields(req),
    userId: s.userId,
    teamId: team.teamId,
    impersonator: s.impersonator,
  });
  return success(ctx, req, code, 303);
}

/** How long a repeated submission waits for the first one's decision (it may await WorkOS). */
const REPEAT_WAIT_MS = 5_000;

/** The first decision's redirect for a form this browser session already posted, once it exists. */
async function firstAnswer(ctx: AppContext, nonce: string, sessionHash: string): Promise<string | undefined> {
  const deadline = Date.now() + REPEAT_WAIT_MS;
  for (;;) {
    const state = ctx.oauth.consents.formAnswer(nonce, sessionHash);
    if (typeof state === 'object') return ctx.sealer.open(state.sealed);
    if (state === 'refused' || Date.now() >= deadline) return undefined;
    await Bun.sleep(25);
  }
}

/**
 * GET /authorize/capabilities?organization_id=…&request=… — the consent page's capability list
 * for the team chosen in its picker (htmx swaps it in). Read-only, but it reveals the human's
 * role: it needs the page's CSRF token (the X-CSRF-Token header htmx sends), a consent form
 * sealed for this human, and a team WorkOS lists them as an active member of.
 */
export async function capabilitiesFragment(ctx: AppContext, request: Request): Promise<Response> {
  const htmx = request.headers.get('hx-request') === 'true';
  try {
    const s = currentSession(ctx, request);
    if (!s) throw new AppError('unauthenticated', 'Your session has ended.', { hint: START_AGAIN });
    ctx.csrf.verify(request, undefined, s);
    const params = new URL(request.url).searchParams;
    const one = (name: string, label: string) => {
      const all = params.getAll(name);
      if (all.length > 1)
        throw new AppError('invalid_input', `The parameter ${name} was sent more than once.`);
      if (!all[0]) throw new AppError('invalid_input', `${label} is required.`);
      return all[0];
    };
    const req = openConsentForm(ctx, s, one('request', 'The authorization request'));
    const organizationId = one('organization_id', 'A team');
    const team = (await admittedTeams(ctx, s.workosUserId)).find((t) => t.organizationId === organizationId);
    if (!team) throw new AppError('forbidden', 'You are not a member of that team.');
    return fragmentResponse(
      CapabilityList({ capabilities: capabilitiesIn(ctx, s, team, req.scopes) }) as string,
    );
  } catch (e) {
    if (!htmx || !isAppError(e)) throw e;
    // htmx swaps error answers too: the list then says what went wrong instead.
    return fragmentResponse(CapabilityList({ capabilities: [], error: e.message }) as string, {
      status: e.status,
    });
  }
}

/** The chosen team: the session's own, or another of the human's teams (the console follows). */
async function teamFor(
  ctx: AppContext,
  s: NonNullable<ReturnType<typeof currentSession>>,
  organizationId: string,
): Promise<{ teamId: string; permissions: Permission[] }> {
  if (organizationId === s.organizationId && s.teamId)
    return { teamId: s.teamId, permissions: s.permissions };
  return enterTeam(ctx, s, organizationId);
}
