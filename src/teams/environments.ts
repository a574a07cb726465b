import type { WorkOS } from '@workos-inc/node';
import { and, eq, sql } from 'drizzle-orm';
import { ENVIRONMENTS, type Environment } from '../../db/schema/enums.ts';
import type { AuditService } from '../audit/service.ts';
import type { Sealer } from '../crypto/seal.ts';
import type { Db } from '../db/client.ts';
import { schema } from '../db/client.ts';
import { EpochCache, epochOf } from '../db/epoch.ts';
import { AppError } from '../errors/app-error.ts';
import type { Clock } from '../kernel/clock.ts';
import type { EventBus } from '../kernel/events.ts';
import type { WorkOSGateway } from '../workos/gateway.ts';
import { checkKey, type EnvironmentStatus, KEY_SHAPE, keyKind } from './environment-keys.ts';
import type { TeamsService } from './service.ts';
import type { Actor } from './settings.ts';
import type { StaffDirectory } from './staff.ts';
import { UnlinkedKeys } from './unlinked-keys.ts';

export type { EnvironmentSource, EnvironmentStatus } from './environment-keys.ts';

interface Cached {
  /**
   * The link row's sealed key the client was built from (null: a deployment or embedded key).
   * Not the row's version: a row unlinked and linked again, by another process or replica,
   * starts again at version 1; the sealed key differs on every link (a fresh nonce).
   */
  sealed: string | null;
  /** Whether the client was built with the staff guard (the key also opens the identity environment). */
  guarded: boolean;
  client: WorkOS;
  apiKey: string;
}

/**
 * Each team's own managed WorkOS environments (docs/architecture.md "Trust model"). A team's
 * tools get their WorkOS client only from here, keyed by the principal's team, so one team can
 * never reach another's customers by construction. Keys are checked with one real WorkOS call
 * before they are saved, sealed with AES-256-GCM, and never shown again.
 */
