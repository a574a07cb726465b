import { MAX_METADATA_BYTES } from './validate-metadata.ts';

/** How a Client ID Metadata Document is fetched: through the outbound guard, or a test hook. */
export type MetadataFetcher = (url: string) => Promise<{ status: number; headers: Headers; text(): string }>;

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

export type DocumentResult =
  | { ok: true; document: Record<string, unknown>; maxAgeSeconds: number | undefined }
  | { ok: false; message: string };

/** Fetches and parses a metadata document; the caller validates its content. */
export async function fetchMetadataDocument(url: string, fetcher: MetadataFetcher): Promise<DocumentResult> {
  let res: Awaited<ReturnType<MetadataFetcher>>;
  try {
    res = await fetcher(url);
  } catch (e) {
    return {
      ok: false,
      message: `could not be fetched: ${(e instanceof Error ? e.message : String(e)).replace(/\.+$/, '')}`,
    };
  }
  if (res.status !== 200)
    return { ok: false, message: `answered HTTP ${res.status} (expected 200; redirects are not followed)` };
  const text = res.text();
  if (text.length > MAX_METADATA_BYTES)
    return { ok: false, message: `is larger than ${MAX_METADATA_BYTES} bytes` };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, message: 'is not valid JSON' };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return { ok: false, message: 'is not a JSON object' };
  const cc = res.headers.get('cache-control') ?? '';
  const maxAge = /max-age=(\d+)/i.exec(cc)?.[1];
  return {
    ok: true,
    document: doc as Record<string, unknown>,
    maxAgeSeconds: /no-store|no-cache/i.test(cc) ? 0 : maxAge ? Number(maxAge) : undefined,
  };
}
