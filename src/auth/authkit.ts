import type { WorkOS } from '@workos-inc/node';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type { Permission } from '../../db/schema/enums.ts';
import { AppError } from '../errors/app-error.ts';
import { effectivePermissions } from './permissions.ts';

export interface AuthKitUser {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  externalId: string | null;
}

export interface TeamMembership {
  organizationId: string;
  name: string;
  role: string;
  externalId: string | null;
}

export interface TeamEntry {
  role: string;
  permissions: Permission[];
  sessionId: string | null;
  refreshToken: string;
  /** The impersonator's email when WorkOS says this session is an impersonation. */
  impersonator: string | null;
}

interface OrgClaims extends JWTPayload {
  sid?: string;
  org_id?: string;
  role?: string;
  permissions?: string[];
  /**
   * An impersonated session's actor (RFC 8693 §4.1): WorkOS puts the impersonating dashboard
   * user's email here (https://workos.com/docs/reference/authkit/session-tokens).
   */
  act?: { sub?: unknown };
}

/**
 * Human sign-in through AuthKit (docs/architecture.md "Trust model"): authorization URL with PKCE, code exchange, and
 * entering a team with `authenticateWithRefreshToken({organizationId})`, whose access token is
 * verified against the WorkOS JWKS with jose before any claim is believed.
 */
export class AuthKit {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  /** Origin of the AuthKit pages the browser is sent to (for the console's CSP form-action). */
  readonly origin: string;

  /**
   * @param issuer the accepted `iss` of AuthKit access tokens (the embedded emulator's own
   *   address in local mode; WorkOS's forms, or WORKOS_ISSUER, in live mode), checked together
   *   with the signature against the JWKS.
   */
  constructor(
    private readonly workos: WorkOS,
    readonly clientId: string,
    private readonly redirectUri: string,
    private readonly issuer: string | string[],
  ) {
    this.jwks = createRemoteJWKSet(new URL(workos.userManagement.getJwksUrl(clientId)), {
      timeoutDuration: 10_000,
    });
    this.origin = new URL(this.authorizationUrl({ state: 'x', codeChallenge: 'x' })).origin;
  }

  authorizationUrl(input: { state: string; codeChallenge: string; loginHint?: string }): string {
    return this.workos.userManagement.getAuthorizationUrl({
      provider: 'authkit',
      clientId: this.clientId,
      redirectUri: this.redirectUri,
      state: input.state,
      codeChallenge: input.codeChallenge,
      codeChallengeMethod: 'S256',
      ...(input.loginHint ? { loginHint: input.loginHint } : {}),
    });
  }

  async exchangeCode(
    code: string,
    codeVerifier: string,
  ): Promise<{ user: AuthKitUser; refreshToken: string; impersonator: string | null }> {
    try {
      const r = await this.workos.userManagement.authenticateWithCode({
        clientId: this.clientId,
        code,
        codeVerifier,
      });
      // AuthenticationResponse.impersonator: set when a WorkOS dashboard user impersonates
      // (https://workos.com/docs/authkit/impersonation).
      return {
        user: toUser(r.user),
        refreshToken: r.refreshToken,
        impersonator: r.impersonator?.email ?? null,
      };
    } catch (e) {
      throw new AppError(
        'unauthenticated',
        'AuthKit did not accept this sign-in (the code is invalid, expired or was already used).',
        {
          hint: 'Start the sign-in again.',
          cause: e,
        },
      );
    }
  }

  /** The active team memberships of a user, with organization names. */
  async teams(workosUserId: string): Promise<TeamMembership[]> {
    const memberships = await this.workos.userManagement.listOrganizationMemberships({
      userId: workosUserId,
      statuses: ['active'],
      limit: 100,
    });
    const out: TeamMembership[] = [];
    for (const m of memberships.data) {
      const org = await this.workos.organizations.getOrganization(m.organizationId);
      out.push({
        organizationId: org.id,
        name: org.name,
        role: m.role?.slug ?? 'member',
        externalId: org.externalId ?? null,
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Switches the AuthKit session into an organization and returns its verified role. */
  async enterTeam(refreshToken: string, organizationId: string, workosUserId: string): Promise<TeamEntry> {
    let r: Awaited<ReturnType<WorkOS['userManagement']['authenticateWithRefreshToken']>>;
    try {
      r = await this.workos.userManagement.authenticateWithRefreshToken({
        clientId: this.clientId,
        refreshToken,
        organizationId,
      });
    } catch (e) {
      throw new AppError(
        'unauthenticated',
        'Your sign-in has expired or you are not a member of that team.',
        {
          hint: 'Sign in again.',
          cause: e,
        },
      );
    }
    const claims = await this.verify(r.accessToken);
    if (claims.sub !== workosUserId || claims.org_id !== organizationId) {
      throw new AppError('unauthenticated', 'The access token from WorkOS does not match this sign-in.', {
        hint: 'Sign in again.',
      });
    }
    return {
      role: claims.role ?? 'member',
      permissions: effectivePermissions(claims.role, claims.permissions),
      sessionId: claims.sid ?? null,
      refreshToken: r.refreshToken,
      impersonator: actor(claims) ?? r.impersonator?.email ?? null,
    };
  }

  logoutUrl(sessionId: string, returnTo: string): string {
    return this.workos.userManagement.getLogoutUrl({ sessionId, returnTo });
  }

  private async verify(accessToken: string): Promise<OrgClaims> {
    try {
      const { payload } = await jwtVerify<OrgClaims>(accessToken, this.jwks, {
        algorithms: ['RS256'],
        issuer: this.issuer,
      });
      return payload;
    } catch (e) {
      throw new AppError(
        'unauthenticated',
        'The access token from WorkOS failed verification (signature or issuer).',
        {
          cause: e,
        },
      );
    }
  }
}

/** The `act.sub` of a verified token, if it names an actor. */
function actor(claims: OrgClaims): string | null {
  const sub = claims.act?.sub;
  return typeof sub === 'string' && sub.length > 0 ? sub.slice(0, 320) : null;
}

function toUser(u: {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  externalId?: string | null;
}): AuthKitUser {
  return {
    id: u.id,
    email: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    externalId: u.externalId ?? null,
  };
}
