import type { WorkOS } from '@workos-inc/node';
import type { Clock } from '../kernel/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { StaffMarks } from '../workos/staff-guard.ts';
import type { TeamsService } from './service.ts';

/** How long the staff's people and domains, read from the identity environment, are reused. */
export const STAFF_DIRECTORY_TTL_MS = 60_000;

/**
 * What marks something as staff rather than a customer, for a managed environment that is the
 * identity environment itself (docs/architecture.md "Trust model"): the admitted teams'
 * organizations (read fresh, a handful of rows), and their people and domains (read from the
 * identity environment, reused for a minute, refreshed when an admission changes).
 */
export class StaffDirectory {
  private cached: { at: number; organizations: string; users: Set<string>; domains: Set<string> } | undefined;
  /** The read in flight, for the set of organizations it reads. */
  private loading: { organizations: string; answer: Promise<StaffMarks> } | undefined;
  /** Reads started so far: only the last one started may replace `cached` (see `load`). */
  private reads = 0;

  constructor(private readonly deps: { teams: TeamsService; identity: WorkOS; clock: Clock; log: Logger }) {}

  async marks(): Promise<StaffMarks> {
    const organizations = this.deps.teams.protectedOrganizationIds();
    const key = [...organizations].sort().join(',');
    const now = this.deps.clock.now();
    const c = this.cached;
    if (c && c.organizations === key && now - c.at < STAFF_DIRECTORY_TTL_MS)
      return { organizations, users: c.users, domains: c.domains };
    // One read in flight per set of organizations; every caller asking for that set gets its
    // answer. A caller after an admission (or a removal) never joins a read of the set before it:
    // that read would not know the newly admitted organization's people and domains.
    if (this.loading?.organizations === key) return this.loading.answer;
    const loading = {
      organizations: key,
      answer: this.load(organizations, key, now, ++this.reads).finally(() => {
        if (this.loading === loading) this.loading = undefined;
      }),
    };
    this.loading = loading;
    return loading.answer;
  }

  private async load(
    organizations: ReadonlySet<string>,
    key: string,
    now: number,
    read: number,
  ): Promise<StaffMarks> {
    const users = new Set<string>();
    const domains = new Set<string>();
    try {
      for (const organizationId of organizations) {
        const org = await this.deps.identity.organizations.getOrganization(organizationId);
        for (const d of org.domains) domains.add(d.domain.toLowerCase());
        let after: string | undefined;
        do {
          // Every status: WorkOS lists active memberships only unless asked, and a staff member
          // deactivated in a staff organization is still staff to guard.
          const page = await this.deps.identity.userManagement.listOrganizationMemberships({
            organizationId,
            statuses: ['active', 'inactive', 'pending'],
            limit: 100,
            ...(after ? { after } : {}),
          });
          for (const m of page.data) users.add(m.userId);
          after = page.listMetadata.after ?? undefined;
        } while (after);
      }
      // Kept with the set it read (`marks` reuses it only for that same set), unless a read
      // started after this one (an admission since): a read of the older set that ends last must
      // not replace the newer set's people, which the failure below falls back on.
      if (read === this.reads) this.cached = { at: now, organizations: key, users, domains };
    } catch (e) {
      // Fail closed on what is known: the organizations are always guarded; so are the people
      // and domains of the last good read (if any) and whatever this one read before failing.
      this.deps.log.warn('could not read the staff teams from the identity environment', {
        error: e instanceof Error ? e.message : String(e),
      });
      const last = this.cached;
      return {
        organizations,
        users: new Set([...(last?.users ?? []), ...users]),
        domains: new Set([...(last?.domains ?? []), ...domains]),
      };
    }
    return { organizations, users, domains };
  }
}
