/** Whose a live session, stream or running call is: the authorization and team behind it. */
export interface LiveOwner {
  familyId: string;
  teamId: string;
  /** Set for 2025-era sessions only. */
  sessionId?: string;
}

/** One key per token family and team: what `LiveMcp.recheck` asks about. */
export function ownerKey(owner: LiveOwner): string {
  return `${owner.familyId}\0${owner.teamId}`;
}

/**
 * What one revocation ends: the live state of token families (revoked), of a team (kill switch,
 * team removed) or of sessions (idle). See LiveMcp.revoke.
 */
export type RevocationScope =
  | { familyIds: readonly string[] }
  | { teamId: string }
  | { sessionIds: readonly string[] };

export function isRevoked(scope: RevocationScope, owner: LiveOwner): boolean {
  if ('familyIds' in scope) return scope.familyIds.includes(owner.familyId);
  if ('teamId' in scope) return owner.teamId === scope.teamId;
  return owner.sessionId !== undefined && scope.sessionIds.includes(owner.sessionId);
}
