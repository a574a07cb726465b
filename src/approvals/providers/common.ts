/**
 * Checks shared by provider modules. Every one fails closed: a URL or body they cannot read with
 * certainty is "not this provider" or "a write".
 */

/** Longest host name DNS allows. */
const MAX_HOST_LENGTH = 253;

/**
 * The URL's host (lower-case) when it is a plain `https:` URL with no credentials, no explicit
 * non-default port and no fragment; `undefined` otherwise. WHATWG URL already drops `:443` for
 * https, so any port left over is a non-default one.
 */
export function plainHttpsHost(url: URL): string | undefined {
  if (url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  if (url.port !== '') return undefined;
  if (url.hash !== '') return undefined;
  const host = url.hostname.toLowerCase();
  if (host === '' || host.length > MAX_HOST_LENGTH) return undefined;
  return host;
}

/** A host predicate that accepts exactly one name (case-insensitive, no trailing dot, no subdomains). */
export function exactHost(expected: string): (host: string) => boolean {
  const want = expected.toLowerCase();
  return (host) => host.toLowerCase() === want;
}

/** Upper-cased HTTP method. */
export function methodOf(method: string): string {
  return method.toUpperCase();
}

/**
 * Parses a body that must be one JSON object and returns it, or `undefined` when the text is not
 * JSON, is not an object, or repeats a top-level key. Duplicate keys are refused because parsers
 * disagree on which one wins (JSON.parse keeps the last, others the first): a body that says
 * `query` twice could be classified on one value and executed on the other.
 */
export function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = topLevelKeys(text);
  if (keys === undefined || new Set(keys).size !== keys.length) return undefined;
  return value as Record<string, unknown>;
}

/** An own property of a parsed JSON object (never one from the prototype chain). */
export function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * The keys of the outermost object in `text`, which JSON.parse has already accepted, in order and
 * with repeats. Walks strings and nesting only; each key's escapes are decoded with JSON.parse.
 */
function topLevelKeys(text: string): string[] | undefined {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return undefined;
      if (depth === 1 && expectKey) {
        try {
          keys.push(JSON.parse(text.slice(i, j + 1)) as string);
        } catch {
          return undefined;
        }
        expectKey = false;
      }
      i = j;
    } else if (ch === '{' || ch === '[') {
      depth++;
      if (depth === 1) expectKey = ch === '{';
    } else if (ch === '}' || ch === ']') {
      depth--;
    } else if (ch === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}
