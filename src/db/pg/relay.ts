/**
 * Domain events across replicas (docs/postgresql.md, "Changes reach every replica"). An event
 * emitted on this replica (kill switch, revocation, toggles, role changes, grant decisions) is
 * published with NOTIFY on the `gatehouse` channel; every replica's bridge LISTENs there and
 * delivers the others' events to its own listeners, which close sessions and streams and send
 * tools/list_changed as they do for a local change. Caches need no event: the epoch triggers'
 * own notifications move the authority epoch (src/db/epoch.ts).
 */
import { randomToken } from '../../crypto/random.ts';
import type { DomainEvents, EventBus } from '../../kernel/events.ts';
import type { Logger } from '../../log/logger.ts';
import type { PgClient } from './bridge.ts';
import { NOTIFY_CHANNEL } from './protocol.ts';

const EVENTS: ReadonlySet<string> = new Set<keyof DomainEvents>([
  'team.settings_changed',
  'team.environments_changed',
  'member.role_changed',
  'families.revoked',
  'team.killed',
  'grants.changed',
]);

/** PostgreSQL's limit on a NOTIFY payload is 8000 bytes; a bigger event goes in parts. */
const MAX_IDS_PER_NOTICE = 100;

/**
 * `received` runs before another replica's event reaches the listeners: what this replica keeps
 * for itself and the event makes stale (a human's role cached from WorkOS) is dropped first.
 */
export function relayEvents(
  events: EventBus,
  client: PgClient,
  log: Logger,
  received: <K extends keyof DomainEvents>(event: K, payload: DomainEvents[K]) => void = () => {},
): () => void {
  const replica = randomToken(9);
  const publish = (event: string, payload: unknown) =>
    client
      .query('SELECT pg_notify(?, ?)')
      .get(NOTIFY_CHANNEL, JSON.stringify({ kind: 'event', replica, event, payload }));
  events.relayTo((event, payload) => {
    if (event === 'families.revoked') {
      const { familyIds, reason } = payload as DomainEvents['families.revoked'];
      for (let i = 0; i < familyIds.length; i += MAX_IDS_PER_NOTICE)
        publish(event, { familyIds: familyIds.slice(i, i + MAX_IDS_PER_NOTICE), reason });
    } else publish(event, payload);
  });
  return client.onNotify((text) => {
    let notice: { kind?: string; replica?: string; event?: string; payload?: unknown };
    try {
      notice = JSON.parse(text);
    } catch {
      return;
    }
    if (notice.kind === 'listen-failed') log.error('database notifications unavailable', { error: text });
    // The replica's lock, lost with a session connection, is not granted again yet (the old
    // backend still holds it): other replicas count this one as gone while it is not.
    if (notice.kind === 'replica-lock-missing')
      log.warn('replica lock not held again on a new database connection: tried before each statement');
    if (notice.kind === 'replica-lock-held') log.info('replica lock held again');
    if (notice.kind !== 'event' || notice.replica === replica || !EVENTS.has(notice.event ?? '')) return;
    try {
      received(notice.event as keyof DomainEvents, notice.payload as never);
    } catch (e) {
      log.error('a replicated event failed', { event: notice.event, error: (e as Error).message });
    }
    events.deliver(notice.event as keyof DomainEvents, notice.payload as never, (e) =>
      log.error('a replicated event failed', { event: notice.event, error: (e as Error).message }),
    );
  });
}
