/** A fixed origin no request ever has: `return_to` is resolved against it, never against the request. */
const DUMMY_ORIGIN = 'http://gatehouse.invalid';
const MAX_RETURN_TO = 4096;

/** The path and query a URL parser makes of `value` against the dummy origin, or undefined. */
function normalised(value: string): string | undefined {
  let u: URL;
  try {
    u = new URL(value, DUMMY_ORIGIN);
  } catch {
    return undefined;
  }
  if (u.origin !== DUMMY_ORIGIN) return undefined;
  return `${u.pathname}${u.search}`;
}

/**
 * Where to send a human after sign-in: only a same-origin absolute path. Anything else
 * (`//evil`, `/\evil`, `https://…`, control characters) falls back to `/` — no open redirect.
 *
 * The value is normalised first — parsed against a fixed dummy origin, exactly as a browser
 * will resolve the `Location` header (dot segments such as `/%2e//evil` or `/a/..//evil`
 * collapse into `//evil` only then) — and only the rebuilt path and query are checked and
 * returned, so what is checked is exactly what is sent.
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || value.length > MAX_RETURN_TO || !value.startsWith('/')) return '/';
  // Browsers drop tabs and newlines from URLs and read `\` as `/`: refuse them outright.
  for (const ch of value) {
    const c = ch.charCodeAt(0);
    if (c < 0x20 || c === 0x7f || ch === '\\') return '/';
  }
  const path = normalised(value);
  // After normalisation: one leading slash and nothing a browser reads as another host.
  if (path === undefined || !path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\'))
    return '/';
  // The rebuilt value must be a fixed point: parsing it again changes nothing.
  if (normalised(path) !== path) return '/';
  return path;
}
