import { eq } from 'drizzle-orm';
import type { AuditService } from '../../audit/service.ts';
import { randomToken, safeEqual, sha256 } from '../../crypto/random.ts';
import type { Db } from '../../db/client.ts';
import { schema } from '../../db/client.ts';
import { RateLimiter } from '../../http/rate-limit.ts';
import type { Clock } from '../../kernel/clock.ts';
import { type Logger, silentLogger } from '../../log/logger.ts';
import { clientIdUrlProblem, fetchMetadataDocument, type MetadataFetcher } from './metadata-document.ts';
import { type ValidClientMetadata, validateClientMetadata } from './validate-metadata.ts';

export type OAuthClient = typeof schema.oauthClients.$inferSelect;

/**
 * Metadata document fetches (cache misses only) per host and in all: a burst, then a steady
 * rate per minute. Anyone can make Gatehouse fetch a URL by naming it as a client_id; these
 * bound how often, for one host and for the whole server.
 */
export const DOCUMENT_FETCHES_PER_HOST = { burst: 10, perMinute: 30 } as const;
export const DOCUMENT_FETCHES_IN_ALL = { burst: 60, perMinute: 120 } as const;

export type ResolveClientResult =
  | { ok: true; client: OAuthClient }
  | { ok: false; message: string; retryAfterSeconds?: number };

/** The metadata echoed to the client at registration (RFC 7591 §3.2.1), without secrets. */
function registeredMetadata(m: ValidClientMetadata): Record<string, unknown> {
  const out: Record<string, unknown> = {
    client_name: m.clientName,
    redirect_uris: m.redirectUris,
    token_endpoint_auth_method: m.tokenEndpointAuthMethod,
    grant_types: m.grantTypes,
    response_types: m.responseTypes,
    application_type: m.applicationType,
  };
  const optional: [string, unknown][] = [
    ['scope', m.scope],
    ['client_uri', m.clientUri],
    ['logo_uri', m.logoUri],
    ['tos_uri', m.tosUri],
    ['policy_uri', m.policyUri],
    ['software_id', m.softwareId],
    ['software_version', m.softwareVersion],
  ];
  for (const [k, v] of optional) if (v !== null) out[k] = v;
  if (m.contacts.length > 0) out.contacts = m.contacts;
  return out;
}

function rowFrom(id: string, kind: 'dcr' | 'cimd', m: ValidClientMetadata, now: number): OAuthClient {
  return {
    id,
    kind,
    clientName: m.clientName,
    redirectUris: m.redirectUris,
    tokenEndpointAuthMethod: m.tokenEndpointAuthMethod,
    clientSecretHash: null,
    grantTypes: m.grantTypes,
    responseTypes: m.responseTypes,
    applicationType: m.applicationType,
    scope: m.scope,
    clientUri: m.clientUri,
    logoUri: m.logoUri,
    softwareId: m.softwareId,
    softwareVersion: m.softwareVersion,
    metadata: registeredMetadata(m),
    createdAt: now,
    fetchedAt: null,
    cacheUntil: null,
  };
}

/**
 * OAuth clients: registered dynamically (RFC 7591), or identified by the URL of their metadata
 * document (fetched through the outbound guard, validated, cached).
 */
