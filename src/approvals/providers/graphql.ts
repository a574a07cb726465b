import { type DocumentNode, Kind, OperationTypeNode, parse, visit } from 'graphql';
import { methodOf, own, parseJsonObject } from './common.ts';
import type { ProviderRequest } from './types.ts';

/** Cap on lexer tokens for one document: far above real queries, well below a parser DoS. */
const MAX_TOKENS = 20_000;

/** Root type names whose fields write; a fragment on one of them marks the document as a write. */
const WRITE_ROOT_TYPES = new Set(['Mutation', 'Subscription']);

/**
 * Whether a GraphQL document is read-only: it parses, every definition is a `query` operation or a
 * fragment, and no fragment (named or inline) is on a Mutation or Subscription type. The whole
 * document is judged, whatever `operationName` selects, so a mutation cannot ride along next to a
 * query. Anything else — a mutation, a subscription, schema definitions, a syntax error — is not
 * read-only.
 */
export function isReadOnlyDocument(source: string): boolean {
  let doc: DocumentNode;
  try {
    doc = parse(source, { noLocation: true, maxTokens: MAX_TOKENS });
  } catch {
    return false;
  }
  if (doc.definitions.length === 0) return false;
  const onlyQueries = doc.definitions.every((def) => {
    if (def.kind === Kind.OPERATION_DEFINITION) return def.operation === OperationTypeNode.QUERY;
    if (def.kind === Kind.FRAGMENT_DEFINITION) return !WRITE_ROOT_TYPES.has(def.typeCondition.name.value);
    return false;
  });
  return onlyQueries && !hasWriteRootInlineFragment(doc);
}

/** `... on Mutation { … }` anywhere: invalid inside a query, but refused rather than left to the server. */
function hasWriteRootInlineFragment(doc: DocumentNode): boolean {
  let found = false;
  visit(doc, {
    InlineFragment(node) {
      if (node.typeCondition !== undefined && WRITE_ROOT_TYPES.has(node.typeCondition.name.value))
        found = true;
    },
  });
  return found;
}

/**
 * Whether a GraphQL-over-HTTP request may change data. Fails closed:
 * - POST: the body must be one JSON object whose `query` is a read-only document; a `query` in the
 *   URL as well (some servers prefer it) must be read-only too;
 * - GET: exactly one `query` URL parameter holding a read-only document, and no body;
 * - any other method, a non-JSON body, a missing or non-string `query` ⇒ write.
 */
export function isGraphqlWrite(req: ProviderRequest): boolean {
  const urlQueries = req.url.searchParams.getAll('query');
  const method = methodOf(req.method);
  if (method === 'GET') {
    if (req.body !== undefined && req.body !== '') return true;
    const only = urlQueries.length === 1 ? urlQueries[0] : undefined;
    return only === undefined || !isReadOnlyDocument(only);
  }
  if (method !== 'POST') return true;
  const body = parseJsonObject(req.body);
  if (body === undefined) return true;
  const query = own(body, 'query');
  if (typeof query !== 'string' || !isReadOnlyDocument(query)) return true;
  return !urlQueries.every(isReadOnlyDocument);
}
