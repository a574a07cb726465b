/**
 * In-process domain events, so one change reaches everything that must react at once
 * (open MCP sessions re-list tools, streams close on revocation, the approvals page refreshes).
 */
export interface DomainEvents {
  /** A team's settings changed (toggles, kill switch, TTLs). */
  'team.settings_changed': { teamId: string };
  /** A team's linked WorkOS environment was linked, replaced or removed. */
  'team.environments_changed': { teamId: string };
  /** A human's role or permissions in a team changed. */
  'member.role_changed': { teamId: string; userId: string };
  /** Token families were revoked (client revoke, console, kill switch, reuse detection). */
  'families.revoked': { familyIds: string[]; reason: string };
  /** The kill switch was pulled: every session and stream of the team must close now. */
  'team.killed': { teamId: string };
  /** Authority grants changed state (requested, approved, denied, revoked, consumed, expired). */
  'grants.changed': { teamId: string; grantId: string };
}

type Listener<K extends keyof DomainEvents> = (payload: DomainEvents[K]) => void;

export class EventBus {
  private readonly listeners = new Map<keyof DomainEvents, Set<Listener<never>>>();
  private relay: (<K extends keyof DomainEvents>(event: K, payload: DomainEvents[K]) => void) | undefined;

  /**
   * Also hands every event emitted here to `relay` (after the local listeners): with several
   * replicas, PostgreSQL NOTIFY carries it to the others (src/db/pg/relay.ts), which `deliver` it.
   */
  relayTo(relay: <K extends keyof DomainEvents>(event: K, payload: DomainEvents[K]) => void): void {
    this.relay = relay;
  }

  /** An event another replica emitted: to the local listeners only (never relayed back). */
  deliver<K extends keyof DomainEvents>(
    event: K,
    payload: DomainEvents[K],
    onError?: (e: unknown) => void,
  ): void {
    this.notify(event, payload, onError);
  }

  on<K extends keyof DomainEvents>(event: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Delivers synchronously; a failing listener never stops the others (or the caller). */
  emit<K extends keyof DomainEvents>(
    event: K,
    payload: DomainEvents[K],
    onError?: (e: unknown) => void,
  ): void {
    this.notify(event, payload, onError);
    if (this.relay) {
      try {
        this.relay(event, payload);
      } catch (e) {
        onError?.(e);
      }
    }
  }

  private notify<K extends keyof DomainEvents>(
    event: K,
    payload: DomainEvents[K],
    onError?: (e: unknown) => void,
  ): void {
    for (const l of this.listeners.get(event) ?? []) {
      try {
        (l as Listener<K>)(payload);
      } catch (e) {
        onError?.(e);
      }
    }
  }
}
