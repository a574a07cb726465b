import { CLIENT_METADATA_CACHE_TTL_MS } from '../../config/constants.ts';
import { MAX_METADATA_BYTES } from './validate-metadata.ts';

/** How a Client ID Metadata Document is fetched: through the outbound guard, or a test hook. */
export type MetadataFetcher = (url: string) => Promise<{ status: number; headers: Headers; text(): string }>;

/** Shortest time a fetched document is reused, whatever its headers say (no-store included). */
export const MIN_DOCUMENT_CACHE_MS = 60 * 1000;
/** Longest time a fetched document is trusted, whatever its headers say. */
export const MAX_DOCUMENT_CACHE_MS = 24 * 60 * 60 * 1000;
/** Reuse time of a document whose headers say nothing about caching. */
export const DEFAULT_DOCUMENT_CACHE_MS = CLIENT_METADATA_CACHE_TTL_MS;

/**
 * Why a URL cannot be a client_id under the Client ID Metadata Document draft
 * (draft-ietf-oauth-client-id-metadata-document §3), or undefined if it can.
 */
export function clientIdUrlProblem(clientId: string): string | undefined {
  if (clientId.length > 2048) return 'is longer than 2048 characters';
  let u: URL;
  try {
    u = new URL(clientId);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol !== 'https:') return 'must use https';
  if (u.username || u.password) return 'must not contain credentials';
  if (clientId.includes('#')) return 'must not contain a fragment';
  if (u.search) return 'must not contain a query string';
  if (u.pathname === '/' || u.pathname === '') return 'must contain a path';
  // URL parsing removes dot segments and lowercases scheme and host: any difference means the
  // client_id was not in the one canonical form that can be compared byte for byte.
  if (u.href !== clientId) return 'must be in normalised form (no dot segments, lowercase scheme and host)';
  return undefined;
}

/**
 * A failed fetch says two things: `message`, which is all an unauthenticated caller learns
 * (never an address, a resolver answer or why the outbound guard refused a host: that would
 * tell anyone how internal names resolve), and `detail`, which is only logged.
 */
export type DocumentResult =
  | { ok: true; document: Record<string, unknown>; cacheMs: number }
  | { ok: false; message: string; detail: string };

/**
 * How long a fetched document may be reused (RFC 9111 §4.2.1): Cache-Control `max-age` less the
 * response's `Age`, else `Expires` less `Date`, else DEFAULT_DOCUMENT_CACHE_MS; `no-store`,
 * `no-cache` and unparseable values count as already stale. The result is clamped to
 * [MIN_DOCUMENT_CACHE_MS, MAX_DOCUMENT_CACHE_MS] — the draft leaves the bounds to the
 * authorization server — so a document served `no-store` is still fetched at most once a
 * minute per URL.
 */
export function documentCacheMs(headers: Headers): number {
  const clamp = (ms: number) => Math.min(MAX_DOCUMENT_CACHE_MS, Math.max(MIN_DOCUMENT_CACHE_MS, ms));
  const directives = new Map<string, string | undefined>();
  let duplicate = false;
  for (const part of (headers.get('cache-control') ?? '').split(',')) {
    const [rawName, ...rest] = part.split('=');
    const name = rawName!.trim().toLowerCase();
    if (!name) continue;
    if (directives.has(name)) duplicate = true;
    const value =
      rest.length > 0
        ? rest
            .join('=')
            .trim()
            .replace(/^"(.*)"$/, '$1')
        : undefined;
    directives.set(name, value);
  }
  if (directives.has('no-store') || directives.has('no-cache')) return clamp(0);
  const ageHeader = headers.get('age');
  const age = ageHeader !== null && /^\d{1,10}$/.test(ageHeader.trim()) ? Number(ageHeader.trim()) : 0;
  if (directives.has('max-age')) {
    const value = directives.get('max-age');
    if (duplicate || value === undefined || !/^\d{1,10}$/.test(value)) return clamp(0);
    return clamp((Number(value) - age) * 1000);
  }
  const expires = headers.get('expires');
  if (expires !== null) {
    const at = Date.parse(expires);
    const date = Date.parse(headers.get('date') ?? '');
    if (Number.isNaN(at) || Number.isNaN(date)) return clamp(0);
    return clamp(at - date - age * 1000);
  }
  return clamp(DEFAULT_DOCUMENT_CACHE_MS);
}

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e)).replace(/\.+$/, '');

/** Fetches and parses a metadata document; the caller validates its content. */
export async function fetchMetadataDocument(url: string, fetcher: MetadataFetcher): Promise<DocumentResult> {
  let res: Awaited<ReturnType<MetadataFetcher>>;
  try {
    res = await fetcher(url);
  } catch (e) {
    // DNS failure, a refused address, a refused connection, TLS, timeout, oversize: one answer,
    // so the caller cannot tell a name that resolves privately from one that does not resolve.
    return { ok: false, message: 'could not be fetched', detail: describe(e) };
  }
  if (res.status !== 200) {
    return {
      ok: false,
      message: `could not be fetched: it answered HTTP ${res.status} (expected 200; redirects are not followed)`,
      detail: `HTTP ${res.status}${res.headers.get('location') ? ` to ${res.headers.get('location')}` : ''}`,
    };
  }
  const text = res.text();
  if (text.length > MAX_METADATA_BYTES) {
    const message = `is larger than ${MAX_METADATA_BYTES} bytes`;
    return { ok: false, message, detail: message };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, message: 'is not valid JSON', detail: 'not valid JSON' };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return { ok: false, message: 'is not a JSON object', detail: 'not a JSON object' };
  return { ok: true, document: doc as Record<string, unknown>, cacheMs: documentCacheMs(res.headers) };
}