export class TeamEnvironments {
  private readonly cache = new Map<string, Cached>();
  private readonly rowQuery;

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      audit: AuditService;
      events: EventBus;
      sealer: Sealer;
      gateway: WorkOSGateway;
      teams: TeamsService;
      staff: StaffDirectory;
    },
  ) {
    this.rowQuery = deps.db
      .select({
        keySealed: schema.teamEnvironments.keySealed,
        sharesIdentity: schema.teamEnvironments.sharesIdentity,
      })
      .from(schema.teamEnvironments)
      .where(
        and(
          eq(schema.teamEnvironments.teamId, sql.placeholder('teamId')),
          eq(schema.teamEnvironments.environment, sql.placeholder('environment')),
        ),
      )
      .prepare();
    this.rows = new EpochCache(epochOf(deps.db));
    this.redacted = new EpochCache(epochOf(deps.db));
    this.unlinked = new UnlinkedKeys(deps.gateway, deps.teams);
  }

  /** The key a team has without linking one (embedded or deployment-level). */
  private readonly unlinked: UnlinkedKeys;

  /** Whether the deployment-level keys belong to no admitted team (the start banner says so). */
  deploymentKeysUnowned(): boolean {
    return this.unlinked.deploymentKeysUnowned();
  }

  /**
   * The WorkOS client of a team's environment, or undefined when none is linked. The link row is
   * read on every call (a prepared lookup), so a replaced or removed key is never used again.
   */
  client(teamId: string, environment: Environment): WorkOS | undefined {
    const row = this.row(teamId, environment);
    const cacheKey = `${teamId}:${environment}`;
    if (row) {
      const cached = this.cache.get(cacheKey);
      if (cached && cached.sealed === row.keySealed && cached.guarded === row.sharesIdentity)
        return cached.client;
      const apiKey = this.deps.sealer.open(row.keySealed);
      if (!apiKey) return undefined;
      const client = this.build(apiKey, row.sharesIdentity);
      this.cache.set(cacheKey, { sealed: row.keySealed, guarded: row.sharesIdentity, client, apiKey });
      return client;
    }
    const key = this.unlinked.keyOf(teamId, environment);
    if (!key) {
      this.cache.delete(cacheKey);
      return undefined;
    }
    const cached = this.cache.get(cacheKey);
    if (cached && cached.sealed === null && cached.apiKey === key) return cached.client;
    const guarded = key === this.deps.gateway.identity.apiKey;
    const client = this.build(key, guarded);
    this.cache.set(cacheKey, { sealed: null, guarded, client, apiKey: key });
    return client;
  }

  /**
   * The WorkOS API keys a team's tool calls must never show, for the response filter to strip in
   * any encoding (secrets/known.ts): the team's effective key of each environment (linked,
   * embedded or deployment, as `client` resolves it) and the identity environment's. For the
   * filter only: never logged, never returned to anyone.
   */
  keysToRedact(teamId: string): string[] {
    // A fresh array each call: the pipeline adds the call's provider tokens to it.
    return [...this.redacted.get(teamId, () => this.effectiveKeys(teamId))];
  }

  /** Every call asks; what it answers moves only with the links and admissions (the epoch). */
  private readonly redacted: EpochCache<string, readonly string[]>;

  private effectiveKeys(teamId: string): readonly string[] {
    const keys = [this.deps.gateway.identity.apiKey];
    for (const environment of ENVIRONMENTS) {
      if (!this.client(teamId, environment)) continue;
      const key = this.cache.get(`${teamId}:${environment}`)?.apiKey;
      if (key) keys.push(key);
    }
    return keys;
  }

  /** The link row, read on every call: kept while the authority epoch stands (src/db/epoch.ts). */
  private row(teamId: string, environment: Environment) {
    return this.rows.get(`${teamId}:${environment}`, () => this.rowQuery.get({ teamId, environment }));
  }

  private readonly rows: EpochCache<string, ReturnType<TeamEnvironments['rowQuery']['get']>>;

  has(teamId: string, environment: Environment): boolean {
    return this.row(teamId, environment) !== undefined || !!this.unlinked.keyOf(teamId, environment);
  }

  /** A client over the key; a key that also opens the identity environment gets the staff guard. */
  private build(apiKey: string, sharesIdentity: boolean): WorkOS {
    return this.deps.gateway.clientForKey(
      apiKey,
      sharesIdentity ? { protect: () => this.deps.staff.marks() } : {},
    );
  }

  /** Whether any environment of any team is also the identity environment (banner, /readyz). */
  identityShared(): { teamId: string; teamName: string; environment: Environment }[] {
    const out: { teamId: string; teamName: string; environment: Environment }[] = [];
    for (const team of this.deps.teams.admitted()) {
      for (const s of this.status(team.id)) {
        if (s.sharesIdentity) out.push({ teamId: team.id, teamName: team.name, environment: s.environment });
      }
    }
    return out;
  }

  /**
   * Every admitted team's effective key per environment, as a fingerprint (HMAC): linked keys by
   * their stored fingerprint, embedded and deployment keys computed. Two teams with the same
   * fingerprint act on the same customers, whoever configured the key.
   */
  private fingerprints(): { teamId: string; teamName: string; fingerprint: string }[] {
    const out: { teamId: string; teamName: string; fingerprint: string }[] = [];
    const rows = this.deps.db
      .select({
        teamId: schema.teamEnvironments.teamId,
        fp: schema.teamEnvironments.keyFingerprint,
        env: schema.teamEnvironments.environment,
      })
      .from(schema.teamEnvironments)
      .all();
    for (const team of this.deps.teams.admitted()) {
      for (const environment of ENVIRONMENTS) {
        const row = rows.find((r) => r.teamId === team.id && r.env === environment);
        const key = row ? undefined : this.unlinked.keyOf(team.id, environment);
        const fingerprint = row?.fp ?? (key ? this.fingerprint(key) : undefined);
        if (fingerprint) out.push({ teamId: team.id, teamName: team.name, fingerprint });
      }
    }
    return out;
  }

  private fingerprint(apiKey: string): string {
    return this.deps.sealer.mac('workos-api-key', apiKey);
  }

  /** The team's environments as the settings page shows them. */
  status(teamId: string): EnvironmentStatus[] {
    const rows = this.deps.db
      .select()
      .from(schema.teamEnvironments)
      .where(eq(schema.teamEnvironments.teamId, teamId))
      .all();
    const all = this.fingerprints();
    const sharedWith = (fingerprint: string) =>
      [
        ...new Set(
          all.filter((f) => f.fingerprint === fingerprint && f.teamId !== teamId).map((f) => f.teamName),
        ),
      ].sort();
    return ENVIRONMENTS.map((environment) => {
      const row = rows.find((r) => r.environment === environment);
      if (row) {
        const linkedBy = row.linkedBy
          ? (this.deps.db
              .select({ email: schema.users.email })
              .from(schema.users)
              .where(eq(schema.users.id, row.linkedBy))
              .get()?.email ?? null)
          : null;
        return {
          environment,
          source: 'linked' as const,
          keyLast4: row.keyLast4,
          keyKind: row.keyKind,
          sharesIdentity: row.sharesIdentity,
          linkedAt: row.linkedAt,
          linkedBy,
          sharedWith: sharedWith(row.keyFingerprint),
        };
      }
      const key = this.unlinked.keyOf(teamId, environment);
      if (key) {
        return {
          environment,
          source: this.unlinked.isEmbedded(teamId, environment)
            ? ('embedded' as const)
            : ('deployment' as const),
          keyLast4: key.slice(-4),
          keyKind: keyKind(key),
          sharesIdentity: key === this.deps.gateway.identity.apiKey,
          linkedAt: null,
          linkedBy: null,
          sharedWith: sharedWith(this.fingerprint(key)),
        };
      }
      return {
        environment,
        source: 'none' as const,
        keyLast4: null,
        keyKind: null,
        sharesIdentity: false,
        linkedAt: null,
        linkedBy: null,
        sharedWith: [],
      };
    });
  }

  /**
   * Links (or replaces) a team's environment. The key is checked with one real WorkOS call —
   * reading the team's own organization: 401 means a wrong key; 404 means a valid key of another
   * environment (the expected case); 200 means the key opens the identity environment itself,
   * which is allowed but stated, and the staff organizations are then guarded on the wire.
   * Nothing is saved unless the check passes.
   */
  async link(
    teamId: string,
    environment: Environment,
    apiKeyInput: string,
    actor: Actor,
  ): Promise<EnvironmentStatus> {
    const apiKey = apiKeyInput.trim();
    const team = this.deps.teams.get(teamId);
    if (!team) throw new AppError('not_found', 'No such team.');
    const refuse = (
      message: string,
      hint: string,
      code: 'invalid_input' | 'unavailable' = 'invalid_input',
    ) => {
      this.deps.audit.append({
        event: 'environment.link_refused',
        outcome: 'denied',
        teamId,
        userId: actor.userId,
        actorEmail: actor.email,
        environment,
        reason: message,
        details: { key_last4: apiKey.slice(-4) },
      });
      return new AppError(code, message, { hint, fields: [{ field: `${environment}_key`, message }] });
    };
    if (!KEY_SHAPE.test(apiKey)) {
      throw refuse(
        'That is not a WorkOS API key: keys start with sk_ (sk_test_ for staging, sk_live_ for production).',
        'Copy the secret key from the WorkOS dashboard (API Keys) of the environment this team manages.',
      );
    }
    const sharesIdentity = await checkKey(this.deps.gateway, apiKey, team.organizationId, refuse);
    const now = this.deps.clock.now();
    const fingerprint = this.fingerprint(apiKey);
    this.deps.db.transaction((tx) => {
      const existing = tx
        .select({ version: schema.teamEnvironments.version })
        .from(schema.teamEnvironments)
        .where(
          and(
            eq(schema.teamEnvironments.teamId, teamId),
            eq(schema.teamEnvironments.environment, environment),
          ),
        )
        .get();
      const values = {
        keySealed: this.deps.sealer.seal(apiKey),
        keyLast4: apiKey.slice(-4),
        keyFingerprint: fingerprint,
        keyKind: keyKind(apiKey),
        sharesIdentity,
        linkedAt: now,
        linkedBy: actor.userId,
      };
      if (existing) {
        tx.update(schema.teamEnvironments)
          .set({ ...values, version: existing.version + 1 })
          .where(
            and(
              eq(schema.teamEnvironments.teamId, teamId),
              eq(schema.teamEnvironments.environment, environment),
            ),
          )
          .run();
      } else {
        tx.insert(schema.teamEnvironments)
          .values({ teamId, environment, ...values, version: 1 })
          .run();
      }
      this.deps.audit.appendTx(tx, {
        event: 'environment.linked',
        outcome: 'ok',
        teamId,
        userId: actor.userId,
        actorEmail: actor.email,
        environment,
        details: {
          replaced: !!existing,
          key_last4: values.keyLast4,
          key_kind: values.keyKind,
          shares_identity: sharesIdentity,
        },
      });
    });
    this.cache.delete(`${teamId}:${environment}`);
    this.deps.events.emit('team.environments_changed', { teamId });
    return this.status(teamId).find((s) => s.environment === environment)!;
  }

  /** Removes a team's linked environment; its tools refuse until another is linked. */
  unlink(teamId: string, environment: Environment, actor: Actor): void {
    const removed = this.deps.db.transaction((tx) => {
      const row = tx
        .delete(schema.teamEnvironments)
        .where(
          and(
            eq(schema.teamEnvironments.teamId, teamId),
            eq(schema.teamEnvironments.environment, environment),
          ),
        )
        .returning({ last4: schema.teamEnvironments.keyLast4 })
        .get();
      if (!row) return false;
      this.deps.audit.appendTx(tx, {
        event: 'environment.unlinked',
        outcome: 'ok',
        teamId,
        userId: actor.userId,
        actorEmail: actor.email,
        environment,
        details: { key_last4: row.last4 },
      });
      return true;
    });
    if (!removed) throw new AppError('not_found', `No ${environment} environment is linked to this team.`);
    this.cache.delete(`${teamId}:${environment}`);
    this.deps.events.emit('team.environments_changed', { teamId });
  }
}
