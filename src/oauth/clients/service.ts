import { eq } from 'drizzle-orm';
import type { AuditService } from '../../audit/service.ts';
import { CLIENT_METADATA_CACHE_TTL_MS } from '../../config/constants.ts';
import { randomToken, safeEqual, sha256 } from '../../crypto/random.ts';
import type { Db } from '../../db/client.ts';
import { schema } from '../../db/client.ts';
import type { Clock } from '../../kernel/clock.ts';
import { clientIdUrlProblem, fetchMetadataDocument, type MetadataFetcher } from './metadata-document.ts';
import { type ValidClientMetadata, validateClientMetadata } from './validate-metadata.ts';

export type OAuthClient = typeof schema.oauthClients.$inferSelect;

/** Longest a fetched metadata document is trusted, whatever its Cache-Control says. */
const MAX_DOCUMENT_CACHE_MS = 24 * 60 * 60 * 1000;

export type ResolveClientResult = { ok: true; client: OAuthClient } | { ok: false; message: string };

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
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly fetchDocument: MetadataFetcher,
    private readonly audit: AuditService,
  ) {}

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
   * Finds a client by id. An https client_id is a metadata document URL: fetched (or taken
   * from the cache while fresh), and its `client_id` must equal the URL.
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
    const now = this.clock.now();
    const cached = this.get(clientId);
    if (cached && cached.cacheUntil !== null && cached.cacheUntil > now) return { ok: true, client: cached };

    const fetched = await fetchMetadataDocument(clientId, this.fetchDocument);
    if (!fetched.ok) return { ok: false, message: `The client metadata document ${fetched.message}.` };
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
    const ttl =
      fetched.maxAgeSeconds === undefined
        ? CLIENT_METADATA_CACHE_TTL_MS
        : Math.min(fetched.maxAgeSeconds * 1000, MAX_DOCUMENT_CACHE_MS);
    const row = {
      ...rowFrom(clientId, 'cimd', valid.value, cached?.createdAt ?? now),
      fetchedAt: now,
      cacheUntil: now + ttl,
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
