import type { EventBus } from '../kernel/events.ts';
import type { Logger } from '../log/logger.ts';
import type { TeamsService } from '../teams/service.ts';
import type { UsersService } from './service.ts';

/**
 * After a role changed in WorkOS through Gatehouse (a tool), the person's cached role is dropped
 * and, when the organization is a Gatehouse team, its open MCP sessions re-list their tools at
 * once (roles changed elsewhere reach them through the membership sweep).
 */
export class RoleChanges {
  constructor(
    private readonly deps: {
      teams: TeamsService;
      users: UsersService;
      events: EventBus;
      log: Logger;
      /** Drops the cached role of one WorkOS user (PrincipalResolver.invalidate). */
      invalidate: (workosUserId: string) => void;
    },
  ) {}

  changedInWorkOS(workosUserId: string, organizationId: string): void {
    this.deps.invalidate(workosUserId);
    const team = this.deps.teams.getByOrganization(organizationId);
    if (!team) return;
    const user = this.deps.users.byWorkosId(workosUserId);
    if (!user) return;
    this.deps.events.emit('member.role_changed', { teamId: team.id, userId: user.id }, (e) =>
      this.deps.log.warn('a role-change listener failed', {
        error: e instanceof Error ? e.message : String(e),
      }),
    );
  }
}