export class ClientsService {
  private readonly fetchesPerHost: RateLimiter;
  private readonly fetchesInAll: RateLimiter;
  /** One fetch per document URL at a time: concurrent requests for it wait for the same answer. */
  private readonly inFlight = new Map<string, Promise<ResolveClientResult>>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly fetchDocument: MetadataFetcher,
    private readonly audit: AuditService,
    private readonly log: Logger = silentLogger,
  ) {
    this.fetchesPerHost = new RateLimiter(
      clock,
      DOCUMENT_FETCHES_PER_HOST.burst,
      DOCUMENT_FETCHES_PER_HOST.perMinute,
    );
    this.fetchesInAll = new RateLimiter(
      clock,
      DOCUMENT_FETCHES_IN_ALL.burst,
      DOCUMENT_FETCHES_IN_ALL.perMinute,
    );
  }

  /**
   * Registers a client; a confidential client's secret is returned once and stored hashed. The
   * client and its audit entry commit together.
   */
  register(m: ValidClientMetadata): { client: OAuthClient; clientSecret: string | undefined } {
    const now = this.clock.now();
    const row = rowFrom(`ghc_${randomToken(18)}`, 'dcr', m, now);
    let clientSecret: string | undefined;
    if (m.tokenEndpointAuthMethod !== 'none') {
      clientSecret = `gatehouse_cs_${randomToken(32)}`;
      row.clientSecretHash = sha256(clientSecret);
    }
    this.db.transaction((tx) => {
      tx.insert(schema.oauthClients).values(row).run();
      this.audit.appendTx(tx, {
        event: 'oauth.client_registered',
        outcome: 'ok',
        clientId: row.id,
        details: {
          client_name: row.clientName,
          redirect_uris: row.redirectUris,
          auth_method: row.tokenEndpointAuthMethod,
        },
      });
    });
    return { client: row, clientSecret };
  }

  get(clientId: string): OAuthClient | undefined {
    return this.db.select().from(schema.oauthClients).where(eq(schema.oauthClients.id, clientId)).get();
  }

  /**
   * Finds a client by id. An https client_id is a metadata document URL: taken from the cache
   * while fresh (its lifetime set by the document's cache headers, within bounds), else fetched
   * — at most one fetch per URL at a time, within the per-host and overall fetch limits — and
   * its `client_id` must equal the URL. Why a fetch failed is logged, never told to the caller.
   */
  async resolve(clientId: string): Promise<ResolveClientResult> {
    if (!clientId.startsWith('https://')) {
      const client = clientId.length <= 200 ? this.get(clientId) : undefined;
      return client && client.kind === 'dcr'
        ? { ok: true, client }
        : { ok: false, message: 'Unknown client_id.' };
    }
    const problem = clientIdUrlProblem(clientId);
    if (problem) return { ok: false, message: `The client_id URL ${problem}.` };
    const cached = this.get(clientId);
    if (cached && cached.cacheUntil !== null && cached.cacheUntil > this.clock.now())
      return { ok: true, client: cached };
    let pending = this.inFlight.get(clientId);
    if (!pending) {
      pending = this.fetchAndStore(clientId, cached).finally(() => this.inFlight.delete(clientId));
      this.inFlight.set(clientId, pending);
    }
    return pending;
  }

  /** Takes one fetch from the host's and the overall budget; the refusal when either is spent. */
  private takeFetch(host: string): { message: string; retryAfterSeconds: number; scope: string } | undefined {
    const hostWait = this.fetchesPerHost.take(host);
    if (hostWait > 0) {
      return {
        scope: 'host',
        retryAfterSeconds: hostWait,
        message: `too many client metadata documents were fetched from ${host} just now; retry in ${hostWait} seconds`,
      };
    }
    const allWait = this.fetchesInAll.take('all');
    if (allWait > 0) {
      return {
        scope: 'all',
        retryAfterSeconds: allWait,
        message: `Gatehouse fetched too many client metadata documents just now; retry in ${allWait} seconds`,
      };
    }
    return undefined;
  }

  private async fetchAndStore(
    clientId: string,
    cached: OAuthClient | undefined,
  ): Promise<ResolveClientResult> {
    const host = new URL(clientId).hostname;
    const limited = this.takeFetch(host);
    if (limited) {
      // A document fetched and validated before stays usable while fetching is limited: a
      // flood of other client_ids on the same host cannot lock its real clients out.
      if (cached) {
        this.log.info('client metadata document fetch limited; using the stored copy', {
          client_id: clientId,
          host,
          limit: limited.scope,
        });
        return { ok: true, client: cached };
      }
      this.log.warn('client metadata document fetch limited', {
        client_id: clientId,
        host,
        limit: limited.scope,
        retry_after_s: limited.retryAfterSeconds,
      });
      return {
        ok: false,
        message: `The client metadata document could not be fetched: ${limited.message}.`,
        retryAfterSeconds: limited.retryAfterSeconds,
      };
    }

    const fetched = await fetchMetadataDocument(clientId, this.fetchDocument);
    if (!fetched.ok) {
      this.log.warn('client metadata document could not be fetched', {
        client_id: clientId,
        host,
        detail: fetched.detail,
      });
      return { ok: false, message: `The client metadata document ${fetched.message}.` };
    }
    if (fetched.document.client_id !== clientId) {
      return { ok: false, message: 'The client metadata document\u2019s client_id does not equal its URL.' };
    }
    if ('client_secret' in fetched.document || 'client_secret_expires_at' in fetched.document) {
      return { ok: false, message: 'A client metadata document must not contain a client secret.' };
    }
    const valid = validateClientMetadata(fetched.document, 'cimd');
    if (!valid.ok)
      return {
        ok: false,
        message: `The client metadata document is invalid: ${valid.problem.message.replace(/\.+$/, '')}.`,
      };
    const now = this.clock.now();
    const row = {
      ...rowFrom(clientId, 'cimd', valid.value, cached?.createdAt ?? now),
      fetchedAt: now,
      cacheUntil: now + fetched.cacheMs,
    };
    this.db
      .insert(schema.oauthClients)
      .values(row)
      .onConflictDoUpdate({ target: schema.oauthClients.id, set: { ...row, id: undefined } })
      .run();
    return { ok: true, client: row };
  }

  /** Constant-time check of a client secret against its stored hash. */
  secretMatches(client: OAuthClient, secret: string): boolean {
    return client.clientSecretHash !== null && safeEqual(sha256(secret), client.clientSecretHash);
  }
}
